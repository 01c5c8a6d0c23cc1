"""Employer organizations, their people, and roster checks. Flush, never commit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, mail
from core.accounts import find_user, grant_role, normalise_email, send_activation
from core.models import Board, Role, User
from core.urls import external_url
from verify.employers import roster
from verify.lookup.services import PublicRecord, by_numbers
from verify.models import EmployerMember, EmployerOrganization, RosterCheck


class EmployerError(ValueError):
    """A change to an organization that cannot be made; the message says why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def membership(session: Session, user: User) -> EmployerMember | None:
    return session.execute(select(EmployerMember).where(EmployerMember.user_id == user.id)).scalar()


def membership_or_404(session: Session, user: User) -> EmployerMember:
    found = membership(session, user)
    if found is None:
        abort(404)
    return found


def create_organization(session: Session, user: User, name: str) -> EmployerOrganization:
    """A new organization with its creator as owner."""
    name = " ".join(name.split())
    if not name:
        raise EmployerError("Give the organization's name.", "name")
    if membership(session, user) is not None:
        raise EmployerError("You already belong to an organization.")
    organization = EmployerOrganization(name=name[:200])
    session.add(organization)
    session.flush()
    session.add(EmployerMember(organization_id=organization.id, user_id=user.id, is_owner=True))
    session.flush()
    audit.record(session, user, "employer.created", organization, after={"name": name})
    return organization


def add_colleague(
    session: Session, owner: EmployerMember, email: str, full_name: str
) -> EmployerMember:
    """Add a person to the owner's organization (an account is made and invited if needed)."""
    if not owner.is_owner:
        raise EmployerError("Only an owner of the organization can add people.")
    organization = owner.organization
    user = find_user(session, email)
    if user is None:
        if not full_name.strip():
            raise EmployerError("Give the person's name.", "full_name")
        user = User(email=normalise_email(email), full_name=" ".join(full_name.split()))
        session.add(user)
        session.flush()
    elif membership(session, user) is not None:
        raise EmployerError("That person already belongs to an employer organization.", "email")
    if not user.has_role(Role.EMPLOYER):
        grant_role(session, user, Role.EMPLOYER, None)
    member = EmployerMember(organization_id=organization.id, user_id=user.id)
    session.add(member)
    session.flush()
    audit.record(
        session, owner.user, "employer.member_added", organization, after={"email": user.email}
    )
    if user.activated_at is None:
        send_activation(session, user)
    else:
        mail.queue(
            session,
            user.email,
            f"You now work with {organization.name} on PeerCert",
            f"Hello {user.full_name},\n\n{owner.user.full_name} added you to {organization.name}"
            f". Log in to check credentials: {external_url('verify.employer_home')}\n",
        )
    return member


def remove_colleague(session: Session, owner: EmployerMember, member: EmployerMember) -> None:
    if not owner.is_owner or member.organization_id != owner.organization_id:
        raise EmployerError("Only an owner of the organization can remove people.")
    if member.id == owner.id:
        raise EmployerError("You cannot remove yourself; ask another owner.")
    audit.record(
        session, owner.user, "employer.member_removed", owner.organization,
        before={"email": member.user.email},
    )  # fmt: skip
    session.delete(member)
    session.flush()


def members(session: Session, organization: EmployerOrganization) -> list[EmployerMember]:
    return list(
        session.execute(
            select(EmployerMember)
            .join(User, EmployerMember.user_id == User.id)
            .where(EmployerMember.organization_id == organization.id)
            .order_by(User.full_name)
        ).scalars()
    )


# --- roster checks ---------------------------------------------------------------------------


def _board_lookup(session: Session) -> dict[str, str]:
    """Every way a roster may name a board (slug, name, jurisdiction), lower case -> slug."""
    names: dict[str, str] = {}
    for board in session.execute(select(Board)).scalars():
        for text in (board.jurisdiction, board.name, board.slug):
            names[text.strip().lower()] = board.slug
    return names


def upload_roster(
    session: Session, member: EmployerMember, data: bytes, filename: str, max_rows: int
) -> RosterCheck:
    """Read a roster file and keep its rows (bad ones with their problem) for checking."""
    try:
        rows = roster.read_roster(data, filename, max_rows)
    except roster.RosterUnreadable as exc:
        raise EmployerError(str(exc), "file") from exc
    if not rows:
        raise EmployerError("The file has a header but no rows.", "file")
    names = _board_lookup(session)
    rows = roster.resolve_boards(rows, lambda text: names.get(text.strip().lower()))
    check = RosterCheck(
        organization_id=member.organization_id,
        filename=filename[:255],
        uploaded_by_id=member.user_id,
        rows=[asdict(row) for row in rows],
    )
    session.add(check)
    session.flush()
    return check


@dataclass(frozen=True)
class RosterResult:
    """One roster row with what the register says now and what to look at."""

    row: roster.RosterRow
    record: PublicRecord | None
    flags: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.flags

    @property
    def flag_labels(self) -> str:
        return "; ".join(roster.FLAG_LABELS[f] for f in self.flags)


def roster_rows(check: RosterCheck) -> list[roster.RosterRow]:
    return [roster.RosterRow(**row) for row in check.rows]


def check_results(session: Session, check: RosterCheck, as_of: date) -> list[RosterResult]:
    """Each row of the roster against the register as it stands on as_of."""
    rows = roster_rows(check)
    found = by_numbers(session, [(r.board, r.number) for r in rows if not r.problem], as_of)
    results = []
    for row in rows:
        record = None if row.problem else found.get((row.board, row.number))
        facts = (
            None
            if record is None
            else roster.RegisterFacts(record.name, record.status, record.expires_on)
        )
        results.append(RosterResult(row, record, roster.flags(row, facts, as_of)))
    return results


EXPORT_HEADER = [
    "row", "name_on_roster", "board", "credential_number", "result", "flags",
    "name_on_register", "credential", "status", "expires_on", "problem",
]  # fmt: skip


def export_rows(results: list[RosterResult]) -> Iterator[list[str]]:
    """The export's rows, made as they are written."""
    for r in results:
        record = r.record
        yield [
            str(r.row.row),
            r.row.name,
            r.row.board,
            r.row.number,
            "ok" if r.ok else "check",
            r.flag_labels,
            record.name if record else "",
            record.credential_type if record else "",
            record.status if record else "",
            record.expires_on.isoformat() if record else "",
            r.row.problem,
        ]


def roster_checks(session: Session, organization: EmployerOrganization) -> list[RosterCheck]:
    return list(
        session.execute(
            select(RosterCheck)
            .where(RosterCheck.organization_id == organization.id)
            .order_by(RosterCheck.created_at.desc())
            .limit(50)
        ).scalars()
    )
