"""``python -m treatylife`` and the ``treatylife`` console script."""

from __future__ import annotations


def main() -> None:
    import sys

    # `status`/`deadline` answered from the Record cache, without typer, YAML, pydantic or transitions
    # (treatylife.cli.fastpath); anything else, or a cache miss, goes to the full CLI
    from treatylife.cli.fastpath import run
    from treatylife.cli.stdout import install

    install()  # a write cut short (a closed pipe, a full disk) raises instead of vanishing
    try:
        code = run(sys.argv[1:])
    except KeyboardInterrupt:
        sys.exit(130)  # Ctrl-C: as the full CLI (treatylife.cli.app.main), no traceback
    if code is not None:
        sys.exit(code)
    from treatylife.cli.app import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
