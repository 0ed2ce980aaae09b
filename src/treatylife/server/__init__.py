"""``treatylife serve``: the library over HTTP (a JSON API with the CLI's answers) and a register page.

The top layer: it imports everything below it and nothing imports it but the ``serve`` command. FastAPI and
uvicorn are the ``serve`` extra (``pip install "treatylife[serve]"``), imported only here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["create_app"]


def create_app(registers: list[Path] | None = None, **options: Any) -> Any:
    """The ASGI application serving ``registers`` (default: the bundled examples); see
    :func:`treatylife.server.app.create_app` for the options."""
    from treatylife.server.app import create_app as _create_app

    return _create_app(registers, **options)
