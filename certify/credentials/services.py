"""Credentials: issue with a unique number, status changes, expiry, discipline, lookups."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload

from certify import duties, hooks, plausibility, rules
from certify.applications import eligibility
from certify.applications import services as applications
from certify.certificates import CertificateData
from certify.models import (
    DISCIPLINE_KINDS,
    Application,
    Credential,
    CredentialCounter,
    CredentialType,
    DisciplinaryAction,
    Endorsement,
    ExpiryReminder,
)
from core import audit, mail
from core.boards import AnyRows
from core.exports import stream_rows
from core.models import AuditEvent, Board, Role, User, utcnow
from core.urls import external_url

REMINDER_DAYS = (90, 60, 30)
# status -> statuses staff may set directly (expiry is set by the daily job)
STATUS_CHANGES = {
    "provisional": ("suspended", "revoked", "inactive"),
    "active": ("suspended", "revoked", "inactive"),
    "suspended": ("active", "revoked"),
    "inactive": ("active",),
    "expired": (),
    "revoked": (),
}
DISCIPLINE_STATUS = {"suspension": "suspended", "revocation": "revoked"}


class CredentialError(ValueError):
    """A credential change that is not allowed; the message says why."""


def add_months(day: date, months: int) -> date:
    """The same day months later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_number(session: Session, board: Board, ctype: CredentialType) -> str:
    """Take the board's next credential number; the counter row is locked until commit."""
    return next_numbers(session, board, ctype, 1)[0]


def next_numbers(session: Session, board: Board, ctype: CredentialType, count: int) -> list[str]:
    """Take the board's next `count` credential numbers at once (the counter locked until
    commit, so no other transaction can take any of them)."""
    counter = session.execute(
        select(CredentialCounter).where(CredentialCounter.board_id == board.id).with_for_update()
    ).scalar()
    if counter is None:
        try:
            with session.begin_nested():
                counter = CredentialCounter(board_id=board.id, last_number=0)
                session.add(counter)
        except IntegrityError:  # another transaction created it first
            counter = session.execute(
                select(CredentialCounter)
                .where(CredentialCounter.board_id == board.id)
                .with_for_update()
            ).scalar_one()
    first = counter.last_number + 1
    counter.last_number += count
    session.flush()
    prefix = f"{board.slug.upper()}-{ctype.code}-"
    return [f"{prefix}{serial:06d}" for serial in range(first, first + count)]


@dataclass(frozen=True)
class IssueRequest:
    """One credential to issue: for whom, of which type, from which application if any."""

    holder: User
    ctype: CredentialType
    application: Application | None = None
    endorsements: tuple[str, ...] = ()
    override_reason: str | None = None


def issue(
    session: Session,
    holder: User,
    ctype: CredentialType,
    actor: User,
    as_of: date,
    application: Application | None = None,
    endorsements: tuple[str, ...] = (),
    override_reason: str | None = None,
) -> Credential:
    """Issue a credential (provisional or active by its type) for one renewal cycle.

    From an application: the application row is locked, must still be approved and have no
    credential yet, and the rules are evaluated again as of `as_of`; anything unmet or a
    document still pending stops the issue unless an override reason is given, which the
    credential then records.
    """
    request = IssueRequest(holder, ctype, application, endorsements, override_reason)
    return issue_many(session, [request], actor, as_of)[0]


def issue_many(
    session: Session, requests: list[IssueRequest], actor: User, as_of: date
) -> list[Credential]:
    """Issue a batch of credentials by the rules of `issue`, each one as `issue` would.

    Set-based: the applications are locked and their rules evaluated together, each board's
    numbers are taken at once, and the rows, audit events, emails and the credentials_issued
    hook (signing) go in bulk. All or nothing: the first refusal raises before anything is
    written, and any later failure leaves the caller a transaction to roll back.
    """
    seen: set[int] = set()
    for request in requests:
        if request.application is not None:
            if request.application.id in seen:
                raise CredentialError(
                    f"Application {request.application.id} is in the batch twice: one credential "
                    "per application."
                )
            seen.add(request.application.id)
    from_applications = [r.application for r in requests if r.application is not None]
    applications.lock_many(session, from_applications)
    for application in from_applications:
        if application.status != "approved":
            raise CredentialError(
                "This application is no longer approved: someone else may have issued its "
                "credential a moment ago. Reload the page to see it."
                if len(requests) == 1
                else f"Application {application.id} is no longer approved (it is "
                f"{application.status}): nothing was issued."
            )
    open_problems = applications.open_requirements_many(session, from_applications, as_of)
    problems_of: list[list[str]] = []
    for request in requests:
        source = request.application
        problems = [] if source is None else open_problems[source.id]
        if source is not None and problems and not (request.override_reason or "").strip():
            unmet = applications.UnmetRequirements(
                problems, "To issue anyway, give a reason for the override."
            )
            if len(requests) == 1:
                raise unmet
            raise CredentialError(
                f"Application {source.id} ({request.holder.full_name}): {unmet} Nothing was issued."
            )
        problems_of.append(problems)
    for request, problems in zip(requests, problems_of, strict=True):
        if problems and request.application is not None:
            applications.record_override(
                session, request.application, actor, problems, request.override_reason or ""
            )
    numbers: dict[int, str] = {}
    for board_id, types in _types_by_board(requests).items():
        board = session.get(Board, board_id)
        assert board is not None
        for ctype, positions in types:
            for position, number in zip(
                positions, next_numbers(session, board, ctype, len(positions)), strict=True
            ):
                numbers[position] = number
    issued = []
    for position, (request, problems) in enumerate(zip(requests, problems_of, strict=True)):
        ctype = request.ctype
        issued.append(
            Credential(
                board_id=ctype.board_id,
                holder_id=request.holder.id,
                credential_type_id=ctype.id,
                application_id=None if request.application is None else request.application.id,
                number=numbers[position],
                status="provisional" if ctype.level == "provisional" else "active",
                issued_on=as_of,
                expires_on=add_months(as_of, ctype.cycle_months),
                endorsements=list(request.endorsements),
                issued_by_override=bool(problems),
                override_reason=(request.override_reason or "").strip() or None
                if problems
                else None,
            )
        )
    session.add_all(issued)
    session.flush()
    audit.record_many(
        session,
        actor,
        [
            audit.Change(
                "credential.issued",
                credential,
                after={
                    "number": credential.number,
                    "status": credential.status,
                    "expires_on": credential.expires_on,
                    "issued_by_override": credential.issued_by_override,
                    "unmet": problems,
                },
            )
            for credential, problems in zip(issued, problems_of, strict=True)
        ],
    )
    applications.certify_many(session, from_applications, actor)
    _emails(
        session,
        [
            (
                credential,
                request.holder,
                f"Your credential {credential.number} was issued",
                f"{request.ctype.name} {credential.number} is {credential.status} until "
                f"{credential.expires_on.isoformat()}. Download your certificate and wallet "
                "card from your dashboard.",
            )
            for credential, request in zip(issued, requests, strict=True)
        ],
    )
    hooks.credentials_issued.results(session, issued)
    return issued


def approved_waiting(
    session: Session, board_id: int, limit: int | None = None
) -> list[Application]:
    """The board's approved applications (none has its credential yet), oldest first."""
    query = (
        select(Application)
        .where(Application.board_id == board_id, Application.status == "approved")
        .options(joinedload(Application.trainee), joinedload(Application.credential_type))
        .order_by(Application.decided_at, Application.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())


def issue_approved(
    session: Session, board: Board, actor: User, as_of: date, limit: int | None = None
) -> list[Credential]:
    """Issue the credential of every approved application of the board, as one batch.

    The rules of issuing one from its review page hold for each: the actor is staff of the
    board, never issues on their own application, nor (when the board asks for four eyes)
    on one they approved; the requirements are met (a batch takes no override). All or
    nothing: one refusal and nothing is issued.
    """
    if not actor.has_role(Role.BOARD_ADMIN, Role.BOARD_REVIEWER, board_id=board.id):
        raise CredentialError(f"{actor.email} is not on the staff of {board.name}.")
    waiting = approved_waiting(session, board.id, limit)
    for application in waiting:
        try:
            duties.refuse_own(actor, application.trainee_id, "issue this credential")
            duties.check_issuer(session, board, actor, application.reviewer_id)
        except duties.DutyError as exc:
            raise CredentialError(
                f"Application {application.id} ({application.trainee.full_name}): {exc} "
                "Nothing was issued."
            ) from exc
    requests = [IssueRequest(a.trainee, a.credential_type, a) for a in waiting]
    return issue_many(session, requests, actor, as_of)


def _types_by_board(
    requests: list[IssueRequest],
) -> dict[int, list[tuple[CredentialType, list[int]]]]:
    """Each board's credential types in the batch, with the positions of their requests."""
    found: dict[int, dict[int, tuple[CredentialType, list[int]]]] = {}
    for position, request in enumerate(requests):
        types = found.setdefault(request.ctype.board_id, {})
        types.setdefault(request.ctype.id, (request.ctype, []))[1].append(position)
    return {board_id: list(types.values()) for board_id, types in found.items()}


def change_status(
    session: Session, credential: Credential, target: str, actor: User, reason: str
) -> None:
    """Suspend, revoke, reinstate or inactivate a credential, with the reason on record.

    The credential's row is locked and read again first, so two staff changing it at once
    act one after the other: the second sees the first's status and is told so.
    """
    if not reason.strip():
        raise CredentialError("Give a reason; it is kept in the audit trail.")
    shown = credential.status
    session.refresh(credential, with_for_update=True)
    allowed = STATUS_CHANGES[credential.status]
    if target not in allowed:
        changed = (
            f" Someone changed it a moment ago (it was {shown}): reload the page."
            if credential.status != shown
            else ""
        )
        raise CredentialError(f"A {credential.status} credential cannot become {target}.{changed}")
    if target == "active" and credential.credential_type.level == "provisional":
        target = "provisional"
    before = credential.status
    credential.status = target
    session.flush()
    audit.record(
        session,
        actor,
        f"credential.{target}",
        credential,
        before={"status": before},
        after={"status": target, "reason": reason},
    )
    _email(
        session,
        credential,
        f"Your credential {credential.number} is now {target}",
        f"Reason: {reason}\n\nContact the board if you have questions.",
    )
    hooks.credential_changed.results(session, credential, "status")


def discipline(
    session: Session,
    credential: Credential,
    actor: User,
    kind: str,
    started_on: date,
    public: bool,
    public_summary: str,
    internal_notes: str = "",
    scheduled: bool = False,
    today: date | None = None,
) -> DisciplinaryAction:
    """Record a disciplinary step; suspension and revocation change the credential's status.

    Its date is a plausible one: never before the board's earliest record date, and in the
    future only when the step is explicitly ``scheduled`` (a probation that starts next
    month); a suspension or revocation takes effect when recorded, so it is never scheduled.
    """
    if kind not in DISCIPLINE_KINDS:
        raise CredentialError(f"Unknown disciplinary action {kind!r}.")
    today = today or date.today()
    if started_on > today and not scheduled:
        raise CredentialError(
            f"{started_on.isoformat()} is in the future: tick “Scheduled” to record a step that "
            "starts later, or give the date it started."
        )
    if started_on > today and kind in DISCIPLINE_STATUS:
        raise CredentialError(
            f"A {DISCIPLINE_KINDS[kind].lower()} takes effect when it is recorded: record it on "
            "the day it starts."
        )
    board = session.get(Board, credential.board_id)
    if board is not None:
        earliest = plausibility.earliest_record_date(board)
        problem = plausibility.record_date_problem(
            started_on, today, earliest=earliest, future_allowed=True
        )
        if problem:
            raise CredentialError(problem)
    if public and not public_summary.strip():
        raise CredentialError("A public action needs a public summary.")
    action = DisciplinaryAction(
        board_id=credential.board_id,
        credential_id=credential.id,
        kind=kind,
        started_on=started_on,
        public=public,
        public_summary=public_summary.strip(),
        internal_notes=internal_notes.strip(),
        created_by_id=actor.id,
    )
    session.add(action)
    session.flush()
    audit.record(
        session,
        actor,
        f"discipline.{kind}",
        action,
        after={"credential": credential.number, "public": public},
    )
    reason = f"{DISCIPLINE_KINDS[kind]}: {public_summary or internal_notes or 'see board'}"
    if kind in DISCIPLINE_STATUS and credential.status != DISCIPLINE_STATUS[kind]:
        change_status(session, credential, DISCIPLINE_STATUS[kind], actor, reason)
    elif kind == "reinstatement" and credential.status == "suspended":
        change_status(session, credential, "active", actor, reason)
    hooks.credential_changed.results(session, credential, "discipline")
    return action


@dataclass(frozen=True)
class ExpiryRun:
    expired: int
    reminders: int


def expire_and_remind(session: Session, as_of: date) -> ExpiryRun:
    """The daily job: expiry after the grace period, and one email per step before and at it.

    A credential past its expiry day stays as it is through its type's grace period (it can
    still be renewed; the public page reads "expired" from the day after expiry) and is moved
    to expired once the grace period is over. Reminders go 90, 60 and 30 days before expiry
    and once on the first day of the grace period, each at most once per expiry day, and say
    exactly what still stands in the way of renewing (the renewal_blockers hook: CE, ...).
    """
    from certify.renewal.phase import phase_of
    from certify.renewal.policy import policies_by_type, policy_for

    expired = 0
    overdue = session.execute(
        select(Credential).where(
            Credential.status.in_(("active", "provisional")), Credential.expires_on < as_of
        )
    ).scalars()
    policies: dict[int, Any] = {}
    in_grace = []
    for credential in overdue:
        if credential.board_id not in policies:
            policies[credential.board_id] = policies_by_type(session, credential.board_id)
        policy = policies[credential.board_id].get(credential.credential_type_id) or policy_for(
            session, credential.credential_type_id, credential.board_id
        )
        phase = phase_of(credential.expires_on, policy.window_days, policy.grace_days, as_of)
        if phase.kind == "grace":
            in_grace.append((credential, phase))
            continue
        before = credential.status
        credential.status = "expired"
        audit.record(
            session,
            None,
            "credential.expired",
            credential,
            before={"status": before},
            after={"status": "expired", "grace_ended_on": phase.grace_ends_on},
        )
        _email(
            session,
            credential,
            f"Your credential {credential.number} has expired",
            f"It expired on {credential.expires_on.isoformat()}"
            + (
                f" and its grace period ended on {phase.grace_ends_on.isoformat()}"
                if policy.grace_days
                else ""
            )
            + ". You may not practice under it. The board can reinstate it by its rule: "
            "ask for reinstatement from My credentials.",
        )
        hooks.credential_changed.results(session, credential, "expired")
        expired += 1
    reminders = 0
    upcoming = (
        session.execute(
            select(Credential).where(
                Credential.status.in_(("active", "provisional")),
                Credential.expires_on >= as_of,
                Credential.expires_on <= as_of + timedelta(days=max(REMINDER_DAYS)),
            )
        )
        .scalars()
        .all()
    )
    due: list[tuple[Credential, int]] = []
    for credential in upcoming:
        steps = [d for d in REMINDER_DAYS if (credential.expires_on - as_of).days <= d]
        if steps:
            due.append((credential, min(steps)))
    due += [(credential, 0) for credential, _ in in_grace]  # 0: the grace-period notice
    grace_ends = {credential.id: phase.grace_ends_on for credential, phase in in_grace}
    for credential, days in due:
        sent = session.execute(
            select(ExpiryReminder.id).where(
                ExpiryReminder.credential_id == credential.id,
                ExpiryReminder.expires_on == credential.expires_on,
                ExpiryReminder.days_before == days,
            )
        ).scalar()
        if sent is not None:
            continue
        session.add(
            ExpiryReminder(
                credential_id=credential.id, expires_on=credential.expires_on, days_before=days
            )
        )
        missing = renewal_blockers(session, credential, as_of)
        if missing:
            what = "To renew, this is still missing:\n" + "\n".join(f"- {m}" for m in missing)
        else:
            what = "Nothing is missing: you can ask to renew from My credentials."
        if days:
            left = (credential.expires_on - as_of).days
            subject = f"Your credential {credential.number} expires in {left} days"
            opening = f"It expires on {credential.expires_on.isoformat()}."
        else:
            end = grace_ends[credential.id].isoformat()
            subject = f"Your credential {credential.number} passed its expiry day: renew by {end}"
            opening = (
                f"It passed its expiry day, {credential.expires_on.isoformat()}: you may not "
                f"practice under it until it is renewed. You can still renew it until {end} "
                "(the grace period); after that it expires and only reinstatement, by the "
                "board's rule, brings it back."
            )
        _email(session, credential, subject, f"{opening}\n\n{what}")
        reminders += 1
    session.flush()
    return ExpiryRun(expired, reminders)


def upgrade(
    session: Session,
    provisional: Credential,
    full_type: CredentialType,
    result: Any,
    actor: User,
    as_of: date,
) -> Credential:
    """Issue the full credential once its remaining requirements are met; retire the other."""
    if provisional.status != "provisional":
        raise CredentialError("Only a provisional credential can be upgraded.")
    if full_type.board_id != provisional.board_id or full_type.level != "full":
        raise CredentialError("Choose a full credential of the same board.")
    if not result.eligible:
        missing = "; ".join(check.detail for check in result.unmet)
        raise CredentialError(f"Not all requirements are met yet: {missing}")
    full = issue(
        session,
        provisional.holder,
        full_type,
        actor,
        as_of,
        endorsements=tuple(provisional.endorsements),
    )
    before = provisional.status
    provisional.status = "inactive"
    session.flush()
    audit.record(
        session,
        actor,
        "credential.upgraded",
        provisional,
        before={"status": before},
        after={"status": "inactive", "upgraded_to": full.number},
    )
    hooks.credential_changed.results(session, provisional, "status")
    return full


def renewal_blockers(session: Session, credential: Credential, as_of: date) -> list[str]:
    """What stops a renewal: the credential's status, then what connected modules say (CE)."""
    blockers = []
    if credential.status not in ("active", "provisional", "expired"):
        blockers.append(f"A {credential.status} credential cannot be renewed.")
    for found in hooks.renewal_blockers.results(session, credential, as_of):
        blockers.extend(found)
    return blockers


def renew(session: Session, credential: Credential, actor: User, as_of: date) -> None:
    """Extend a credential by one renewal cycle (renewal requests call this on approval)."""
    blockers = renewal_blockers(session, credential, as_of)
    if blockers:
        raise CredentialError(" ".join(blockers))
    from certify.renewal.policy import grace_end

    before = {"status": credential.status, "expires_on": credential.expires_on}
    # a renewal (up to the end of the grace period) runs on from the expiry day; a
    # reinstatement after it starts a new cycle on the day it is granted
    late = as_of > grace_end(session, credential)
    start = as_of if late else credential.expires_on
    credential.expires_on = add_months(start, credential.credential_type.cycle_months)
    if credential.status == "expired":
        credential.status = (
            "provisional" if credential.credential_type.level == "provisional" else "active"
        )
    session.flush()
    audit.record(
        session,
        actor,
        "credential.renewed",
        credential,
        before=before,
        after={"status": credential.status, "expires_on": credential.expires_on},
    )
    hooks.credential_changed.results(session, credential, "renewed")


def _email(session: Session, credential: Credential, subject: str, body: str) -> None:
    _emails(session, [(credential, credential.holder, subject, body)])


def _emails(session: Session, messages: list[tuple[Credential, User, str, str]]) -> None:
    """Email holders about their credentials (credential, holder, subject, body), in bulk."""
    link = external_url("certify.my_credentials")
    by_board: dict[int, list[tuple[str, str, str]]] = {}
    for credential, holder, subject, body in messages:
        by_board.setdefault(credential.board_id, []).append(
            (holder.email, subject, f"Hello {holder.full_name},\n\n{body}\n\n{link}\n")
        )
    for board_id, board_messages in by_board.items():
        mail.queue_many(session, board_messages, board_id=board_id)


# --- issued credentials: listings, certificate data, upgrade options ------------------------


def verify_url(credential: Credential) -> str:
    return external_url(
        "certify.verify_credential", slug=credential.board.slug, number=credential.number
    )


def certificate_data(credential: Credential) -> CertificateData:
    """What the certificate and wallet card show; no private facts."""
    names = {e.code: e.name for e in _endorsements(credential)}
    return CertificateData(
        board_name=credential.board.name,
        jurisdiction=credential.board.jurisdiction,
        holder_name=credential.holder.full_name,
        credential_type=credential.credential_type.name,
        credential_number=credential.number,
        status=credential.status,
        issued_on=credential.issued_on,
        expires_on=credential.expires_on,
        endorsements=tuple(names.get(code, code) for code in credential.endorsements),
        verify_url=verify_url(credential),
        generated_at=utcnow(),
    )


def status_reasons(session: Session, credentials: list[Credential]) -> dict[int, str]:
    """The reason given when each credential took its present status (one statement).

    Kept in the audit trail by change_status; a credential that never changed status, or
    changed without a reason on record, is left out.
    """
    if not credentials:
        return {}
    actions = {f"credential.{c.status}" for c in credentials}
    events = session.execute(
        select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.after)
        .where(
            AuditEvent.entity_type == "Credential",
            AuditEvent.action.in_(actions),
            AuditEvent.entity_id.in_([str(c.id) for c in credentials]),
        )
        .order_by(AuditEvent.id)
    ).all()
    status = {str(c.id): f"credential.{c.status}" for c in credentials}
    reasons: dict[int, str] = {}
    for entity_id, action, after in events:
        reason = str((after or {}).get("reason") or "")
        if action == status.get(entity_id) and reason:
            reasons[int(entity_id)] = reason
    return reasons


def _endorsements(credential: Credential) -> list[Endorsement]:
    from sqlalchemy.orm import object_session

    session = object_session(credential)
    if session is None:
        return []
    return list(
        session.execute(
            select(Endorsement).where(Endorsement.board_id == credential.board_id)
        ).scalars()
    )


def looks_like_a_number(search: str) -> bool:
    """Whether a search is a credential number (or its start, or its serial) rather than a
    name or email: digits, and a dash unless it is digits only; never an @ or a space."""
    text = search.strip()
    if not text or "@" in text or " " in text or not any(c.isdigit() for c in text):
        return False
    return text.isdigit() or "-" in text


def _credentials_where(
    query: AnyRows, status: str, search: str, expiring_days: int | None, as_of: date
) -> AnyRows:
    if status:
        query = query.where(Credential.status == status)
    if search and search.strip().isdigit() and looks_like_a_number(search):
        serial = "-" + search.strip().zfill(6)  # the serial alone: NE-CPSS-000123
        query = query.where(Credential.number.endswith(serial, autoescape=True))
    elif search and looks_like_a_number(search):
        query = query.where(Credential.number.startswith(search.strip().upper(), autoescape=True))
    elif search:
        pattern = f"%{search.lower()}%"
        query = query.where(User.full_name.ilike(pattern) | User.email.ilike(pattern))
    if expiring_days:
        query = query.where(
            Credential.status.in_(("active", "provisional")),
            Credential.expires_on <= as_of + timedelta(days=expiring_days),
            Credential.expires_on >= as_of,
        )
        return query.order_by(Credential.expires_on, Credential.id)
    return query.order_by(Credential.number)


def credentials_query(
    board_id: int, status: str, search: str, expiring_days: int | None, as_of: date
) -> Select[Any]:
    """The board's credentials, filtered by status, holder or number, and expiry window.

    A credential number is looked up by its start (an index lookup) or, typed as digits
    alone, by its serial; any other search matches the holder's name or email.
    """
    query = (
        select(Credential)
        .join(User, Credential.holder_id == User.id)
        .where(Credential.board_id == board_id)
        .options(contains_eager(Credential.holder), joinedload(Credential.credential_type))
    )
    return _credentials_where(query, status, search, expiring_days, as_of)


def credential_export_rows(
    session: Session, board_id: int, status: str, search: str, expiring_days: int | None,
    as_of: date,
) -> Iterator[Any]:  # fmt: skip
    """The credentials of credentials_query as plain values for the export: one streamed
    statement, never all rows at once."""
    query = (
        select(
            Credential.number,
            User.full_name,
            User.email,
            CredentialType.name,
            Credential.status,
            Credential.issued_on,
            Credential.expires_on,
            Credential.endorsements,
        )  # fmt: skip
        .select_from(Credential)
        .join(User, Credential.holder_id == User.id)
        .join(CredentialType, CredentialType.id == Credential.credential_type_id)
        .where(Credential.board_id == board_id)
    )
    return stream_rows(session, _credentials_where(query, status, search, expiring_days, as_of))


def full_types_for_upgrade(
    session: Session, credential: Credential, as_of: date
) -> list[tuple[CredentialType, rules.Eligibility]]:
    """For a provisional credential: the board's full credential types and the holder's standing."""
    if credential.status != "provisional":
        return []
    return [
        (ctype, result)
        for ctype, result in eligibility.checklists(
            session, credential.board_id, credential.holder_id, as_of
        )
        if ctype.level == "full"
    ]


def public_lookup(session: Session, slug: str, number: str) -> Credential | None:
    return session.execute(
        select(Credential).join(Board).where(Board.slug == slug, Credential.number == number)
    ).scalar()


def held_by(session: Session, user_id: int) -> list[Credential]:
    """A person's credentials, newest first."""
    return list(
        session.execute(
            select(Credential)
            .where(Credential.holder_id == user_id)
            .order_by(Credential.issued_on.desc())
        ).scalars()
    )


def endorsement_choices(session: Session, board_id: int) -> list[tuple[str, str]]:
    """(code, name) of the board's endorsements, for a form's choices."""
    rows = session.execute(
        select(Endorsement).where(Endorsement.board_id == board_id).order_by(Endorsement.name)
    ).scalars()
    return [(e.code, e.name) for e in rows]
