"""The renewal phase on every boundary: the window's first day, the expiry day, the grace
period's last day and the day after it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from certify.renewal.phase import phase_of

EXPIRES = date(2027, 6, 30)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (EXPIRES - timedelta(days=91), "early"),
        (EXPIRES - timedelta(days=90), "open"),  # the window's first day
        (EXPIRES, "open"),  # the expiry day itself
        (EXPIRES + timedelta(days=1), "grace"),
        (EXPIRES + timedelta(days=30), "grace"),  # the grace period's last day
        (EXPIRES + timedelta(days=31), "reinstatement"),
    ],
)
def test_phase_boundaries(day: date, kind: str) -> None:
    phase = phase_of(EXPIRES, 90, 30, day)
    assert phase.kind == kind
    assert phase.opens_on == date(2027, 4, 1) and phase.grace_ends_on == date(2027, 7, 30)
    assert phase.request_kind == ("reinstatement" if kind == "reinstatement" else "renewal")


def test_without_grace_the_day_after_expiry_is_reinstatement() -> None:
    assert phase_of(EXPIRES, 60, 0, EXPIRES + timedelta(days=1)).kind == "reinstatement"
    assert phase_of(EXPIRES, 0, 0, EXPIRES).kind == "open"
    day = date(2027, 4, 30)
    assert phase_of(EXPIRES, 60, 0, day).sentence(day) == (
        "Renewal opens on 2027-05-01, 1 day from now."
    )
    with pytest.raises(ValueError):
        phase_of(EXPIRES, -1, 0, EXPIRES)
