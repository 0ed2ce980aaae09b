"""``treatylife serve``: the web API and the register page (the ``serve`` extra: FastAPI and uvicorn)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from treatylife.cli.base import EXIT_INPUT, app, emit_error, guard


@app.command()
def serve(
    registers: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Registers to serve: directories of scenario files or .csv/.jsonl files "
            "(default: the bundled examples).",
            show_default=False,
        ),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve registers over HTTP: a JSON API with the CLI's answers, and a register page (read-only)."""
    try:
        import uvicorn

        from treatylife.server import create_app
    except ImportError as exc:
        emit_error(
            False,
            {
                "code": "TL625",
                "message": f"`serve` needs the serve extra ({exc.name} is not installed)",
                "hint": 'pip install "treatylife[serve]"',
            },
        )
        raise typer.Exit(EXIT_INPUT) from None
    application = guard(lambda: create_app(list(registers or [])))
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"warning: listening on {host}: anyone who can reach it can read these registers", err=True
        )
    typer.echo(f"treatylife: serving on http://{host}:{port}/ (API docs at /docs); Ctrl-C stops", err=True)
    # keep-alive longer than a busy request: a client reusing a connection must not find it closed under it
    uvicorn.run(
        application, host=host, port=port, log_level="warning", server_header=False, timeout_keep_alive=30
    )
