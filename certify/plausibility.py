"""Plausible facts only (issue 10): the dates and amounts a person's records may hold.

Every path where a date or an amount of hours enters certify (forms, the roster import, the
services themselves) asks these rules, so a record can never say something impossible: no
date in the future (unless a disciplinary step is scheduled explicitly), none before the
person's birth or before the earliest date the board accepts for records, hours only in whole
quarter hours.

The earliest date is a setting, ``EARLIEST_RECORD_DATE``: one date for every board
(``2000-01-01``, the default) or per board by short name with a default
(``ne-dbh=2015-01-01, 2000-01-01``).
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import TraineeProfile
from core.models import Board

DEFAULT_EARLIEST = date(2000, 1, 1)
QUARTER_HOUR = 15
OLDEST_AGE = 120


def parse_earliest(setting: str, slug: str) -> date:
    """The earliest record date of the board ``slug`` under a setting (see the module's doc)."""
    found = DEFAULT_EARLIEST
    for part in (p.strip() for p in (setting or "").split(",")):
        if not part:
            continue
        name, _, value = part.rpartition("=")
        day = date.fromisoformat(value.strip())
        if not name:
            found = day
        elif name.strip() == slug:
            return day
    return found


def earliest_record_date(board: Board) -> date:
    """The earliest date the board accepts on a person's records (hours, training, actions)."""
    return parse_earliest(str(current_app.config.get("EARLIEST_RECORD_DATE") or ""), board.slug)


def birth_date_of(session: Session, board_id: int, user_id: int) -> date | None:
    """The person's date of birth as the board knows it, or None."""
    return session.execute(
        select(TraineeProfile.birth_date).where(
            TraineeProfile.board_id == board_id, TraineeProfile.user_id == user_id
        )
    ).scalar()


def record_date_problem(
    day: date,
    today: date,
    *,
    earliest: date,
    born: date | None = None,
    future_allowed: bool = False,
) -> str | None:
    """Why ``day`` cannot be the date of a record about a person, or None when it can."""
    if day > today and not future_allowed:
        return f"{day.isoformat()} is in the future; record it once it has happened."
    if born is not None and day < born:
        return f"{day.isoformat()} is before the person's date of birth ({born.isoformat()})."
    if day < earliest:
        return (
            f"{day.isoformat()} is before {earliest.isoformat()}, the earliest date this board "
            "accepts on records."
        )
    return None


def quarter_hours_problem(minutes: int) -> str | None:
    """Why an amount of minutes is not whole quarter hours, or None when it is."""
    if minutes % QUARTER_HOUR:
        return (
            f"{minutes} minutes is not a whole number of quarter hours: use steps of 15 minutes "
            "(0.25 hours)."
        )
    return None


def birth_date_problem(born: date | None, today: date) -> str | None:
    """Why a date of birth is impossible, or None."""
    if born is None:
        return None
    if born > today:
        return "The date of birth is in the future."
    if today.year - born.year > OLDEST_AGE:
        return f"The date of birth is more than {OLDEST_AGE} years ago."
    return None


def recovery_since_problem(since: date | None, born: date | None, today: date) -> str | None:
    """Why an "in recovery since" date is impossible (future, or before birth), or None."""
    if since is None:
        return None
    if since > today:
        return "The recovery start date is in the future."
    if born is not None and since < born:
        return (
            f"In recovery since {since.isoformat()} is before the date of birth "
            f"({born.isoformat()})."
        )
    return None
