"""What a user would write instead of treatylife: a plain-Python loop with dateutil.

GSOMIA-like contracts (one-year term, automatic annual renewal, notice of non-renewal "ninety days in
advance" read as ninety clear days, a late notice standing for the following renewal, a suspended or
withdrawn notice without effect). For each agreement: in force on ``on``? and the next notice deadline.
It is written to be correct for this one shape, and reasonably quick: no loop over years.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

Row = tuple[
    dt.date | None, dt.date | None, dt.date | None, dt.date | None
]  # eif, received, suspended, withdrawn

ONE_DAY = dt.timedelta(days=1)
NOTICE = dt.timedelta(days=90)


def term_start(eif: dt.date, k: int) -> dt.date:
    """First day of term k (1-based): the anniversary of entry into force (29 Feb -> 28 Feb)."""
    return eif + relativedelta(years=k - 1)


def evaluate(rows: list[Row], on: dt.date) -> list[tuple[bool, dt.date | None]]:
    out: list[tuple[bool, dt.date | None]] = []
    for eif, received, suspended, withdrawn in rows:
        if eif is None or on < eif:
            out.append((False, None))
            continue
        end = None  # first day no longer in force, if a notice takes effect
        known_end = None  # ... as known on `on`: the notice received and not (yet) suspended or withdrawn
        if received is not None:
            k = relativedelta(received, eif).years + 1  # the term the notice falls in
            nxt = term_start(eif, k + 1)
            deadline = nxt - NOTICE - ONE_DAY
            effect = nxt if received <= deadline else term_start(eif, k + 2)
            if not any(d is not None and d < effect for d in (suspended, withdrawn)):
                end = effect
            if received <= on and not any(d is not None and d <= on for d in (suspended, withdrawn)):
                known_end = effect
        if end is not None and on >= end:
            out.append((False, None))
            continue
        k = relativedelta(on, eif).years + 1  # the term containing `on`
        best = None
        for kk in (k, k + 1):
            nxt = term_start(eif, kk + 1)
            if known_end is not None and nxt >= known_end:
                break  # that renewal is already prevented
            deadline = nxt - NOTICE - ONE_DAY
            if deadline >= on:
                best = deadline
                break
        out.append((True, best))
    return out
