"""Application workflow: draft, submit (snapshot), review, more information, decision."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from certify import plausibility, rules
from certify.applications import eligibility
from certify.models import (
    DOCUMENT_KINDS,
    TRANSITIONS,
    Application,
    ApplicationDocument,
    CredentialType,
    TraineeProfile,
)
from core import audit, audit_text, mail
from core.boards import AnyRows
from core.exports import stream_rows
from core.models import AuditEvent, User, utcnow
from core.urls import external_url

STATUS_LABELS = {
    "draft": "Draft",
    "submitted": "Submitted",
    "in_review": "In review",
    "info_requested": "More information requested",
    "resubmitted": "Resubmitted",
    "approved_for_exam": "Approved for exam",
    "approved": "Approved",
    "certified": "Certified",
    "denied": "Denied",
    "withdrawn": "Withdrawn",
}
# the reviewer's decisions, as verbs, in the order the decision form offers them
DECISION_VERBS = {
    "info_requested": "Request information",
    "approved_for_exam": "Approve for the exam",
    "approved": "Approve",
    "denied": "Deny",
}
# events of an application's history in words (others read as their action code in words)
HISTORY_WORDS = {
    "application.created": "Application started",
    "application.override": "Requirements overridden",
    "document.uploaded": "Document uploaded",
    "document.accepted": "Document accepted",
    "document.rejected": "Document rejected",
}
# what the trainee is told to do next, by the new status
NEXT_STEP = {
    "submitted": "The board will review it. You will get an email when the status changes.",
    "in_review": "A reviewer is looking at your application now.",
    "info_requested": "Open your application, add what the reviewer asked for, and resubmit it.",
    "approved_for_exam": "You may now schedule the certification exam.",
    "approved": "Your credential will be issued shortly.",
    "certified": "Download your certificate and wallet card from your dashboard.",
    "denied": "Read the reason in your application. You may apply again when you meet the rules.",
    "withdrawn": "You can start a new application at any time.",
}
NEEDS_REASON = {"info_requested", "denied"}


class WorkflowError(ValueError):
    """A transition that the workflow does not allow or that lacks what it needs."""


class UnmetRequirements(WorkflowError):
    """The rules are not met as of now; going ahead needs a confirmation or an override."""

    def __init__(self, problems: list[str], what: str) -> None:
        self.problems = problems
        count = len(problems)
        noun = "requirement is" if count == 1 else "requirements are"
        super().__init__(f"{count} {noun} not met: {'; '.join(problems)}. {what}")


# Approving for the exam is the step before the exam: every other rule must be met.
IGNORED_AT = {"approved_for_exam": frozenset({"exam"})}


def open_requirements(
    session: Session, application: Application, as_of: date, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """What stands between the applicant and the credential now: the live engine's unmet
    requirements and every document still waiting for review."""
    return open_requirements_many(session, [application], as_of, ignore)[application.id]


def open_requirements_many(
    session: Session,
    applications: list[Application],
    as_of: date,
    ignore: frozenset[str] = frozenset(),
) -> dict[int, list[str]]:
    """open_requirements of many applications (by id), each board's facts read at once."""
    by_board: dict[int, list[Application]] = {}
    for application in applications:
        by_board.setdefault(application.board_id, []).append(application)
    pending: dict[int, list[ApplicationDocument]] = {a.id: [] for a in applications}
    if applications:
        for document in session.execute(
            select(ApplicationDocument)
            .where(
                ApplicationDocument.application_id.in_(list(pending)),
                ApplicationDocument.status == "pending",
            )
            .order_by(ApplicationDocument.id)
        ).scalars():
            pending[document.application_id].append(document)
    found: dict[int, list[str]] = {}
    for board_id, group in by_board.items():
        facts = eligibility.facts_for_many(session, board_id, [a.trainee_id for a in group], as_of)
        for application in group:
            result = rules.evaluate(
                eligibility.requirements_for(application.credential_type),
                facts[application.trainee_id],
                as_of,
            )
            problems = [
                f"{check.label}: {check.detail}"
                for check in result.checks
                if not check.met and check.key not in ignore
            ]
            problems += [
                f"Document still waiting for review: {DOCUMENT_KINDS.get(d.kind, d.kind)} "
                f"({d.original_name})"
                for d in pending[application.id]
            ]
            found[application.id] = problems
    return found


def record_override(
    session: Session, application: Application, actor: User, problems: list[str], reason: str
) -> None:
    """Going ahead although rules are unmet: the reason and what was unmet are kept."""
    if not reason.strip():
        raise UnmetRequirements(problems, "To go ahead anyway, give a reason for the override.")
    application.override_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        actor,
        "application.override",
        application,
        after={"status": application.status, "unmet": problems, "reason": reason.strip()},
    )


def start(session: Session, trainee: User, ctype: CredentialType) -> Application:
    """Open a draft application, or return the one already open for this credential type.

    A retired credential type takes no new applications (its holders keep theirs).
    """
    if ctype.retired_on is not None:
        raise WorkflowError(
            f"{ctype.name} is retired since {ctype.retired_on.isoformat()}: the board no longer "
            "takes applications for it."
        )
    existing = session.execute(
        select(Application).where(
            Application.trainee_id == trainee.id,
            Application.credential_type_id == ctype.id,
            Application.status.notin_(("certified", "denied", "withdrawn")),
        )
    ).scalar()
    if existing is not None:
        return existing
    application = Application(
        board_id=ctype.board_id, trainee_id=trainee.id, credential_type_id=ctype.id
    )
    session.add(application)
    session.flush()
    audit.record(session, trainee, "application.created", application, after={"status": "draft"})
    return application


class ProfileError(ValueError):
    """An impossible fact about a person; ``field`` names the form field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def update_profile(
    session: Session,
    actor: User,
    profile: TraineeProfile,
    today: date | None = None,
    **values: Any,
) -> None:
    """Change the trainee's own facts (staff-recorded facts go through record_staff_facts).

    Only plausible facts: no date of birth in the future or over 120 years ago, no recovery
    start in the future or before the date of birth.
    """
    today = today or date.today()
    born = values.get("birth_date", profile.birth_date)
    problem = plausibility.birth_date_problem(born, today)
    if problem:
        raise ProfileError(problem, "birth_date")
    since = values.get("recovery_since", profile.recovery_since)
    problem = plausibility.recovery_since_problem(since, born, today)
    if problem:
        raise ProfileError(problem, "recovery_since")
    allowed = {
        "birth_date",
        "education",
        "lived_experience",
        "recovery_since",
        "residency_attested",
        "ethics_attested",
    }
    _change_profile(session, actor, profile, allowed, values, "profile.updated")


def record_staff_facts(
    session: Session, actor: User, profile: TraineeProfile, **values: Any
) -> None:
    """Board staff record background check, fee, exam result and reciprocity verification."""
    allowed = {"background_check_cleared", "fee_received", "exam_passed", "reciprocity_verified"}
    _change_profile(session, actor, profile, allowed, values, "profile.staff_facts")


def _change_profile(
    session: Session,
    actor: User,
    profile: TraineeProfile,
    allowed: set[str],
    values: dict[str, Any],
    action: str,
) -> None:
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} here")
    before = {k: getattr(profile, k) for k in values}
    for key, value in values.items():
        setattr(profile, key, value)
    changed = {k: v for k, v in values.items() if before[k] != v}
    if changed:
        # lived experience is private: the audit trail says that it changed, not what it is
        redact = {"lived_experience", "recovery_since", "birth_date"}
        audit.record(
            session,
            actor,
            action,
            profile,
            before={k: ("(private)" if k in redact else before[k]) for k in changed},
            after={k: ("(private)" if k in redact else v) for k, v in changed.items()},
        )
    session.flush()


def submit(
    session: Session, application: Application, trainee: User, as_of: date, confirmed: bool = False
) -> None:
    """Snapshot the facts and checklist and hand the application to the board.

    When requirements are still open the trainee is told which, and submits only after
    confirming that they want the board to see it anyway.
    """
    if application.status not in ("draft", "info_requested"):
        raise WorkflowError(
            f"A {STATUS_LABELS[application.status].lower()} application cannot be submitted."
        )
    ctype = application.credential_type
    if application.status == "draft" and ctype.retired_on is not None:
        raise WorkflowError(
            f"{ctype.name} is retired since {ctype.retired_on.isoformat()}: the board no longer "
            "takes applications for it."
        )
    facts = eligibility.facts_for(session, application.board_id, trainee.id, as_of)
    result = rules.evaluate(eligibility.requirements_for(application.credential_type), facts, as_of)
    unmet = [f"{c.label}: {c.detail}" for c in result.checks if not c.met]
    if unmet and not confirmed:
        raise UnmetRequirements(unmet, "Tick “Submit anyway” to hand it in as it is.")
    application.facts_snapshot, application.eligibility_snapshot = eligibility.snapshot(
        facts, result
    )
    application.submitted_at = utcnow()
    target = "submitted" if application.status == "draft" else "resubmitted"
    _move(session, application, target, trainee, None)


def transition(
    session: Session,
    application: Application,
    target: str,
    actor: User,
    reason: str | None = None,
    override_reason: str | None = None,
    as_of: date | None = None,
) -> None:
    """A reviewer's or trainee's step in the workflow; audited and emailed.

    Approving re-evaluates the rules as of now (not the snapshot); unmet requirements or
    pending documents stop it unless an override reason is given.
    """
    if target in NEEDS_REASON and not (reason or "").strip():
        raise WorkflowError("Give a reason: the applicant will read it.")
    if target in ("submitted", "resubmitted"):
        raise WorkflowError("Use submit to hand in an application.")
    lock(session, application)
    if target in ("approved", "approved_for_exam") and target in TRANSITIONS[application.status]:
        ignore = IGNORED_AT.get(target, frozenset())
        problems = open_requirements(session, application, as_of or date.today(), ignore)
        if problems:
            if not (override_reason or "").strip():
                raise UnmetRequirements(
                    problems, "To approve anyway, give a reason for the override."
                )
            record_override(session, application, actor, problems, override_reason or "")
    if target in ("in_review", "info_requested", "approved_for_exam", "approved", "denied"):
        application.reviewer_id = actor.id
    _move(session, application, target, actor, reason)


def lock(session: Session, application: Application) -> None:
    """Re-read the application under a row lock, so two staff cannot both move it."""
    lock_many(session, [application])


def lock_many(session: Session, applications: list[Application]) -> None:
    """lock of many applications in one statement (in id order, as every locker takes them)."""
    if len(applications) == 1:
        session.refresh(applications[0], with_for_update=True)
    elif applications:
        session.execute(
            select(Application)
            .where(Application.id.in_([a.id for a in applications]))
            .order_by(Application.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars().all()


def _move(
    session: Session, application: Application, target: str, actor: User, reason: str | None
) -> None:
    _move_many(session, [application], target, actor, reason)


def certify_many(session: Session, applications: list[Application], actor: User) -> None:
    """Mark applications certified once their credentials are issued (locked by the caller):
    as transition(..., "certified") does for one, with the audit events and emails in bulk."""
    _move_many(session, applications, "certified", actor, None)


def _move_many(
    session: Session,
    applications: list[Application],
    target: str,
    actor: User,
    reason: str | None,
) -> None:
    sources = []
    for application in applications:
        source = application.status
        if target not in TRANSITIONS[source]:
            raise WorkflowError(
                f"An application that is {STATUS_LABELS[source].lower()} cannot become "
                f"{STATUS_LABELS[target].lower()}."
            )
        sources.append(source)
    now = utcnow()
    for application in applications:
        application.status = target
        if target in ("approved", "denied", "certified"):
            application.decided_at = now
        if reason:
            application.decision_reason = reason.strip()
    session.flush()
    audit.record_many(
        session,
        actor,
        [
            audit.Change(
                f"application.{target}",
                application,
                before={"status": source},
                after={"status": target, "reason": reason},
            )
            for application, source in zip(applications, sources, strict=True)
        ],
    )
    _notify_many(session, applications, target, reason)


def _notify_many(
    session: Session, applications: list[Application], target: str, reason: str | None
) -> None:
    by_board: dict[int, list[tuple[str, str, str]]] = {}
    for application in applications:
        link = external_url("certify.my_application", application_id=application.id)
        lines = [
            f"Hello {application.trainee.full_name},",
            "",
            f"Your application for {application.credential_type.name} is now: "
            f"{STATUS_LABELS[target]}.",
        ]
        if reason:
            lines += ["", f"Reason: {reason}"]
        lines += ["", f"What to do next: {NEXT_STEP.get(target, 'Nothing for now.')}", "", link]
        by_board.setdefault(application.board_id, []).append(
            (
                application.trainee.email,
                f"Application {STATUS_LABELS[target].lower()}: {application.credential_type.name}",
                "\n".join(lines) + "\n",
            )
        )
    for board_id, messages in by_board.items():
        mail.queue_many(session, messages, board_id=board_id)


def for_trainee(session: Session, trainee: User) -> list[Application]:
    return list(
        session.execute(
            select(Application)
            .where(Application.trainee_id == trainee.id)
            .order_by(Application.created_at.desc())
        ).scalars()
    )


def _queue_where(query: AnyRows, status: str, search: str) -> AnyRows:
    if status:
        query = query.where(Application.status == status)
    else:
        query = query.where(Application.status != "draft")
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(User.full_name.ilike(pattern) | User.email.ilike(pattern))
    return query.order_by(Application.submitted_at.asc().nulls_last(), Application.id)


def queue_query(board_id: int, status: str = "", search: str = "") -> Select[Any]:
    """The board's applications for the review queue, oldest submission first (applicant and
    credential type loaded with them)."""
    query = (
        select(Application)
        .join(User, Application.trainee_id == User.id)
        .where(Application.board_id == board_id)
        .options(contains_eager(Application.trainee), joinedload(Application.credential_type))
    )
    return _queue_where(query, status, search)


def queue_export_rows(
    session: Session, board_id: int, status: str = "", search: str = ""
) -> Iterator[Any]:
    """The queue's applications as plain values for the export: one streamed statement."""
    query = (
        select(
            Application.id,
            User.full_name,
            User.email,
            CredentialType.name,
            Application.status,
            Application.submitted_at,
        )  # fmt: skip
        .select_from(Application)
        .join(User, Application.trainee_id == User.id)
        .join(CredentialType, CredentialType.id == Application.credential_type_id)
        .where(Application.board_id == board_id)
    )
    return stream_rows(session, _queue_where(query, status, search))


@dataclass(frozen=True)
class HistoryEntry:
    """One step of an application's history: when, who, what, and what it said."""

    at: datetime
    who: str
    what: str
    said: tuple[str, ...]


def history(session: Session, application: Application) -> list[HistoryEntry]:
    """Every status change, message and document of an application, oldest first, with who
    and when (from the audit trail: one statement)."""
    documents = [str(d.id) for d in application.documents]
    about_documents = and_(
        AuditEvent.entity_type == "ApplicationDocument", AuditEvent.entity_id.in_(documents)
    )
    events = session.execute(
        select(AuditEvent)
        .where(
            AuditEvent.board_id == application.board_id,
            or_(
                and_(
                    AuditEvent.entity_type == "Application",
                    AuditEvent.entity_id == str(application.id),
                ),
                about_documents if documents else false(),
            ),
        )
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id)
    ).scalars()
    names = {
        str(d.id): f"{DOCUMENT_KINDS.get(d.kind, d.kind)} ({d.original_name})"
        for d in application.documents
    }
    entries = []
    for event in events:
        after = event.after if isinstance(event.after, dict) else {}
        if event.action in HISTORY_WORDS:
            what = HISTORY_WORDS[event.action]
        else:
            status = event.action.removeprefix("application.")
            what = STATUS_LABELS.get(status, audit_text.words(event.action))
        if event.entity_type == "ApplicationDocument":
            what += f": {names.get(event.entity_id or '', 'a document')}"
        label = "Override reason" if event.action == "application.override" else "Message"
        said = (f"{label}: {after['reason']}",) if after.get("reason") else ()
        who = event.actor.full_name if event.actor else "The system"
        entries.append(HistoryEntry(event.created_at, who, what, said))
    return entries
