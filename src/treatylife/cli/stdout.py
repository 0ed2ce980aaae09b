"""Standard output that never loses the end of an answer without saying so.

CPython's ``io.BufferedWriter`` returns a short count, with no error, when the descriptor takes part of a
large write and then fails (a pipe whose reader went away, a disk that fills up), and ``io.TextIOWrapper``,
which ``print`` and ``typer.echo`` write through, ignores that count: the rest of the output is gone and
the command exits 0. :func:`install` puts a writer under ``sys.stdout`` that writes until everything is
taken, so the failure raises, and :func:`treatylife.cli.base.stdout_failed` reports it (exit 141 for a
closed pipe, ``TL004`` for a full disk).

Kept free of heavy imports: the start-up path of ``status`` installs it.
"""

from __future__ import annotations

import io
import sys

__all__ = ["WholeWrites", "install"]


class WholeWrites(io.BufferedWriter):
    """A buffered writer whose ``write`` takes all of its bytes or raises."""

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            n = super().write(view)
            view = view[len(view) if n is None else n :]
        return total


def install() -> None:
    """Put :class:`WholeWrites` under ``sys.stdout``, when it is the process's own file descriptor (not a
    console object on Windows, not a test runner's capture), keeping its encoding and buffering."""
    out = sys.stdout
    if type(out) is not io.TextIOWrapper or type(out.buffer) is not io.BufferedWriter:
        return
    raw = out.buffer.raw
    if type(raw) is not io.FileIO:
        return
    try:
        out.flush()
        fd = out.fileno()
    except (OSError, ValueError):
        return
    writer = WholeWrites(io.FileIO(fd, "wb", closefd=False))
    sys.stdout = io.TextIOWrapper(
        writer,
        encoding=out.encoding,
        errors=out.errors,
        line_buffering=out.line_buffering,
        write_through=out.write_through,
    )
