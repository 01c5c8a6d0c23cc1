"""Supervised hours: trainees log them, supervisors confirm them, reviewers verify supervisors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certify.models import SETTINGS, SUPERVISOR_LICENSES, SupervisedHoursEntry, SupervisorProfile
from certify.rules import HoursEntry
from core import accounts, audit, mail
from core.boards import Page, paginate
from core.models import Board, Role, RoleAssignment, User, utcnow
from core.urls import external_url

KINDS = {"experience": "Work or volunteer experience", "supervision": "Supervision session"}
STATUSES = ("pending", "confirmed", "rejected")
DAY_MINUTES = 24 * 60
ENTRY_SORTS = {
    "date_desc": (SupervisedHoursEntry.worked_on.desc(), SupervisedHoursEntry.id.desc()),
    "date_asc": (SupervisedHoursEntry.worked_on.asc(), SupervisedHoursEntry.id.asc()),
    "hours_desc": (SupervisedHoursEntry.minutes.desc(), SupervisedHoursEntry.id.desc()),
}


class HoursError(ValueError):
    """Problems the person can fix, keyed by form field; the caller must roll back."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class EntryInput:
    """What a trainee typed into the log form."""

    board_id: int
    kind: str
    worked_on: date
    minutes: int
    setting: str
    paid: bool
    supervisor_email: str
    supervisor_name: str = ""
    performance_domain: str | None = None
    notes: str = ""


@dataclass(frozen=True)
class HoursTotals:
    """Confirmed experience and supervision minutes and the number of pending entries."""

    experience: int = 0
    supervision: int = 0
    pending: int = 0


@dataclass(frozen=True)
class SupervisorRow:
    """A supervisor of a board with their license profile and entry counts."""

    user: User
    profile: SupervisorProfile | None
    pending: int
    confirmed: int


@dataclass(frozen=True)
class Listing:
    """A page of entries with what the page needs to show them."""

    page: Page
    boards: dict[int, Board]
    profiles: dict[tuple[int, int], SupervisorProfile] = field(default_factory=dict)
    totals: HoursTotals = HoursTotals()


def entry_hours(minutes: int) -> str:
    """Minutes as hours: one decimal, two for quarter hours (1.5, 0.25)."""
    return f"{minutes / 60:.1f}" if minutes % 6 == 0 else f"{minutes / 60:.2f}"


def total_hours(minutes: int) -> str:
    """Minutes as hours floored to one decimal, so a total never rounds up to a goal."""
    return f"{(minutes // 6) / 10:.1f}"


def _snapshot(entry: SupervisedHoursEntry) -> dict[str, Any]:
    return {
        "trainee_id": entry.trainee_id, "supervisor_id": entry.supervisor_id, "kind": entry.kind,
        "worked_on": entry.worked_on, "minutes": entry.minutes, "setting": entry.setting,
        "paid": entry.paid, "status": entry.status, "reason": entry.decision_reason,
    }  # fmt: skip


def _describe(entry: SupervisedHoursEntry) -> str:
    kind = "supervision" if entry.kind == "supervision" else "experience"
    return f"{entry_hours(entry.minutes)} hours of {kind} on {entry.worked_on.isoformat()}"


# --- trainees ------------------------------------------------------------------------------


def _check_entry(session: Session, trainee: User, data: EntryInput, today: date) -> User | None:
    """Raise HoursError with every problem of data; return the named supervisor's account."""
    errors: dict[str, str] = {}
    if not trainee.has_role(Role.TRAINEE, board_id=data.board_id):
        errors["board_id"] = "You are not registered as a trainee with this board."
    if data.kind not in KINDS:
        errors["kind"] = "Choose work/volunteer experience or a supervision session."
    if data.setting not in SETTINGS:
        errors["setting"] = "Choose one of the listed settings."
    if data.worked_on > today:
        errors["worked_on"] = (
            f"{data.worked_on.isoformat()} is in the future; log hours once you have worked them."
        )
    if data.minutes <= 0:
        errors["hours"] = "Enter more than 0 hours (for example 2.5)."
    elif data.minutes > DAY_MINUTES:
        errors["hours"] = "One entry can have at most 24 hours."
    email = accounts.normalise_email(data.supervisor_email)
    supervisor = accounts.find_user(session, email)
    if email == trainee.email.lower():
        errors["supervisor_email"] = "You cannot confirm your own hours: enter your supervisor."
    elif supervisor is None and not data.supervisor_name.strip():
        errors["supervisor_name"] = (
            "Your supervisor has no account yet: give their full name so we can invite them."
        )
    valid = not errors.keys() & {"board_id", "kind", "setting", "worked_on", "hours"}
    if valid and supervisor is not None:
        same = session.execute(
            select(SupervisedHoursEntry.status).where(
                SupervisedHoursEntry.trainee_id == trainee.id,
                SupervisedHoursEntry.supervisor_id == supervisor.id,
                SupervisedHoursEntry.kind == data.kind,
                SupervisedHoursEntry.worked_on == data.worked_on,
                SupervisedHoursEntry.minutes == data.minutes,
                SupervisedHoursEntry.setting == data.setting,
            )
        ).scalar()
        if same is not None:
            valid = False
            errors["worked_on"] = (
                f"You already logged this entry (same supervisor, kind, date, hours and setting;"
                f" it is {same}). Change the details if this is a different entry."
            )
    if valid:
        # Lock the trainee's row so two entries submitted at once cannot both pass the 24 h check.
        session.execute(select(User.id).where(User.id == trainee.id).with_for_update())
        logged = session.execute(
            select(func.coalesce(func.sum(SupervisedHoursEntry.minutes), 0)).where(
                SupervisedHoursEntry.trainee_id == trainee.id,
                SupervisedHoursEntry.worked_on == data.worked_on,
                SupervisedHoursEntry.status != "rejected",
            )
        ).scalar_one()
        if logged + data.minutes > DAY_MINUTES:
            errors["hours"] = (
                f"You already logged {entry_hours(logged)} hours on {data.worked_on.isoformat()};"
                f" with this entry the day would have {entry_hours(logged + data.minutes)} hours,"
                " more than 24."
            )
    if errors:
        raise HoursError(errors)
    return supervisor


def log_entry(
    session: Session, trainee: User, data: EntryInput, today: date | None = None
) -> SupervisedHoursEntry:
    """Store a pending entry, inviting or notifying the named supervisor by email."""
    today = today or utcnow().date()
    supervisor = _check_entry(session, trainee, data, today)
    board = session.get(Board, data.board_id)
    if board is None:  # only a platform admin's global role gets this far
        raise HoursError({"board_id": "Choose a board you are registered with."})
    new_account = supervisor is None
    if supervisor is None:
        supervisor = User(
            email=accounts.normalise_email(data.supervisor_email),
            full_name=data.supervisor_name.strip()[:200],
        )
        session.add(supervisor)
        session.flush()
    new_role = not supervisor.has_role(Role.SUPERVISOR, board_id=board.id)
    if new_role:
        accounts.grant_role(session, supervisor, Role.SUPERVISOR, board)
        audit.record(
            session, trainee, "supervisor.invited", supervisor,
            after={"email": supervisor.email, "new_account": new_account}, board_id=board.id,
        )  # fmt: skip
    entry = SupervisedHoursEntry(
        board_id=board.id, trainee_id=trainee.id, supervisor_id=supervisor.id, kind=data.kind,
        worked_on=data.worked_on, minutes=data.minutes, setting=data.setting, paid=data.paid,
        performance_domain=(data.performance_domain or "").strip()[:120] or None,
        notes=data.notes.strip(), status="pending",
    )  # fmt: skip
    session.add(entry)
    try:
        session.flush()
    except IntegrityError as exc:  # the same entry stored by a parallel request
        raise HoursError({"worked_on": "You already logged this entry."}) from exc
    audit.record(session, trainee, "hours.logged", entry, after=_snapshot(entry))
    _email_supervisor(session, trainee, supervisor, entry, board, new_role)
    return entry


def _email_supervisor(
    session: Session,
    trainee: User,
    supervisor: User,
    entry: SupervisedHoursEntry,
    board: Board,
    new_role: bool,
) -> None:
    queue_link = external_url("certify.supervise")
    what = f"{trainee.full_name} logged {_describe(entry)} ({entry.setting}) with you"
    if supervisor.activated_at is None:
        token = accounts.issue_token(session, supervisor, "activation")
        hours = current_app.config["TOKEN_HOURS"]
        body = (
            f"Hello {supervisor.full_name},\n\n{what} and named you as their supervisor"
            f" at {board.name}.\n\nWhat to do next:\n"
            f"1. Activate your account and choose a password (the link works once and expires"
            f" in {hours} hours):\n   {external_url('auth.activate', token=token)}\n"
            f"2. Record your license type, number and state on your supervisor page.\n"
            f"3. Confirm or reject the hours there:\n   {queue_link}\n\n"
            f"If you do not supervise {trainee.full_name}, reject the entry with that reason.\n"
        )
        subject = f"{trainee.full_name} named you as supervisor — activate your account"
    else:
        extra = f"\nYou can now confirm hours for {board.name}.\n" if new_role else ""
        body = (
            f"Hello {supervisor.full_name},\n\n{what} at {board.name}.\n{extra}\n"
            f"Confirm or reject it at:\n{queue_link}\n"
        )
        subject = f"{trainee.full_name} logged {entry_hours(entry.minutes)} hours with you"
    mail.queue(session, supervisor.email, subject, body, board_id=board.id)


def delete_entry(session: Session, trainee: User, entry: SupervisedHoursEntry) -> None:
    """Delete a trainee's own pending entry (the audit trail keeps what it was)."""
    if entry.trainee_id != trainee.id:
        raise LookupError("not the trainee's entry")
    if entry.status != "pending":
        raise HoursError(
            {"entry": f"Only pending entries can be deleted; this one is {entry.status}."}
        )
    audit.record(session, trainee, "hours.deleted", entry, before=_snapshot(entry))
    session.delete(entry)
    session.flush()


def _totals(session: Session, trainee_id: int, board_id: int | None) -> HoursTotals:
    query = select(
        SupervisedHoursEntry.kind, SupervisedHoursEntry.status,
        func.count(), func.sum(SupervisedHoursEntry.minutes),
    ).where(SupervisedHoursEntry.trainee_id == trainee_id)  # fmt: skip
    if board_id is not None:
        query = query.where(SupervisedHoursEntry.board_id == board_id)
    minutes = {"experience": 0, "supervision": 0}
    pending = 0
    for kind, status, count, total in session.execute(
        query.group_by(SupervisedHoursEntry.kind, SupervisedHoursEntry.status)
    ):
        if status == "confirmed":
            minutes[kind] += total
        elif status == "pending":
            pending += count
    return HoursTotals(minutes["experience"], minutes["supervision"], pending)


def trainee_summaries(session: Session, trainee: User) -> list[tuple[Board, HoursTotals]]:
    """Totals per board where the person is a trainee (for the dashboard panel)."""
    boards = _boards(session, trainee.board_ids(Role.TRAINEE))
    return [(board, _totals(session, trainee.id, board.id)) for board in boards.values()]


def _boards(session: Session, ids: set[int]) -> dict[int, Board]:
    rows = session.execute(select(Board).where(Board.id.in_(ids)).order_by(Board.name)).scalars()
    return {board.id: board for board in rows}


def _entry_query(status: str, sort: str, *where: Any) -> Any:
    query = select(SupervisedHoursEntry).where(*where)
    if status in STATUSES:
        query = query.where(SupervisedHoursEntry.status == status)
    return query.order_by(*ENTRY_SORTS.get(sort, ENTRY_SORTS["date_desc"]))


def trainee_entries(
    session: Session,
    trainee: User,
    board_id: int | None = None,
    status: str = "",
    sort: str = "date_desc",
    page: int = 1,
    size: int | None = 25,
) -> Listing:
    """The trainee's own entries (size None: all of them, for the CSV) with totals."""
    where = [SupervisedHoursEntry.trainee_id == trainee.id]
    if board_id is not None:
        where.append(SupervisedHoursEntry.board_id == board_id)
    query = _entry_query(status, sort, *where)
    listing = paginate(session, query, page, size) if size else _all(session, query)
    boards = _boards(session, trainee.board_ids(Role.TRAINEE) | {e.board_id for e in listing.items})
    return Listing(listing, boards, totals=_totals(session, trainee.id, board_id))


def _all(session: Session, query: Any) -> Page:
    items = list(session.execute(query).scalars())
    return Page(items, 1, 1, len(items))


# --- supervisors ---------------------------------------------------------------------------


def supervisor_queue(
    session: Session, supervisor: User, status: str = "", page: int = 1, size: int | None = 25
) -> Listing:
    """Entries naming the supervisor on boards where they supervise, pending first."""
    query = select(SupervisedHoursEntry).where(
        SupervisedHoursEntry.supervisor_id == supervisor.id,
        SupervisedHoursEntry.board_id.in_(supervisor.board_ids(Role.SUPERVISOR)),
    )
    if status in STATUSES:
        query = query.where(SupervisedHoursEntry.status == status)
    query = query.order_by(
        case((SupervisedHoursEntry.status == "pending", 0), else_=1),
        SupervisedHoursEntry.worked_on.desc(),
        SupervisedHoursEntry.id.desc(),
    )
    listing = paginate(session, query, page, size) if size else _all(session, query)
    profiles = session.execute(
        select(SupervisorProfile).where(SupervisorProfile.user_id == supervisor.id)
    ).scalars()
    return Listing(
        listing,
        _boards(session, supervisor.board_ids(Role.SUPERVISOR)),
        {(p.board_id, p.user_id): p for p in profiles},
    )


def waiting_count(session: Session, supervisor: User) -> int:
    """How many entries wait for this supervisor's decision."""
    return session.execute(
        select(func.count()).where(
            SupervisedHoursEntry.supervisor_id == supervisor.id,
            SupervisedHoursEntry.status == "pending",
            SupervisedHoursEntry.board_id.in_(supervisor.board_ids(Role.SUPERVISOR)),
        )
    ).scalar_one()


def names_supervisor(entry: SupervisedHoursEntry, supervisor: User) -> bool:
    """Whether supervisor may see entry: it names them on a board where they supervise."""
    return entry.supervisor_id == supervisor.id and supervisor.has_role(
        Role.SUPERVISOR, board_id=entry.board_id
    )


def _profile(session: Session, board_id: int, user_id: int) -> SupervisorProfile | None:
    return session.execute(
        select(SupervisorProfile).where(
            SupervisorProfile.board_id == board_id, SupervisorProfile.user_id == user_id
        )
    ).scalar()


def save_profile(
    session: Session, supervisor: User, board_id: int, license_type: str, number: str, state: str
) -> SupervisorProfile:
    """Record or change a supervisor's license for a board; a change needs re-verification."""
    errors = {}
    if not supervisor.has_role(Role.SUPERVISOR, board_id=board_id):
        errors["board_id"] = "You are not a supervisor for this board."
    if license_type not in SUPERVISOR_LICENSES:
        errors["license_type"] = "Choose one of the listed license types."
    if not number.strip():
        errors["license_number"] = "Enter your license number."
    if not state.strip():
        errors["license_state"] = "Enter the state that issued the license."
    if errors:
        raise HoursError(errors)
    values = {"license_type": license_type, "license_number": number.strip(),
              "license_state": state.strip()}  # fmt: skip
    profile = _profile(session, board_id, supervisor.id)
    before = None
    if profile is None:
        profile = SupervisorProfile(board_id=board_id, user_id=supervisor.id, **values)
        session.add(profile)
    else:
        before = {k: getattr(profile, k) for k in values} | {"verified": bool(profile.verified_at)}
        if any(getattr(profile, k) != v for k, v in values.items()):
            profile.verified_at, profile.verified_by_id = None, None
        for key, value in values.items():
            setattr(profile, key, value)
    session.flush()
    after = values | {"verified": bool(profile.verified_at)}
    audit.record(session, supervisor, "supervisor.license_recorded", profile, before, after)
    return profile


def _decidable(session: Session, supervisor: User, entry: SupervisedHoursEntry) -> None:
    if not names_supervisor(entry, supervisor):
        raise LookupError("entry does not name this supervisor")
    if entry.trainee_id == supervisor.id:
        raise HoursError({"entry": "You cannot confirm or reject your own hours."})
    if entry.status != "pending":
        raise HoursError({"entry": f"This entry was already {entry.status}."})


def confirm_entries(session: Session, supervisor: User, entries: list[SupervisedHoursEntry]) -> int:
    """Confirm pending entries naming the supervisor; email each trainee once."""
    for entry in entries:
        _decidable(session, supervisor, entry)
        if _profile(session, entry.board_id, supervisor.id) is None:
            raise HoursError({"entry": "Record your license for this board before confirming."})
    by_trainee: dict[int, list[SupervisedHoursEntry]] = {}
    for entry in entries:
        before = _snapshot(entry)
        entry.status, entry.decided_at, entry.decision_reason = "confirmed", utcnow(), None
        session.flush()
        audit.record(session, supervisor, "hours.confirmed", entry, before, _snapshot(entry))
        by_trainee.setdefault(entry.trainee_id, []).append(entry)
    for group in by_trainee.values():
        lines = "\n".join(f"- {_describe(e)} ({e.setting})" for e in group)
        mail.queue(
            session,
            group[0].trainee.email,
            f"{supervisor.full_name} confirmed {len(group)} hours entr"
            + ("y" if len(group) == 1 else "ies"),
            f"Hello {group[0].trainee.full_name},\n\n{supervisor.full_name} confirmed:\n{lines}\n\n"
            f"These hours now count toward your certification. See your totals at:\n"
            f"{external_url('certify.my_hours')}\n",
            board_id=group[0].board_id,
        )
    return len(entries)


def reject_entry(
    session: Session, supervisor: User, entry: SupervisedHoursEntry, reason: str
) -> None:
    """Reject a pending entry with a reason the trainee is emailed."""
    _decidable(session, supervisor, entry)
    if not reason.strip():
        raise HoursError({"reason": "Give a reason so the trainee knows what to correct."})
    before = _snapshot(entry)
    entry.status, entry.decided_at, entry.decision_reason = "rejected", utcnow(), reason.strip()
    session.flush()
    audit.record(session, supervisor, "hours.rejected", entry, before, _snapshot(entry))
    mail.queue(
        session,
        entry.trainee.email,
        f"{supervisor.full_name} did not confirm your hours of {entry.worked_on.isoformat()}",
        f"Hello {entry.trainee.full_name},\n\n{supervisor.full_name} rejected {_describe(entry)}"
        f" ({entry.setting}).\nReason: {entry.decision_reason}\n\nThese hours do not count."
        f" Talk with your supervisor, then log a corrected entry at:\n"
        f"{external_url('certify.new_hours')}\n",
        board_id=entry.board_id,
    )


# --- board reviewers -----------------------------------------------------------------------


def board_supervisors(
    session: Session, board_id: int, status: str = "", page: int = 1, size: int | None = 25
) -> Page:
    """Supervisors of a board with license and counts; status filters verified/unverified/none."""
    joined = and_(
        SupervisorProfile.board_id == board_id, SupervisorProfile.user_id == RoleAssignment.user_id
    )
    query = (
        select(RoleAssignment)
        .join(User, User.id == RoleAssignment.user_id)
        .outerjoin(SupervisorProfile, joined)
        .where(RoleAssignment.board_id == board_id, RoleAssignment.role == Role.SUPERVISOR.value)
    )
    if status == "unverified":
        query = query.where(
            SupervisorProfile.id.is_not(None), SupervisorProfile.verified_at.is_(None)
        )
    elif status == "verified":
        query = query.where(SupervisorProfile.verified_at.is_not(None))
    elif status == "no_license":
        query = query.where(SupervisorProfile.id.is_(None))
    query = query.order_by(SupervisorProfile.verified_at.is_not(None), User.full_name)
    found = paginate(session, query, page, size) if size else _all(session, query)
    ids = [a.user_id for a in found.items]
    profiles = {
        p.user_id: p
        for p in session.execute(
            select(SupervisorProfile).where(
                SupervisorProfile.board_id == board_id, SupervisorProfile.user_id.in_(ids)
            )
        ).scalars()
    }
    counts = session.execute(
        select(SupervisedHoursEntry.supervisor_id, SupervisedHoursEntry.status, func.count())
        .where(
            SupervisedHoursEntry.board_id == board_id, SupervisedHoursEntry.supervisor_id.in_(ids)
        )
        .group_by(SupervisedHoursEntry.supervisor_id, SupervisedHoursEntry.status)
    )
    by = {(user_id, status): n for user_id, status, n in counts}
    rows = [
        SupervisorRow(
            a.user,
            profiles.get(a.user_id),
            by.get((a.user_id, "pending"), 0),
            by.get((a.user_id, "confirmed"), 0),
        )  # fmt: skip
        for a in found.items
    ]
    return Page(rows, found.page, found.pages, found.total)


def unverified_count(session: Session, board_id: int) -> int:
    """Supervisors of a board who recorded a license that nobody has verified yet."""
    return session.execute(
        select(func.count()).where(
            SupervisorProfile.board_id == board_id, SupervisorProfile.verified_at.is_(None)
        )
    ).scalar_one()


def verify_supervisor(
    session: Session, reviewer: User, profile: SupervisorProfile, note: str = ""
) -> None:
    """Mark a supervisor's license as checked by the board and tell the supervisor."""
    if profile.verified_at is not None:
        raise HoursError({"note": "This supervisor is already verified."})
    profile.verified_at, profile.verified_by_id = utcnow(), reviewer.id
    session.flush()
    audit.record(
        session, reviewer, "supervisor.verified", profile, before={"verified": False},
        after={"verified": True, "license_type": profile.license_type,
               "license_number": profile.license_number, "note": note.strip()},
    )  # fmt: skip
    board = session.get(Board, profile.board_id)
    mail.queue(
        session,
        profile.user.email,
        f"{board.name if board else 'The board'} verified your license",
        f"Hello {profile.user.full_name},\n\nThe board checked your license "
        f"({SUPERVISOR_LICENSES[profile.license_type][0]}, {profile.license_number},"
        f" {profile.license_state}). Nothing else is needed from you.\n",
        board_id=profile.board_id,
    )


def board_entries(
    session: Session,
    board_id: int,
    status: str = "",
    supervisor_id: int | None = None,
    trainee: str = "",
    page: int = 1,
    size: int | None = 25,
) -> Listing:
    """A board's entries for its staff, with the supervisors' profiles for the badges."""
    query = select(SupervisedHoursEntry).where(SupervisedHoursEntry.board_id == board_id)
    if supervisor_id:
        query = query.where(SupervisedHoursEntry.supervisor_id == supervisor_id)
    if trainee:
        people = select(User.id).where(User.email.contains(trainee.strip().lower()))
        query = query.where(SupervisedHoursEntry.trainee_id.in_(people))
    query = _entry_query(status, "date_desc", query.whereclause)
    found = paginate(session, query, page, size) if size else _all(session, query)
    profiles = session.execute(
        select(SupervisorProfile).where(SupervisorProfile.board_id == board_id)
    ).scalars()
    return Listing(
        found, _boards(session, {board_id}), {(p.board_id, p.user_id): p for p in profiles}
    )


# --- eligibility ---------------------------------------------------------------------------


def hours_entries(session: Session, board_id: int, trainee_id: int) -> list[HoursEntry]:
    """The trainee's pending and confirmed entries of one board as the rules engine's input."""
    joined = and_(
        SupervisorProfile.board_id == SupervisedHoursEntry.board_id,
        SupervisorProfile.user_id == SupervisedHoursEntry.supervisor_id,
    )
    rows = session.execute(
        select(SupervisedHoursEntry, SupervisorProfile)
        .outerjoin(SupervisorProfile, joined)
        .where(
            SupervisedHoursEntry.board_id == board_id,
            SupervisedHoursEntry.trainee_id == trainee_id,
            SupervisedHoursEntry.status != "rejected",
        )
        .order_by(SupervisedHoursEntry.worked_on, SupervisedHoursEntry.id)
    )
    return [
        HoursEntry(
            worked_on=entry.worked_on,
            minutes=entry.minutes,
            kind=entry.kind,
            confirmed=entry.status == "confirmed",
            supervisor_license=profile.license_type if profile else None,
            supervisor_verified=bool(profile and profile.verified_at),
        )
        for entry, profile in rows
    ]
