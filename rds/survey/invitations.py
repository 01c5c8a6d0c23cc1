"""Survey invitations: personal links by email, reminders and the list of invitations."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core import mail
from core.audit import record
from core.models import User
from core.urls import external_url
from rds.models import Study, SurveyInvitation
from rds.survey.answers import parse_email_csv
from rds.survey.services import (
    SurveyError,
    SurveyImportError,
    estimated_minutes,
    refusal,
    token_hash,
)

REMINDER_GAP = timedelta(days=3)


def _invitation_email(study: Study, minutes: int, link: str, reminder: bool) -> tuple[str, str]:
    board = study.board.name
    subject = f"{'Reminder: ' if reminder else ''}{board} peer support survey ({minutes} minutes)"
    opening = (
        "A short reminder: we would still like to hear from you.\n\n" if reminder else "Hello,\n\n"
    )
    closes = study.survey_closes_on.isoformat() if study.survey_closes_on else "soon"
    replaced = "This link replaces the one in our earlier email.\n" if reminder else ""
    body = (
        f"{opening}{board} is checking which tasks peer support specialists really do, so that "
        f"its certification exam reflects the work (study: {study.title}). In the validation "
        "survey you rate how important each task is and how often you do it.\n\n"
        f"It takes about {minutes} minutes. You can stop and come back later; the survey "
        f"closes on {closes}.\n\n"
        "Your answers are anonymous: they are stored without your name, email address or any "
        "link to this invitation, and the board only sees totals.\n\n"
        f"Your personal link (it works for one set of answers):\n{link}\n{replaced}\n"
        f"Thank you for your help.\n{board}\n"
    )
    return subject, body


def _new_token(invitation: SurveyInvitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    return token


def _check_sending(study: Study, today: date) -> None:
    if refusal(study, today) is not None:
        raise SurveyError("Invitations go out only while the survey is open; open it first.")


def invite(
    session: Session, actor: User, study: Study, data: bytes, name: str, now: datetime
) -> tuple[int, list[str]]:
    """Create an invitation per new address and email its link; return (sent, notes)."""
    _check_sending(study, now.date())
    found, problems = parse_email_csv(data, name)
    if problems:
        raise SurveyImportError(problems)
    existing = set(
        session.execute(
            select(SurveyInvitation.email).where(SurveyInvitation.study_id == study.id)
        ).scalars()
    )
    minutes = estimated_minutes(session, study)
    notes: list[str] = []
    sent = 0
    for row, address in found:
        if address in existing:
            notes.append(f"Row {row}: {address} was already invited; skipped.")
            continue
        existing.add(address)
        invitation = SurveyInvitation(
            board_id=study.board_id, study_id=study.id, email=address, sent_at=now
        )
        token = _new_token(invitation)
        session.add(invitation)
        link = external_url("rds.survey_invited", token=token)
        subject, body = _invitation_email(study, minutes, link, reminder=False)
        mail.queue(session, address, subject, body, board_id=study.board_id)
        sent += 1
    session.flush()
    record(session, actor, "rds.survey.invited", study, None, {"sent": sent, "file": name})
    return sent, notes


def send_reminders(session: Session, actor: User, study: Study, now: datetime) -> int:
    """Email a fresh personal link to invitees who have not answered nor been reminded lately."""
    _check_sending(study, now.date())
    due = session.execute(
        select(SurveyInvitation)
        .where(SurveyInvitation.study_id == study.id, SurveyInvitation.used.is_(False))
        .where(
            SurveyInvitation.reminded_at.is_(None)
            | (SurveyInvitation.reminded_at <= now - REMINDER_GAP)
        )
        .order_by(SurveyInvitation.id)
    ).scalars()
    minutes = estimated_minutes(session, study)
    count = 0
    for invitation in due:
        # Only the token's hash is stored, so a reminder carries a new token.
        link = external_url("rds.survey_invited", token=_new_token(invitation))
        invitation.reminded_at = now
        subject, body = _invitation_email(study, minutes, link, reminder=True)
        mail.queue(session, invitation.email, subject, body, board_id=study.board_id)
        count += 1
    session.flush()
    record(session, actor, "rds.survey.reminded", study, None, {"reminded": count})
    return count


# Who answered is shown per invitation only once the survey has closed and at least this
# many invitations were answered: while it is open, watching the list around one submission
# would tell whose answers arrived (issue 11, #8). Totals are always shown.
ANSWERED_STATE_MINIMUM = 10
CLOSED = ("survey_closed", "analyzed", "archived")


def answered_state_shown(study: Study, answered: int) -> bool:
    """Whether the invitation list may say which invitations were answered."""
    return study.status in CLOSED and answered >= ANSWERED_STATE_MINIMUM


def invitations_query(study: Study, state: str = "") -> Any:
    """Invitations of the study for a paginated table, by address.

    The answered / waiting filter applies only when answered_state_shown (checked in the
    query itself: before, a hand-made URL gets every invitation, not a filtered list).
    """
    query = select(SurveyInvitation).where(SurveyInvitation.study_id == study.id)
    if state in ("answered", "waiting") and study.status in CLOSED:
        answered = (
            select(func.count(SurveyInvitation.id))
            .where(SurveyInvitation.study_id == study.id, SurveyInvitation.used.is_(True))
            .scalar_subquery()
        )
        query = query.where(
            or_(SurveyInvitation.used.is_(state == "answered"), answered < ANSWERED_STATE_MINIMUM)
        )
    return query.order_by(SurveyInvitation.email)
