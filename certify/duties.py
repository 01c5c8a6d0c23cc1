"""Separation of duties (issue 11, #12).

Nobody acts as staff on their own file: their own application (decisions, board records,
documents, issuing), their own credential (status, discipline, upgrade) or their own
supervisor license. A board whose office policy asks for four eyes (set by its admin; the
deployment's FOUR_EYES_BOARDS setting can also force it) needs a second person for issuing and
revoking: the person who approved an application cannot issue its credential, and a
revocation, by status change or disciplinary action, is requested by one staff member and
confirmed by another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, flash
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import Subquery

from certify.models import BoardPolicy, Credential
from core import audit
from core.models import AuditEvent, Board, User

REVOCATION_REQUESTED = "credential.revocation_requested"
REVOCATION_WITHDRAWN = "credential.revocation_withdrawn"


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


def forced_by_deployment(board: Board) -> bool:
    """Whether the deployment's FOUR_EYES_BOARDS setting names this board (or all: `*`)."""
    setting = current_app.config.get("FOUR_EYES_BOARDS") or ""
    slugs = {part.strip() for part in str(setting).split(",") if part.strip()}
    return "*" in slugs or board.slug in slugs


def four_eyes(session: Session, board: Board) -> bool:
    """Whether this board requires a second person to issue and to revoke credentials."""
    if forced_by_deployment(board):
        return True
    chosen = session.execute(
        select(BoardPolicy.four_eyes).where(BoardPolicy.board_id == board.id)
    ).scalar_one_or_none()
    return bool(chosen)


def set_four_eyes(session: Session, actor: User, board: Board, required: bool) -> bool:
    """Record the board's choice (audited); returns whether it changed anything."""
    policy = session.execute(
        select(BoardPolicy).where(BoardPolicy.board_id == board.id)
    ).scalar_one_or_none()
    before = bool(policy and policy.four_eyes)
    if before == required:
        return False
    if policy is None:
        policy = BoardPolicy(board_id=board.id)
        session.add(policy)
    policy.four_eyes = required
    session.flush()
    audit.record(
        session,
        actor,
        "board.policy_changed",
        ("BoardPolicy", policy.id),
        before={"four_eyes": before},
        after={"four_eyes": required},
        board_id=board.id,
    )
    return True


def check_issuer(session: Session, board: Board, actor: User, approver_id: int | None) -> None:
    """Four eyes: the person who approved the application does not also issue it."""
    if approver_id is not None and approver_id == actor.id and four_eyes(session, board):
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
    if not four_eyes(session, board):
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


def check_revocation_confirmed(
    session: Session, board: Board, actor: User, credential_id: int
) -> None:
    """Four eyes for a revocation recorded as a disciplinary action: it needs a revocation
    request by another member of staff, which this action then confirms."""
    if not four_eyes(session, board):
        return
    pending = pending_revocation(session, credential_id)
    if pending is None:
        raise DutyError(
            "This board requires a second person to revoke a credential: request the "
            "revocation first (Change status, Revoked); another member of the board's staff "
            "then confirms it."
        )
    if pending.actor_id == actor.id:
        raise DutyError(
            "You requested this revocation; another member of the board's staff must confirm it."
        )


def withdraw_revocation_request(
    session: Session, actor: User, credential_id: int, board_id: int, reason: str
) -> None:
    """Withdraw the pending revocation request of a credential (audited); the credential
    keeps its status."""
    if pending_revocation(session, credential_id) is None:
        raise DutyError("No revocation request is waiting for this credential.")
    audit.record(
        session,
        actor,
        REVOCATION_WITHDRAWN,
        ("Credential", credential_id),
        after={"reason": reason},
        board_id=board_id,
    )


@dataclass(frozen=True)
class PendingRevocation:
    """A revocation request waiting for a second person."""

    credential: Credential
    requested_by: str
    requested_by_id: int | None
    requested_at: datetime
    reason: str


def latest_status_events(board_id: int) -> Subquery:
    """The id of the latest credential event of each credential of the board."""
    return (
        select(func.max(AuditEvent.id).label("id"))
        .where(
            AuditEvent.board_id == board_id,
            AuditEvent.entity_type == "Credential",
            AuditEvent.action.like("credential.%"),
        )
        .group_by(AuditEvent.entity_id)
        .subquery()
    )


def count_pending_revocations(session: Session, board_id: int) -> int:
    """How many revocation requests of the board wait for a second person (one statement)."""
    latest = latest_status_events(board_id)
    return session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .join(latest, AuditEvent.id == latest.c.id)
        .where(AuditEvent.action == REVOCATION_REQUESTED)
    ).scalar_one()


def pending_revocations(session: Session, board_id: int) -> list[PendingRevocation]:
    """Every revocation request of the board still waiting, oldest first (three statements
    whatever the board's size)."""
    latest = latest_status_events(board_id)
    events = (
        session.execute(
            select(AuditEvent)
            .join(latest, AuditEvent.id == latest.c.id)
            .where(AuditEvent.action == REVOCATION_REQUESTED)
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    ids = [int(e.entity_id) for e in events if e.entity_id and e.entity_id.isdigit()]
    credentials = {
        c.id: c
        for c in session.execute(
            select(Credential)
            .where(Credential.id.in_(ids), Credential.board_id == board_id)
            .options(joinedload(Credential.holder), joinedload(Credential.credential_type))
        ).scalars()
    }
    return [
        PendingRevocation(
            credential=credentials[int(e.entity_id)],
            requested_by=e.actor.full_name if e.actor is not None else "someone",
            requested_by_id=e.actor_id,
            requested_at=e.created_at,
            reason=str((e.after or {}).get("reason", "")),
        )
        for e in events
        if e.entity_id and e.entity_id.isdigit() and int(e.entity_id) in credentials
    ]
