"""What a trainee's and a certificant's dashboard leads with: the lines that need doing.

Each line says what stands, in words, and links to the page where it is done. Computed for
one person (their checklists, applications and credentials), so the number of statements
does not grow with the board.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.applications import eligibility
from certify.applications.services import for_trainee
from certify.credentials.services import held_by
from certify.models import DOCUMENT_KINDS, Application, Credential, CredentialType
from certify.rules import missing_summary
from core.models import AuditEvent, Board, Role, User

CLOSED = ("certified", "denied", "withdrawn")
EXPIRY_NOTICE_DAYS = 90


@dataclass(frozen=True)
class Line:
    """One thing on the dashboard: its words, where it is done, and how urgent it is."""

    text: str
    url: str
    tone: str = "info"  # info | action | done | warning


def _application_line(application: Application) -> Line:
    name = application.credential_type.name
    url = url_for("certify.my_application", application_id=application.id)
    status = application.status
    if status == "draft":
        return Line(
            f"Your application for {name} is not sent yet: finish and submit it.", url, "action"
        )
    if status == "info_requested":
        rejected = [
            DOCUMENT_KINDS.get(d.kind, d.kind)
            for d in application.documents
            if d.status == "rejected"
        ]
        asked = (application.decision_reason or "").strip()
        text = "The board asked for more information about your application for " + name
        text += f": “{asked}”" if asked else "."
        if rejected:
            text += " Upload again: " + ", ".join(rejected) + "."
        return Line(text, url, "action")
    if status == "approved_for_exam":
        return Line(f"You are approved to take the exam for {name}.", url, "action")
    if status == "approved":
        return Line(
            f"Your application for {name} is approved: the board is issuing your credential.",
            url,
            "done",
        )
    sent = application.submitted_at.date().isoformat() if application.submitted_at else ""
    text = f"Your application for {name} is with the board" + (
        f" (sent on {sent})." if sent else "."
    )
    return Line(text, url, "info")


def trainee_facts(session: Session, user: User) -> dict[str, Any]:
    """The trainee's lines: for each credential type not held, the open application or what
    is still missing (biggest gap first), or that they may apply now."""
    today = date.today()
    held = {
        c.credential_type_id
        for c in held_by(session, user.id)
        if c.status in ("active", "provisional")
    }
    open_applications: dict[int, Application] = {}
    for sent in for_trainee(session, user):  # newest first
        if sent.status not in CLOSED:
            open_applications.setdefault(sent.credential_type_id, sent)
    lines = []
    checklist = url_for("certify.my_eligibility")
    for board_id in sorted(user.board_ids(Role.TRAINEE)):
        for ctype, result in eligibility.checklists(session, board_id, user.id, today):
            if ctype.id in held:
                continue
            application = open_applications.get(ctype.id)
            if application is not None:
                lines.append(_application_line(application))
            elif result.eligible:
                lines.append(
                    Line(
                        f"You meet every requirement for {ctype.name}: you can apply now.",
                        checklist,
                        "action",
                    )
                )
            else:
                summary = missing_summary(result)
                lines.append(Line(f"{ctype.name}: {summary}.", checklist, "info"))
    return {"lines": lines}


def _suspension_reasons(session: Session, suspended: list[Credential]) -> dict[int, str]:
    """The reason given when each suspended credential was last suspended (one statement)."""
    if not suspended:
        return {}
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.after)
        .where(
            AuditEvent.entity_type == "Credential",
            AuditEvent.action == "credential.suspended",
            AuditEvent.entity_id.in_([str(c.id) for c in suspended]),
        )
        .order_by(AuditEvent.id)
    ).all()
    reasons = {int(entity_id): (after or {}).get("reason", "") for entity_id, after in events}
    return {key: str(value) for key, value in reasons.items() if value}


def certificant_facts(session: Session, user: User) -> dict[str, Any]:
    """The certificant's lines: each credential's status and expiry, a renewal notice inside
    90 days, and for a suspension the reason and whom to contact."""
    today = date.today()
    credentials = held_by(session, user.id)
    if not credentials:
        return {"lines": []}
    types = {
        t.id: t
        for t in session.execute(
            select(CredentialType).where(
                CredentialType.id.in_({c.credential_type_id for c in credentials})
            )
        ).scalars()
    }
    boards = {
        b.id: b
        for b in session.execute(
            select(Board).where(Board.id.in_({c.board_id for c in credentials}))
        ).scalars()
    }
    reasons = _suspension_reasons(session, [c for c in credentials if c.status == "suspended"])
    mine = url_for("certify.my_credentials")
    lines = []
    for credential in credentials:
        name = f"{types[credential.credential_type_id].name} {credential.number}"
        ends = credential.expires_on.isoformat()
        if credential.status in ("active", "provisional"):
            left = (credential.expires_on - today).days
            if left <= EXPIRY_NOTICE_DAYS:
                days = f"{left} day{'' if left == 1 else 's'}"
                text = f"{name} expires on {ends}, in {days}: renew it before then."
                lines.append(Line(text, mine, "warning"))
            else:
                lines.append(Line(f"{name} is {credential.status} until {ends}.", mine, "done"))
        elif credential.status == "suspended":
            board = boards[credential.board_id]
            reason = reasons.get(credential.id)
            text = f"{name} is suspended" + (f": {reason}." if reason else ".")
            contact = board.contact_email or board.name
            lines.append(Line(f"{text} Questions: contact {contact}.", mine, "warning"))
        else:
            lines.append(Line(f"{name} is {credential.status} (it ended on {ends}).", mine, "info"))
    return {"lines": lines}
