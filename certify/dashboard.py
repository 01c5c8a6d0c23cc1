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
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certify import duties
from certify.applications import eligibility
from certify.applications.services import for_trainee
from certify.board.services import EXPIRING_DAYS, expiring
from certify.credentials.services import held_by, status_reasons
from certify.models import (
    DOCUMENT_KINDS,
    Application,
    ApplicationDocument,
    CredentialType,
    SupervisorProfile,
)
from certify.rules import missing_summary
from core.models import Board, OutboxMessage, Role, User
from core.text import plural

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
        for ctype, result in eligibility.checklists(
            session, board_id, user.id, today, open_only=True
        ):
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
    reasons = status_reasons(session, [c for c in credentials if c.status == "suspended"])
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


STAFF_ROLES = (Role.BOARD_ADMIN, Role.BOARD_REVIEWER)
WAITING = ("submitted", "resubmitted")


@dataclass(frozen=True)
class Count:
    """A number of things waiting, in words, linked to the queue filtered to them."""

    number: int
    text: str
    url: str


def _board_counts(session: Session, board: Board, as_of: date) -> list[Count]:
    """What waits on one board's staff: seven statements whatever the board's size."""
    by_status = dict(
        session.execute(
            select(Application.status, func.count())
            .where(
                Application.board_id == board.id, Application.status.in_((*WAITING, "in_review"))
            )
            .group_by(Application.status)
        ).all()
    )
    oldest = session.execute(
        select(func.min(Application.submitted_at)).where(
            Application.board_id == board.id, Application.status.in_(WAITING)
        )
    ).scalar()
    documents = session.execute(
        select(func.count()).where(
            ApplicationDocument.board_id == board.id, ApplicationDocument.status == "pending"
        )
    ).scalar_one()
    unverified = session.execute(
        select(func.count()).where(
            SupervisorProfile.board_id == board.id, SupervisorProfile.verified_at.is_(None)
        )
    ).scalar_one()
    failed = session.execute(
        select(func.count()).where(
            OutboxMessage.board_id == board.id, OutboxMessage.status == "failed"
        )
    ).scalar_one()
    soon = expiring(session, board.id, as_of)
    revocations = duties.count_pending_revocations(session, board.id)
    waiting = sum(by_status.get(s, 0) for s in WAITING)
    in_review = by_status.get("in_review", 0)
    age = (
        f" (the oldest sent {(as_of - oldest.date()).days} days ago)" if oldest and waiting else ""
    )
    first, last = EXPIRING_DAYS[0], EXPIRING_DAYS[-1]

    def link(endpoint: str, **args: Any) -> str:
        return url_for(endpoint, board_id=board.id, **args)

    return [
        Count(
            waiting,
            plural(waiting, "application waits", "applications wait") + " for review" + age,
            link("certify.review_queue", status="submitted"),
        ),
        Count(
            in_review,
            plural(in_review, "application is", "applications are") + " in review",
            link("certify.review_queue", status="in_review"),
        ),
        Count(
            documents,
            plural(documents, "document waits", "documents wait") + " to be checked",
            link("certify.document_queue"),
        ),
        Count(
            unverified,
            plural(unverified, "supervisor's license", "supervisors' licenses") + " to verify",
            link("certify.board_supervisors", status="unverified"),
        ),
        Count(
            soon[last],
            plural(soon[last], "credential expires", "credentials expire")
            + f" within {last} days ({soon[first]} within {first})",
            link("certify.board_credentials", expiring=last),
        ),
        Count(
            revocations,
            plural(revocations, "revocation waits", "revocations wait") + " for a second person",
            link("certify.pending_revocations"),
        ),
        Count(
            failed,
            plural(failed, "email", "emails") + " could not be sent",
            link("core.board"),
        ),
    ]


def staff_facts(session: Session, user: User) -> dict[str, Any]:
    """For each board where the person is board staff: what waits, counted and linked."""
    board_ids = sorted({b for role in STAFF_ROLES for b in user.board_ids(role)})
    boards = session.execute(select(Board).where(Board.id.in_(board_ids)).order_by(Board.name))
    today = date.today()
    return {"boards": [(board, _board_counts(session, board, today)) for board in boards.scalars()]}
