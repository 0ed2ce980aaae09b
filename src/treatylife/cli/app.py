"""The ``treatylife`` command: a thin skin over the public API (parse options, call, print).

Each command lives in the module of its group (queries, outputs, registers); importing them registers them
on the one typer app, defined in ``base``.

Exit codes: 0 answered; 1 internal error (a bug: please report it); 2 bad input (a file, a field, an
option), with one readable message naming file, line and field.
"""

from __future__ import annotations

import sys

import typer

from treatylife.cli import queries  # registered first: the order `--help` lists commands in

# isort: split
from treatylife.cli import expect, outputs, registers, serve
from treatylife.cli.base import EXIT_INTERNAL, app, stdout_failed

__all__ = ["app", "expect", "main", "outputs", "queries", "registers", "serve"]


def main() -> None:
    """Console entry point: any exception that is not the user's is a bug (exit 1), never a traceback."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # pragma: no cover - exercised by a test that injects a failure
        stdout_failed(exc)  # a closed pipe or a full disk on stdout, met outside a command's own handler
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in treatylife; please report it with the command and files used.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
