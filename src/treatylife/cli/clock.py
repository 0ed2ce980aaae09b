"""The one place treatylife reads the clock. Only the CLI calls it; the library takes dates as arguments."""

from __future__ import annotations

import datetime as _dt


def today() -> _dt.date:
    """Today's date in local time: the default for ``--on`` (tests pin it with freezegun)."""
    return _dt.date.today()
