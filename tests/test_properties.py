"""Invariants of the date module and the engine, over random rules and dates (hypothesis).

The engine answers "which term contains this date?" arithmetically, without walking the years. Here a
slow, obvious reference walks day by day from the entry into force, with its own month arithmetic, and
must give the same answer on every random date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from treatylife.answers.query import next_deadline, status
from treatylife.dates import scalar as D
from treatylife.dates.scalar import EndOfMonth, NoticeCounting, Period, TermSchedule
from treatylife.engine.replay import replay
from treatylife.files.loader import Loaded
from treatylife.model.rules import Rules
from treatylife.model.scenario import Event, EventKind

DOWN, UP = EndOfMonth.ROUND_DOWN, EndOfMonth.ROUND_UP
ONE_DAY = dt.timedelta(days=1)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dates = st.dates(dt.date(1950, 1, 1), dt.date(2150, 12, 31))
# month ends and 29 February are where the readings part: draw them often
edgy_dates = st.one_of(
    dates,
    st.builds(
        lambda y, m: dt.date(y, m, calendar.monthrange(y, m)[1]), st.integers(1950, 2150), st.integers(1, 12)
    ),
    st.builds(lambda y: dt.date(y, 2, 29), st.sampled_from([1952, 1996, 2000, 2016, 2020, 2024, 2048, 2096])),
    st.builds(lambda y, m: dt.date(y, m, 28), st.integers(1950, 2150), st.integers(1, 12)),
)
periods = st.one_of(
    st.builds(Period, st.integers(1, 800), st.just("days")),
    st.builds(Period, st.integers(1, 60), st.just("weeks")),
    st.builds(Period, st.integers(1, 40), st.just("months")),
    st.builds(Period, st.integers(1, 6), st.just("years")),
)
roundings = st.sampled_from([DOWN, UP])
countings = st.sampled_from(list(NoticeCounting))


# ---------------------------------------------------------------------------- the reference arithmetic


def naive_add(d: dt.date, p: Period, times: int, eom: EndOfMonth) -> dt.date:
    """Written without the module: try the day, and on ValueError round as the convention says."""
    if not p.is_calendar:
        return d + dt.timedelta(days=(p.amount * (7 if p.unit == "weeks" else 1)) * times)
    n = p.amount * (12 if p.unit == "years" else 1) * times
    y, m = d.year + (d.month - 1 + n) // 12, (d.month - 1 + n) % 12 + 1
    try:
        return dt.date(y, m, d.day)
    except ValueError:
        if eom is DOWN:
            day = d.day
            while True:
                day -= 1
                try:
                    return dt.date(y, m, day)
                except ValueError:
                    continue
        return dt.date(y + m // 12, m % 12 + 1, 1)


def reference_start(
    anchor: dt.date, initial: Period, renewal: Period | None, k: int, eom: EndOfMonth
) -> dt.date:
    """First day of term k as the rules describe it: anniversaries of the anchor when the periods are of
    one kind (calendar or days), else renewals counted from the start of term 2."""
    if k == 1:
        return anchor
    second = naive_add(anchor, initial, 1, eom)
    if k == 2 or renewal is None:
        return second
    if initial.is_calendar and renewal.is_calendar:
        months = initial.amount * (12 if initial.unit == "years" else 1)
        months += renewal.amount * (12 if renewal.unit == "years" else 1) * (k - 2)
        return naive_add(anchor, Period(months, "months"), 1, eom)
    if not initial.is_calendar and not renewal.is_calendar:
        days = initial.amount * (7 if initial.unit == "weeks" else 1)
        days += renewal.amount * (7 if renewal.unit == "weeks" else 1) * (k - 2)
        return anchor + dt.timedelta(days=days)
    return naive_add(second, renewal, k - 2, eom)


def simulate(
    anchor: dt.date,
    initial: Period,
    renewal: Period | None,
    max_terms: int | None,
    eom: EndOfMonth,
    q: dt.date,
) -> tuple[bool, int | None, dt.date | None, dt.date | None]:
    """Walk day by day from the entry into force to ``q``: (in force, term, first day, last day)."""
    if q < anchor:
        return (False, None, None, None)
    k, start = 1, anchor
    nxt = reference_start(anchor, initial, renewal, 2, eom)
    day = anchor
    while day < q:
        day += ONE_DAY
        if day == nxt:  # the term ran out at the end of yesterday
            if renewal is None or (max_terms is not None and k == max_terms):
                return (False, None, None, None)
            k, start = k + 1, day
            nxt = reference_start(anchor, initial, renewal, k + 1, eom)
    return (True, k, start, nxt - ONE_DAY)


# ---------------------------------------------------------------------------- date module invariants


@FAST
@given(
    edgy_dates, periods, st.one_of(st.none(), periods), st.one_of(st.none(), st.integers(1, 12)), roundings
)
def test_terms_are_contiguous_and_never_overlap(
    anchor: dt.date, initial: Period, renewal: Period | None, max_terms: int | None, eom: EndOfMonth
) -> None:
    ts = TermSchedule(anchor, initial, renewal, max_terms, eom)
    last = ts.max_terms or 8
    for k in range(1, min(last, 8) + 1):
        b = ts.bounds(k)
        assert b.start <= b.last_day < b.ends  # at least one day long
        assert D.add_days(b.last_day, 1) == b.ends  # no gap: the next term starts the day after
        if k > 1:
            assert ts.last_day(k - 1) == D.add_days(b.start, -1)  # no overlap with the previous term
        assert ts.index_on(b.start) == k == ts.index_on(b.last_day)
        assert b.start == reference_start(anchor, initial, renewal, k, eom)
    if ts.max_terms is not None:
        assert ts.index_on(ts.start(ts.max_terms + 1)) is None
    assert ts.index_on(D.add_days(anchor, -1)) is None


@FAST
@given(edgy_dates, periods, countings, roundings)
def test_every_deadline_leaves_the_full_notice_period(
    next_start: dt.date, notice: Period, counting: NoticeCounting, eom: EndOfMonth
) -> None:
    dl = D.notice_deadline(next_start, notice, counting, eom)
    first_counted = D.add_days(dl, 1) if counting is NoticeCounting.CLEAR_DAYS else dl
    # the notice period, counted forward from the deadline under the same reading, fits before the renewal
    assert naive_add(first_counted, notice, 1, eom) <= next_start
    # ... and the deadline is the last such day: one day later it no longer fits
    assert naive_add(first_counted + ONE_DAY, notice, 1, eom) > next_start
    assert dl < next_start
    assert D.is_timely(dl, next_start, notice, counting, eom)
    assert not D.is_timely(dl + ONE_DAY, next_start, notice, counting, eom)
    # clear days are one day stricter than a plain date difference, whatever the period
    other = D.notice_deadline(next_start, notice, NoticeCounting.DATE_DIFFERENCE, eom)
    if counting is NoticeCounting.CLEAR_DAYS:
        assert D.add_days(dl, 1) == other


@FAST
@given(edgy_dates, periods, countings)
def test_a_deadline_moved_to_the_previous_working_day_still_leaves_the_period(
    next_start: dt.date, notice: Period, counting: NoticeCounting
) -> None:
    dl = D.notice_deadline(next_start, notice, counting)
    moved = D.adjust_to_working_day(dl, "previous_working_day", None)
    assert moved <= dl and D.is_working_day(moved, None)
    assert D.days_between(moved, dl) <= 2  # weekends only
    assert D.is_timely(moved, next_start, notice, counting)


@FAST
@given(edgy_dates, periods, roundings)
def test_add_then_subtract_returns_the_start_unless_rounding_is_reported(
    start: dt.date, period: Period, eom: EndOfMonth
) -> None:
    there = D.add_period(start, period, 1, eom)
    assert there == naive_add(start, period, 1, eom)
    back = D.subtract_period(there, period, eom)
    rounded = D.is_ambiguous(start, period)
    assert (back != start) is rounded
    if not rounded:
        assert back == start
        assert len(set(D.readings(start, period).values())) == 1


@FAST
@given(edgy_dates, edgy_dates, periods, roundings)
def test_adding_a_period_never_reverses_the_order_of_two_dates(
    a: dt.date, b: dt.date, period: Period, eom: EndOfMonth
) -> None:
    a, b = min(a, b), max(a, b)
    assert D.add_period(a, period, 1, eom) <= D.add_period(b, period, 1, eom)


# ---------------------------------------------------------------------------- the engine against the reference


def _loaded(
    anchor: dt.date,
    initial: Period,
    renewal: Period | None,
    max_renewals: int | None,
    eom: EndOfMonth,
    notice: Period | None = None,
    counting: NoticeCounting = NoticeCounting.CLEAR_DAYS,
) -> Loaded:
    data: dict[str, object] = {
        "id": "random",
        "title": "random rules",
        "parties": [{"code": "AAA", "name": "A"}, {"code": "BBB", "name": "B"}],
        "conventions": {"end_of_month": eom.value, "notice_counting": counting.value},
        "entry_into_force": {"kind": "on_signature"},
        "term": {"initial": str(initial)},
        "renewal": (
            {"kind": "automatic", "period": str(renewal), "max_renewals": max_renewals}
            if renewal is not None
            else {"kind": "none"}
        ),
    }
    if notice is not None and renewal is not None:
        data["exits"] = [{"kind": "non_renewal_notice", "notice": str(notice)}]
    rules = Rules.model_validate(data)
    events = [Event(date=anchor, kind=EventKind.SIGNED)]
    return Loaded(
        path=Path("random.yaml"),
        title="random",
        description=None,
        rules=rules,
        rules_path=Path("random-rules.yaml"),
        events=events,
    )


# half the anchors on a day some months lack (29 February, 30th/31st), where the readings part
anchors = st.one_of(
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    st.sampled_from(
        [dt.date(2020, 2, 29), dt.date(2019, 1, 31), dt.date(2021, 8, 31), dt.date(2016, 11, 30)]
    ),
)
term_periods = st.one_of(
    st.builds(Period, st.integers(1, 400), st.just("days")),
    st.builds(Period, st.integers(1, 30), st.just("weeks")),
    st.builds(Period, st.integers(1, 24), st.just("months")),
    st.builds(Period, st.integers(1, 3), st.just("years")),
)


@SLOW
@given(
    anchors,
    term_periods,
    st.one_of(st.none(), term_periods),
    st.one_of(st.none(), st.integers(1, 10)),
    roundings,
    st.integers(-60, 365 * 25),
)
def test_status_on_any_date_equals_a_day_by_day_simulation(
    anchor: dt.date,
    initial: Period,
    renewal: Period | None,
    max_renewals: int | None,
    eom: EndOfMonth,
    offset: int,
) -> None:
    q = anchor + dt.timedelta(days=offset)
    record = replay(_loaded(anchor, initial, renewal, max_renewals, eom))
    max_terms = None if max_renewals is None else 1 + max_renewals
    expected = simulate(anchor, initial, renewal, max_terms, eom, q)
    s = status(record, q)
    got = (s.in_force, *((s.term.number, s.term.start, s.term.last_day) if s.term else (None, None, None)))
    assert got == expected


@SLOW
@given(
    anchors,
    term_periods,
    term_periods,
    roundings,
    countings,
    st.integers(0, 365 * 10),
)
def test_every_engine_deadline_precedes_its_renewal_by_the_notice_period(
    anchor: dt.date, initial: Period, renewal: Period, eom: EndOfMonth, counting: NoticeCounting, offset: int
) -> None:
    notice = Period(90, "days") if offset % 3 else Period(max(1, offset % 7), "months")
    record = replay(_loaded(anchor, initial, renewal, None, eom, notice, counting))
    on = anchor + dt.timedelta(days=offset)
    r = next_deadline(record, on)
    if r.deadline is None:
        return  # e.g. the notice period is longer than a term
    assert r.prevents_renewal_of is not None and on <= r.deadline < r.prevents_renewal_of
    first_counted = r.deadline + ONE_DAY if counting is NoticeCounting.CLEAR_DAYS else r.deadline
    assert naive_add(first_counted, notice, 1, eom) <= r.prevents_renewal_of
    assert naive_add(first_counted + ONE_DAY, notice, 1, eom) > r.prevents_renewal_of
    expected = simulate(anchor, initial, renewal, None, eom, r.prevents_renewal_of - ONE_DAY)
    assert expected[3] == r.term_last_day == r.prevents_renewal_of - ONE_DAY
