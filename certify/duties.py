"""Separation of duties (issue 11, #12).

Nobody acts as staff on their own file: their own application (decisions, board records,
documents, issuing), their own credential (status, discipline, upgrade) or their own
supervisor license. A board named in FOUR_EYES_BOARDS (a setting) also needs a second person
for issuing and revoking: the person who approved an application cannot issue its credential,
and a revocation is requested by one staff member and confirmed by another.
"""

from __future__ import annotations

from flask import current_app, flash
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.models import AuditEvent, Board, User

REVOCATION_REQUESTED = "credential.revocation_requested"


class DutyError(ValueError):
    """An action the separation of duties refuses; str() says who may do it instead."""


def refuse_own(actor: User, person_id: int | None, what: str) -> None:
    """Raise DutyError when actor is the person whose file the action is about."""
    if person_id is not None and actor.id == person_id:
        raise DutyError(
            f"You cannot {what}: it is your own. Another member of the board's staff must "
            "do it (separation of duties)."
        )


def blocked(actor: User, person_id: int | None, what: str) -> bool:
    """refuse_own for a view: flash the reason and return True when the action is refused."""
    try:
        refuse_own(actor, person_id, what)
    except DutyError as exc:
        flash(str(exc), "danger")
        return True
    return False


def four_eyes(board: Board) -> bool:
    """Whether this board requires a second person to issue and to revoke credentials."""
    setting = current_app.config.get("FOUR_EYES_BOARDS") or ""
    slugs = {part.strip() for part in str(setting).split(",") if part.strip()}
    return "*" in slugs or board.slug in slugs


def check_issuer(board: Board, actor: User, approver_id: int | None) -> None:
    """Four eyes: the person who approved the application does not also issue it."""
    if four_eyes(board) and approver_id is not None and approver_id == actor.id:
        raise DutyError(
            "This board requires a second person to issue a credential: you approved this "
            "application, so another member of the board's staff must issue it."
        )


def pending_revocation(session: Session, credential_id: int) -> AuditEvent | None:
    """The revocation request waiting for a second person, if the latest event of the
    credential's status is one."""
    latest = session.execute(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "Credential",
            AuditEvent.entity_id == str(credential_id),
            AuditEvent.action.like("credential.%"),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return latest if latest is not None and latest.action == REVOCATION_REQUESTED else None


def revoke_needs_second_person(
    session: Session, board: Board, actor: User, credential: object, reason: str
) -> str | None:
    """Under four eyes, a revocation by one person is only requested (None: go ahead).

    Returns the message to show when the revocation was recorded as a request; raises
    DutyError when the person who requested it tries to confirm it themselves.
    """
    if not four_eyes(board):
        return None
    credential_id = int(credential.id)  # type: ignore[attr-defined]
    pending = pending_revocation(session, credential_id)
    if pending is None:
        if not reason.strip():
            raise DutyError("Give a reason; it is kept in the audit trail.")
        audit.record(
            session,
            actor,
            REVOCATION_REQUESTED,
            ("Credential", credential_id),
            after={"reason": reason},
            board_id=board.id,
        )
        return (
            "Revocation requested. This board requires a second person: another member of "
            "the board's staff must confirm it by revoking the credential too."
        )
    if pending.actor_id == actor.id:
        raise DutyError(
            "You requested this revocation; another member of the board's staff must confirm it."
        )
    return None
