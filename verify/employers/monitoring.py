"""Monitoring: employers enroll rosters and are told when a credential on them changes.

What an employer was last told about each credential is kept (status, expiry, number of
public disciplinary notices). Whenever certify announces a change (its credential_changed
hook) and once a day (`flask employers daily`, which also catches anything missed), the
credential is compared with that; each difference becomes an event on the employer's
Changes page and an email (through the outbox) to everyone in the organization.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certify.certificates import VALID_FOR_PRACTICE
from certify.models import DISCIPLINE_KINDS, Credential, DisciplinaryAction
from core import audit, mail
from core.exports import stream_rows
from core.models import Board, User, utcnow
from core.urls import external_url
from verify.employers.roster import EXPIRING_DAYS
from verify.employers.services import EmployerError, check_results
from verify.models import (
    EmployerMember,
    EmployerOrganization,
    MonitoredCredential,
    MonitoringEvent,
    RosterCheck,
)


@dataclass(frozen=True)
class Change:
    kind: str  # a key of EVENT_KINDS
    summary: str


def _public_actions(session: Session, credential: Credential) -> list[DisciplinaryAction]:
    return list(
        session.execute(
            select(DisciplinaryAction)
            .where(
                DisciplinaryAction.credential_id == credential.id,
                DisciplinaryAction.public.is_(True),
            )
            .order_by(DisciplinaryAction.id)
        ).scalars()
    )


def _label(credential: Credential, watched: MonitoredCredential) -> str:
    return f"{watched.employee_name} ({credential.number})"


def changes(session: Session, watched: MonitoredCredential, as_of: date) -> list[Change]:
    """What changed since the employer was last told, and note it as told."""
    credential = watched.credential
    label = _label(credential, watched)
    found = []
    if credential.status != watched.seen_status:
        found.append(
            Change("status", f"{label} is now {credential.status} (was {watched.seen_status}).")
        )
    if credential.expires_on > watched.seen_expires_on and credential.status in VALID_FOR_PRACTICE:
        found.append(Change("renewed", f"{label} was renewed until {credential.expires_on}."))
    actions = _public_actions(session, credential)
    for action in actions[watched.seen_public_actions :]:
        found.append(
            Change(
                "discipline",
                f"{label}: public notice — {DISCIPLINE_KINDS.get(action.kind, action.kind)} "
                f"from {action.started_on}: {action.public_summary}",
            )
        )
    days_left = (credential.expires_on - as_of).days
    if (
        credential.status in VALID_FOR_PRACTICE
        and 0 <= days_left <= EXPIRING_DAYS
        and watched.expiry_notice_for != credential.expires_on
    ):
        found.append(
            Change("expiring", f"{label} expires on {credential.expires_on} ({days_left} days).")
        )
        watched.expiry_notice_for = credential.expires_on
    watched.seen_status = credential.status
    watched.seen_expires_on = credential.expires_on
    watched.seen_public_actions = len(actions)
    return found


def _tell(session: Session, organization_id: int, found: list[tuple[int, Change]]) -> None:
    """Record the events and email everyone in the organization once about them."""
    if not found:
        return
    for credential_id, change in found:
        session.add(
            MonitoringEvent(
                organization_id=organization_id,
                credential_id=credential_id,
                kind=change.kind,
                summary=change.summary,
            )
        )
    session.flush()
    people = session.execute(
        select(User)
        .join(EmployerMember, EmployerMember.user_id == User.id)
        .where(EmployerMember.organization_id == organization_id)
    ).scalars()
    lines = "\n".join(f"- {change.summary}" for _, change in found)
    subject = (
        found[0][1].summary if len(found) == 1 else f"{len(found)} changes to monitored credentials"
    )
    link = external_url("verify.changes")
    for person in people:
        mail.queue(
            session,
            person.email,
            f"Credential monitoring: {subject}",
            f"Hello {person.full_name},\n\nA credential you monitor changed:\n\n{lines}\n\n"
            f"See every change since your last visit: {link}\n",
        )


def on_credential_changed(session: Session, credential: Credential, what: str) -> None:
    """certify's credential_changed hook: tell every employer that monitors the credential."""
    watchers = list(
        session.execute(
            select(MonitoredCredential).where(MonitoredCredential.credential_id == credential.id)
        ).scalars()
    )
    for watched in watchers:
        found = changes(session, watched, date.today())
        _tell(session, watched.organization_id, [(credential.id, c) for c in found])
    if watchers:
        session.flush()


@dataclass(frozen=True)
class DailyRun:
    checked: int
    events: int


def daily(session: Session, as_of: date, batch: int = 1000) -> DailyRun:
    """Compare every monitored credential with what its employer was told (expiry included)."""
    checked = events = 0
    last_id = 0
    while True:
        watched_rows = list(
            session.execute(
                select(MonitoredCredential)
                .where(MonitoredCredential.id > last_id)
                .order_by(MonitoredCredential.id)
                .limit(batch)
            ).scalars()
        )
        if not watched_rows:
            break
        per_org: dict[int, list[tuple[int, Change]]] = defaultdict(list)
        for watched in watched_rows:
            per_org[watched.organization_id] += [
                (watched.credential_id, c) for c in changes(session, watched, as_of)
            ]
        for organization_id, found in per_org.items():
            _tell(session, organization_id, found)
            events += len(found)
        checked += len(watched_rows)
        last_id = watched_rows[-1].id
        session.flush()
    return DailyRun(checked, events)


def enroll(session: Session, member: EmployerMember, check: RosterCheck, as_of: date) -> int:
    """Monitor every credential of a roster; refused while any row is bad or not found."""
    results = check_results(session, check, as_of)
    blocking = [r for r in results if "bad_row" in r.flags or "not_found" in r.flags]
    if blocking:
        rows = ", ".join(str(r.row.row) for r in blocking[:20])
        raise EmployerError(
            f"Fix rows {rows} first (bad or not found), then upload the roster again: "
            "monitoring takes a whole roster or nothing."
        )
    by_key = {
        (board.slug, credential.number): credential
        for credential, board in session.execute(
            select(Credential, Board)
            .join(Board, Credential.board_id == Board.id)
            .where(Credential.number.in_([r.row.number for r in results]))
        ).all()
    }
    existing = set(
        session.execute(
            select(MonitoredCredential.credential_id).where(
                MonitoredCredential.organization_id == member.organization_id
            )
        ).scalars()
    )
    added = 0
    for result in results:
        credential = by_key[(result.row.board, result.row.number)]
        if credential.id in existing:
            continue
        existing.add(credential.id)
        session.add(
            MonitoredCredential(
                organization_id=member.organization_id,
                credential_id=credential.id,
                employee_name=result.row.name[:200],
                seen_status=credential.status,
                seen_expires_on=credential.expires_on,
                seen_public_actions=len(_public_actions(session, credential)),
            )
        )
        added += 1
    check.enrolled_at = utcnow()
    session.flush()
    audit.record(session, member.user, "employer.roster_enrolled", check, after={"added": added})
    return added


def stop_monitoring(session: Session, member: EmployerMember, watched: MonitoredCredential) -> None:
    if watched.organization_id != member.organization_id:
        raise EmployerError("That credential is not monitored by your organization.")
    session.delete(watched)
    session.flush()


def monitored(session: Session, organization: EmployerOrganization) -> list[MonitoredCredential]:
    return list(
        session.execute(
            select(MonitoredCredential)
            .where(MonitoredCredential.organization_id == organization.id)
            .order_by(MonitoredCredential.employee_name)
        ).scalars()
    )


def monitored_rows(session: Session, organization: EmployerOrganization) -> Iterator[Any]:
    """The monitored credentials as the export's rows (name on the roster, board, number,
    status, expiry), by name: one streamed statement whatever their number."""
    query = (
        select(
            MonitoredCredential.employee_name,
            Board.slug,
            Credential.number,
            Credential.status,
            Credential.expires_on,
        )
        .join(Credential, Credential.id == MonitoredCredential.credential_id)
        .join(Board, Board.id == Credential.board_id)
        .where(MonitoredCredential.organization_id == organization.id)
        .order_by(MonitoredCredential.employee_name, MonitoredCredential.id)
    )
    for name, board, number, status, expires_on in stream_rows(session, query):
        yield [name, board, number, status, expires_on.isoformat()]


def events_since(
    session: Session, organization_id: int, since: datetime | None, limit: int = 500
) -> list[MonitoringEvent]:
    query = select(MonitoringEvent).where(MonitoringEvent.organization_id == organization_id)
    if since is not None:
        query = query.where(MonitoringEvent.created_at > since)
    return list(
        session.execute(query.order_by(MonitoringEvent.created_at.desc()).limit(limit)).scalars()
    )


def mark_seen(session: Session, member: EmployerMember) -> None:
    member.changes_seen_at = utcnow()
    session.flush()


def changes_waiting(session: Session, board_id: int | None, user: User) -> int:
    """The navigation count: changes since this person last marked them seen."""
    member = session.execute(
        select(EmployerMember).where(EmployerMember.user_id == user.id)
    ).scalar()
    if member is None:
        return 0
    query = (
        select(func.count())
        .select_from(MonitoringEvent)
        .where(MonitoringEvent.organization_id == member.organization_id)
    )
    if member.changes_seen_at is not None:
        query = query.where(MonitoringEvent.created_at > member.changes_seen_at)
    return int(session.execute(query).scalar_one())
