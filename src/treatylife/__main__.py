"""``python -m treatylife`` and the ``treatylife`` console script."""

from __future__ import annotations


def main() -> None:
    from treatylife.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
