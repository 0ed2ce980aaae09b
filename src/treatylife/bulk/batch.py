"""The compiled batch engine: many agreements under one rules file, evaluated in bulk with NumPy.

A register of 100,000 contracts that share their renewal clauses must not cost 100,000 replays per question.
:func:`compile_rules` turns a rules file into a :class:`Shape` once (or says why it cannot), and
:class:`Batch` holds the agreements' dates as NumPy columns. Everything that does not depend on the date
asked (entry into force, the term of each notice, its deadline, whether it is timely and when it takes
effect) is computed once per register, as whole-column operations; each question (:meth:`Batch.evaluate`)
is then a handful of vectorised passes: no Python object per agreement per query, and the same cost for a
date in 2020 or 2100 (the term containing a date is computed, never iterated to).

The batch engine handles one shape, the common one, and proves nothing else:

* bilateral (two parties);
* entry into force on signature, or on the date of the last written notification (no delay, no alignment);
* a fixed initial term and unlimited automatic renewals (days, weeks, months or years, mixed or not);
* exactly one exit clause, a notice of non-renewal (``late: next_term`` or ``void``), no working-day
  adjustment, ``end_of_month`` ``round_down`` or ``round_up``;
* per agreement at most one notice, optionally suspended and/or withdrawn before it takes effect.

Anything else (another clause kind, a rules field the batch engine does not know, a notice given before
entry into force, a suspension after the notice took effect...) is answered by the single-agreement engine
(:func:`treatylife.engine.replay` and :mod:`treatylife.answers.query`), row by row: same answers, slower.
``tests/test_batch.py`` compares the two engines on thousands of random agreements.

Dates are ``int64`` day numbers since 1970-01-01 (NumPy's ``datetime64[D]`` representation); month
arithmetic goes through ``datetime64[M]`` and reproduces :func:`treatylife.dates.scalar.add_period` exactly,
end-of-month rounding included. ``NONE`` (NumPy's NaT) marks an absent date.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from treatylife.dates import columns as C
from treatylife.dates import scalar as D
from treatylife.dates.columns import NONE, add_months, civil, from_days, to_days

__all__ = [
    "NONE",
    "NOTICE_STATUSES",
    "STAGES",
    "Batch",
    "Shape",
    "add_months",
    "compile_rules",
    "from_days",
    "to_days",
]

_EPOCH = _dt.date(1970, 1, 1).toordinal()

#: stage codes of the batch engine (index -> name as the single engine names it)
STAGES = ("not_started", "signed", "in_force", "terminated")
NOT_STARTED, SIGNED, IN_FORCE, TERMINATED = range(4)
#: notice status codes ("" = no notice received on or before the date asked)
NOTICE_STATUSES = ("", "pending", "void", "suspended", "withdrawn", "effective")
N_NONE, N_PENDING, N_VOID, N_SUSPENDED, N_WITHDRAWN, N_EFFECTIVE = range(6)

#: fields of the rules model the batch engine knows; any other field set (added later, e.g. for
#: multilateral treaties) sends the rules file to the single engine
_KNOWN_RULES = {
    "schema_",
    "id",
    "title",
    "short_title",
    "source",
    "parties",
    "conventions",
    "entry_into_force",
    "term",
    "renewal",
    "exits",
    "consent_termination",
}
_KNOWN_CLAUSE = {
    "kind",
    "id",
    "notice",
    "by",
    "late",
    "article",
    "text",
    "delay",
    "align",
    "initial",
    "period",
}


YMD = C.YMD


def _add_period(
    days: np.ndarray, period: D.Period, times: np.ndarray | int, round_up: bool, ymd: YMD | None = None
) -> np.ndarray:
    return C.add_period(days, period, times, round_up, ymd)


class Anchors:
    """Entry-into-force dates with what every question about their terms reuses (civil form, term 2)."""

    __slots__ = ("days", "second", "second_day", "second_ym", "ymd")

    def __init__(self, shape: Shape, days: np.ndarray) -> None:
        self.days = np.asarray(days, dtype=np.int64)
        self.ymd = civil(self.days)
        self.second = shape.start(self, np.full(self.days.shape, 2, dtype=np.int64))
        y, m, self.second_day = civil(self.second)
        self.second_ym = y * 12 + m

    def take(self, idx: np.ndarray) -> Anchors:
        out = Anchors.__new__(Anchors)
        out.days, out.second, out.second_ym = self.days[idx], self.second[idx], self.second_ym[idx]
        out.second_day = self.second_day[idx]
        out.ymd = (self.ymd[0][idx], self.ymd[1][idx], self.ymd[2][idx])
        return out


@dataclass(frozen=True)
class Shape:
    """A rules file compiled for the batch engine."""

    eif: str  # on_signature | last_notification
    initial: D.Period
    renewal: D.Period
    notice: D.Period
    clear_days: bool
    round_up: bool
    late_next_term: bool
    clause: str
    by: tuple[str, ...]
    parties: tuple[str, ...]

    # -- the term schedule (TermSchedule) on columns
    def start(self, anchor: Anchors, k: np.ndarray) -> np.ndarray:
        """First day of term ``k`` (k >= 1) for each anchor (``TermSchedule.start``)."""
        ini, ren, a = self.initial, self.renewal, anchor.days
        if ini.is_calendar and ren.is_calendar:
            out = add_months(a, ini.in_months() + ren.in_months() * (k - 2), self.round_up, anchor.ymd)
        elif not ini.is_calendar and not ren.is_calendar:
            out = a + ini.in_days() + ren.in_days() * (k - 2)
        else:
            second = _add_period(a, ini, 1, self.round_up, anchor.ymd)
            out = _add_period(second, ren, k - 2, self.round_up)
        return np.where(k == 1, a, out)

    def index_on(self, anchor: Anchors, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The term containing ``d`` (every ``d >= anchor``): (k, start(k), start(k+1)) with
        start(k) <= d < start(k+1). Estimated arithmetically, then corrected: O(1) per row, any distance."""
        second = anchor.second
        if self.renewal.is_calendar:
            # whole months from the second term's first day to d (a month not yet complete when d's day of
            # the month is before that day's): exact but where month ends clamp, and corrected below
            y, m, day = civil(d)
            months = y * 12 + m - anchor.second_ym - (day < anchor.second_day)
            est = months // self.renewal.in_months()
        else:
            est = (d - second) // self.renewal.in_days()
        k = np.where(d < second, 1, 2 + np.maximum(est, 0))
        later = k >= 2
        sk, sk1 = self.start(anchor, k), self.start(anchor, k + 1)
        while True:  # the estimate is at most a step off: correct it (bounded); one new start per step
            down = later & (k > 2) & (sk > d)
            if not down.any():
                break
            k = k - down
            sk, sk1 = np.where(down, self.start(anchor, k), sk), np.where(down, sk, sk1)
        while True:
            up = later & (sk1 <= d)
            if not up.any():
                break
            k = k + up
            sk, sk1 = np.where(up, sk1, sk), np.where(up, self.start(anchor, k + 1), sk1)
        return k, sk, sk1

    def deadline(self, next_start: np.ndarray) -> np.ndarray:
        """``DeadlineClause.deadline`` (no working-day adjustment) on columns: the date layer's own twin."""
        return C.notice_deadline(next_start, self.notice, self.clear_days, self.round_up)

    def term_stopped(
        self,
        anchor: Anchors,
        k: np.ndarray,
        received: np.ndarray,
        next_start: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`treatylife.model.record.DeadlineClause.term_stopped` on columns: (j, found, start of term
        j + 1), the term a notice received in term ``k`` on ``received`` makes the last. Timely: ``k``; late,
        under ``late: next_term`` the first later term whose deadline it still meets (several terms on when
        the notice period is longer than a term); under ``void`` not found. Steps as many times as the notice
        period spans terms. ``next_start``: the start of term ``k + 1`` when the caller has it already."""
        from treatylife.model.record import MAX_TERMS_AHEAD

        j = np.array(k, dtype=np.int64, copy=True)
        after = self.start(anchor, j + 1) if next_start is None else next_start
        found = received <= self.deadline(after)
        if not self.late_next_term:
            return j, found, after
        for _ in range(MAX_TERMS_AHEAD):
            todo = ~found
            if not todo.any():
                break
            j = np.where(todo, j + 1, j)
            after = np.where(todo, self.start(anchor, j + 1), after)
            found = found | (todo & (received <= self.deadline(after)))
        return j, found, after


def compile_rules(rules: Any) -> tuple[Shape | None, str]:
    """Compile a validated :class:`~treatylife.rules.Rules` for the batch engine, or say why not."""
    from treatylife.model.rules import LastNotification, NonRenewalNotice, OnSignature

    set_fields = set(rules.model_dump(exclude_defaults=True))
    unknown = set_fields - _KNOWN_RULES
    if unknown:
        return None, f"rules fields the batch engine does not handle: {', '.join(sorted(unknown))}"
    extra = set(rules.conventions.model_dump(exclude_defaults=True)) - {
        "notice_counting",
        "end_of_month",
        "deadline_adjustment",
        "working_days_of",
    }
    if extra:
        return None, f"conventions the batch engine does not handle: {', '.join(sorted(extra))}"
    for part in (rules.entry_into_force, rules.term, rules.renewal, *rules.exits):
        extra = (
            set(part.model_dump(exclude_defaults=True)) - _KNOWN_CLAUSE - {"max_renewals", "max_extension"}
        )
        if extra:
            return None, f"clause fields the batch engine does not handle: {', '.join(sorted(extra))}"
    if len(rules.parties) != 2:
        return None, "not bilateral"
    eif = rules.entry_into_force
    if isinstance(eif, OnSignature) and eif.delay is None:
        eif_kind = "on_signature"
    elif isinstance(eif, LastNotification) and eif.delay is None and eif.align == "none":
        eif_kind = "last_notification"
    else:
        return None, f"entry into force {eif.kind} with a delay or alignment"
    if rules.term.initial == "indefinite":
        return None, "indefinite duration"
    ren = rules.renewal
    if ren.kind != "automatic" or ren.max_renewals is not None or ren.period is None:
        return None, "renewal is not automatic and unlimited"
    if len(rules.exits) != 1 or not isinstance(rules.exits[0], NonRenewalNotice):
        return None, "exit clauses other than one notice of non-renewal"
    conv = rules.conventions
    if conv.deadline_adjustment != "none":
        return None, "working-day adjustment of deadlines"
    if conv.end_of_month not in (D.EndOfMonth.ROUND_DOWN, D.EndOfMonth.ROUND_UP):
        return None, "end_of_month: abort"
    clause = rules.exits[0]
    codes = tuple(rules.party_codes())
    return (
        Shape(
            eif=eif_kind,
            initial=rules.term.initial,
            renewal=ren.period,
            notice=clause.notice,
            clear_days=conv.notice_counting is D.NoticeCounting.CLEAR_DAYS,
            round_up=conv.end_of_month is D.EndOfMonth.ROUND_UP,
            late_next_term=clause.late == "next_term",
            clause=clause.id,
            by=codes if clause.by == "any" else tuple(clause.by),
            parties=codes,
        ),
        "",
    )


def _col(values: np.ndarray | None, n: int) -> np.ndarray:
    return np.full(n, NONE, dtype=np.int64) if values is None else np.asarray(values, dtype=np.int64)


# the batch engine answers dates between these years; outside them every row goes to the single engine
_MIN_DAY = to_days(_dt.date(1000, 1, 1))
_MAX_DAY = to_days(_dt.date(9000, 1, 1))


class Batch:
    """Agreements under one compiled rules file, as date columns (``NONE`` = absent).

    ``signed``, ``notified`` (the last party's written notification; every party is taken to have
    notified that day), ``received`` / ``suspended`` / ``withdrawn`` (the notice, if any) and
    ``notice_ok`` (the notice's party may give it under the clause). Rows the batch engine cannot answer
    exactly are listed in :attr:`fallback`; their columns in the answers are meaningless.
    """

    def __init__(
        self,
        shape: Shape,
        signed: np.ndarray | None,
        notified: np.ndarray | None,
        received: np.ndarray | None = None,
        suspended: np.ndarray | None = None,
        withdrawn: np.ndarray | None = None,
        notice_ok: np.ndarray | None = None,
    ) -> None:
        n = len(signed) if signed is not None else len(notified) if notified is not None else 0
        self.shape = shape
        self.n = n
        s = self.signed = _col(signed, n)
        nt = self.notified = _col(notified, n)
        r = self.received = _col(received, n)
        su = self.suspended = _col(suspended, n)
        w = self.withdrawn = _col(withdrawn, n)
        has_s, has_nt, has_r, has_su, has_w = (x != NONE for x in (s, nt, r, su, w))
        bad = np.zeros(n, dtype=bool)
        for col, has in ((s, has_s), (nt, has_nt), (r, has_r), (su, has_su), (w, has_w)):
            bad |= has & ((col < _MIN_DAY) | (col > _MAX_DAY))
        # entry into force
        bad |= has_nt & (~has_s | (nt < s))  # notified before signature: an error the single engine reports
        if shape.eif == "on_signature":
            eif = np.where(has_s, s, NONE)
        else:
            eif = np.where(has_s & has_nt, np.maximum(s, nt), NONE)
        has_eif = eif != NONE
        self.eif = eif
        # civil form and second term of every entry into force, computed once for all questions
        self.anchors = Anchors(shape, np.where(has_eif & ~bad, eif, 0))
        # the notice: its term, deadline, timeliness and effect do not depend on the date asked
        self.notice_ok = np.ones(n, dtype=bool) if notice_ok is None else np.asarray(notice_ok, dtype=bool)
        bad |= has_r & ~self.notice_ok
        bad |= has_r & (~has_eif | (r < eif))
        bad |= (has_su | has_w) & ~has_r
        self.effect = np.full(n, NONE, dtype=np.int64)
        self.notice_term = np.zeros(n, dtype=np.int64)
        self.notice_deadline = np.full(n, NONE, dtype=np.int64)
        idx = np.nonzero(has_r & ~bad)[0]
        if len(idx):
            a, rr = self.anchors.take(idx), r[idx]
            k0, _, nxt = shape.index_on(a, rr)
            dl = shape.deadline(nxt)
            _, found, after = shape.term_stopped(a, k0, rr, nxt)  # the replay's rule for the notice's effect
            eff = np.where(found, after, NONE)
            self.effect[idx], self.notice_term[idx], self.notice_deadline[idx] = eff, k0, dl
        has_eff = self.effect != NONE
        eff = self.effect
        # suspension / withdrawal must come while the notice can still be acted on (else: the single engine)
        bad |= has_su & ((su < r) | ~has_eff | (su >= eff))
        bad |= has_w & has_su & (w < su)
        bad |= has_w & ~has_su & ((w < r) | ~has_eff | (w >= eff))
        self.terminated = np.where(has_eff & ~has_su & ~has_w & ~bad, eff, NONE)
        self.fallback = np.nonzero(bad)[0]
        self.ok = ~bad

    def take(self, idx: np.ndarray) -> Batch:
        """The agreements ``idx`` (repeats allowed) as a new batch."""
        return Batch(
            self.shape,
            self.signed[idx],
            self.notified[idx],
            self.received[idx],
            self.suspended[idx],
            self.withdrawn[idx],
            self.notice_ok[idx],
        )

    def evaluate(self, on: _dt.date | np.ndarray) -> dict[str, np.ndarray]:
        """Status and next notice deadline of every agreement on ``on``, as columns.

        ``on`` is one date for all, or a column of day numbers (one date per agreement).

        Columns: ``stage`` (index into :data:`STAGES`), ``since``, ``in_force``, ``term``, ``term_start``,
        ``term_last_day``, ``next_renewal``, ``ends``, ``notice`` (index into :data:`NOTICE_STATUSES`),
        ``deadline``, ``days_left``, ``prevents_renewal_of``, ``deadline_term``, ``deadline_term_last_day``.
        Dates are day numbers (``NONE`` absent); ``term``/``deadline_term`` 0 = none.
        """
        n, sh = self.n, self.shape
        d = np.broadcast_to(np.asarray(to_days(on) if isinstance(on, _dt.date) else on, dtype=np.int64), (n,))
        if n and not (d.min() >= _MIN_DAY and d.max() <= _MAX_DAY):
            raise ValueError("the batch engine answers dates between the years 1000 and 9000")
        s, eif, term_day = self.signed, self.eif, self.terminated
        has_s, has_eif, has_t = s != NONE, eif != NONE, term_day != NONE
        terminated = has_t & (term_day <= d)
        in_force = has_eif & (eif <= d) & ~terminated
        signed = has_s & (s <= d) & ~in_force & ~terminated
        stage = np.zeros(n, dtype=np.int8)
        stage[signed] = SIGNED
        stage[in_force] = IN_FORCE
        stage[terminated] = TERMINATED
        since = np.full(n, NONE, dtype=np.int64)
        since[signed] = s[signed]
        since[in_force] = eif[in_force]
        since[terminated] = term_day[terminated]
        # the notice as known on `d`: the latest change on or before it
        r, su, w, eff = self.received, self.suspended, self.withdrawn, self.effect
        notice = np.zeros(n, dtype=np.int8)
        known = (r != NONE) & (r <= d)
        notice[known] = np.where(eff[known] != NONE, N_PENDING, N_VOID)
        notice[known & (su != NONE) & (su <= d)] = N_SUSPENDED
        notice[known & (w != NONE) & (w <= d)] = N_WITHDRAWN
        notice[terminated] = N_EFFECTIVE
        ends = np.full(n, NONE, dtype=np.int64)
        pending = in_force & (notice == N_PENDING)
        ends[pending] = eff[pending]
        ends[terminated] = term_day[terminated]
        # the term containing `d`, and the next deadline, for agreements in force
        out_term = np.zeros(n, dtype=np.int64)
        term_start = np.full(n, NONE, dtype=np.int64)
        term_last = np.full(n, NONE, dtype=np.int64)
        next_renewal = np.full(n, NONE, dtype=np.int64)
        deadline = np.full(n, NONE, dtype=np.int64)
        prevents = np.full(n, NONE, dtype=np.int64)
        dl_term = np.zeros(n, dtype=np.int64)
        idx = np.nonzero(in_force)[0]
        if len(idx):
            all_rows = len(idx) == n
            a = self.anchors if all_rows else self.anchors.take(idx)
            dd = d if all_rows else d[idx]
            k, st, nx = sh.index_on(a, dd)
            out_term[idx], term_start[idx], term_last[idx], next_renewal[idx] = k, st, nx - 1, nx
            e = ends[idx]
            has_e = e != NONE
            # the term whose renewal the next deadline protects: query._terms_stoppable on columns
            j, found, r = sh.term_stopped(a, k, dd, nx)
            if not sh.late_next_term:  # a late notice is void: the next term's deadline, received early in it
                j2, found2, r2 = sh.term_stopped(a, k + 1, nx)
                j, found, r = np.where(found, j, j2), found | found2, np.where(found, r, r2)
            ok = found & ~(has_e & (r >= e))
            deadline[idx] = np.where(ok, sh.deadline(r), NONE)
            prevents[idx] = np.where(ok, r, NONE)
            dl_term[idx] = np.where(ok, j, 0)
        has_dl = deadline != NONE
        days_left = np.where(has_dl, deadline - d, NONE)
        # the row's first event after `d` (agenda.next_event_after): where deadlines look again when a
        # pending notice leaves none, since its suspension or withdrawal may bring them back
        next_event = np.full(n, NONE, dtype=np.int64)
        for col in (self.signed, self.notified, self.received, self.suspended, self.withdrawn):
            after = (col != NONE) & (col > d) & ((next_event == NONE) | (col < next_event))
            next_event = np.where(after, col, next_event)
        return {
            "stage": stage,
            "since": since,
            "in_force": in_force,
            "term": out_term,
            "term_start": term_start,
            "term_last_day": term_last,
            "next_renewal": next_renewal,
            "ends": ends,
            "notice": notice,
            "deadline": deadline,
            "days_left": days_left,
            "prevents_renewal_of": prevents,
            "deadline_term": dl_term,
            "deadline_term_last_day": np.where(has_dl, prevents - 1, NONE),
            "next_event": next_event,
        }
