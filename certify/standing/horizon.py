"""When a stored checklist may change with no new fact: birthdays, months, look-back windows."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from certify.rules import ApplicantFacts, Requirements, years_before

# Every date below is a first guess of when a number flips; the true flip never comes more
# than a couple of days earlier (Feb 29, short months), so the standing is recomputed early.
MARGIN = timedelta(days=3)


def _same_day(year: int, month: int, day: int) -> date:
    """The date with that day of the month, or the month's last day when it is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_anniversary(start: date, after: date) -> date:
    """The first yearly return of start's month and day later than `after`."""
    for year in (after.year, after.year + 1):
        found = _same_day(year, start.month, start.day)
        if found > after:
            return found
    raise AssertionError("unreachable: next year's date is always later")


def _next_monthly(start: date, after: date) -> date:
    """The first monthly return of start's day later than `after`."""
    year, month = after.year, after.month
    for _ in range(2):
        found = _same_day(year, month, start.day)
        if found > after:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: next month's date is always later")


def _leaves_window(completed_on: date, years: int, as_of: date) -> date | None:
    """Roughly the first day a record of completed_on is older than the look-back window."""
    if years_before(as_of, years) > completed_on:
        return None  # already outside: nothing changes any more
    guess = _same_day(completed_on.year + years, completed_on.month, completed_on.day)
    return guess + timedelta(days=1)


def recompute_on(requirements: Requirements, facts: ApplicantFacts, as_of: date) -> date | None:
    """The day a checklist computed on as_of should be computed again, or None for never.

    The checklist shows age in years, recovery in months and counts records dated up to
    as_of within the look-back window, so it changes on the next birthday, the next month of
    recovery, the day a future-dated record arrives or an old one leaves the window. The
    answer is a few days early rather than late, and always after as_of.
    """
    req = requirements
    candidates: list[date] = []
    if req.min_age is not None and facts.birth_date is not None:
        candidates.append(_next_anniversary(facts.birth_date, as_of))
    if req.recovery_months is not None and facts.recovery_since is not None:
        if facts.recovery_since > as_of:
            candidates.append(facts.recovery_since)
        else:
            candidates.append(_next_monthly(facts.recovery_since, as_of))
    counts_training = req.training_minutes is not None or bool(req.training_category_minutes)
    if counts_training:
        for record in facts.training:
            if record.completed_on > as_of:
                candidates.append(record.completed_on)
            elif req.training_lookback_years is not None:
                leaves = _leaves_window(record.completed_on, req.training_lookback_years, as_of)
                if leaves is not None:
                    candidates.append(leaves)
    if req.experience_minutes is not None or req.supervision_minutes is not None:
        candidates.extend(e.worked_on for e in facts.hours if e.worked_on > as_of)
    if not candidates:
        return None
    return max(as_of + timedelta(days=1), min(candidates) - MARGIN)
