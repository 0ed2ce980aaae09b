"""Bounds on what a client may send, and the outermost guard: no request sees a traceback.

:class:`Guard` wraps the whole ASGI application: a request body larger than :data:`MAX_BODY_BYTES` is refused
(413, TL624) before the application reads it, however it is sent (with or without Content-Length); an
exception that escapes the application becomes a 500 with code TL999 and the exception's type only.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_WHATIF_BYTES",
    "BodyTooLarge",
    "Guard",
    "error_body",
    "internal_error_body",
    "too_large_body",
]

#: a request body: a what-if overlay or a file to check; a rules file is a few kB (the loader takes 2 MiB)
MAX_BODY_BYTES = 1024 * 1024
#: the overlay text of one what-if
MAX_WHATIF_BYTES = 256 * 1024
#: --add/--remove/--set strings in one what-if, and the length of each
MAX_OPTIONS = 200
MAX_OPTION_CHARS = 2_000
#: a calendar subscription spans at most this many years (the CLI's --years allows 100 for a file)
MAX_CALENDAR_YEARS = 10

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("treatylife.server")


def error_body(error: dict[str, Any]) -> bytes:
    """The CLI's ``--json`` error, byte for byte: ``{"error": {...}}``, sorted keys, indented."""
    return (json.dumps({"error": error}, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _error(code: str, message: str, hint: str | None = None, field: str | None = None) -> bytes:
    return error_body(
        {"code": code, "message": message, "file": None, "line": None, "field": field, "hint": hint}
    )


def too_large_body(limit: int = MAX_BODY_BYTES) -> bytes:
    return _error(
        "TL624", f"request body over {limit:,} bytes", "what-ifs and files to check are a few kB", "body"
    )


def internal_error_body(exc: BaseException) -> bytes:
    """A bug: its type only (no message, no traceback: they can hold paths and data)."""
    return _error(
        "TL999",
        f"internal error: {type(exc).__name__}",
        "This is a bug in treatylife; please report it with the request and files used.",
    )


async def _send_json(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised while the body is read, once it passes the bound."""


class Guard:
    """ASGI middleware: bounded request bodies, and internal errors without tracebacks."""

    def __init__(self, app: Any, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    def __getattr__(self, name: str) -> Any:  # app.state, app.openapi(), ... reach the FastAPI app
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = too_large_body(self.max_body)
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    if int(value) > self.max_body:
                        await _send_json(send, 413, too_large)
                        return
                except ValueError:
                    await _send_json(send, 400, _error("TL623", "Content-Length is not a number"))
                    return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await _send_json(send, 413, too_large)
        except Exception as exc:
            if os.environ.get("TREATYLIFE_DEBUG"):
                raise
            log.error(
                "internal error on %s %s: %s", scope.get("method"), scope.get("path"), type(exc).__name__
            )
            if not started:
                await _send_json(send, 500, internal_error_body(exc))
