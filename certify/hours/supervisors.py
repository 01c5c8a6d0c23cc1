"""Supervisors confirm or reject logged hours; board reviewers verify supervisors' licenses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from certify.hours.services import (
    STATUSES,
    HoursError,
    Listing,
    boards_by_id,
    describe_entry,
    entry_snapshot,
    whole_page,
)
from certify.models import SUPERVISOR_LICENSES, SupervisedHoursEntry, SupervisorProfile
from core import accounts, audit, mail
from core.boards import PAGE_SIZE, Page, count_of, paginate, paginate_keyset
from core.exports import stream_rows
from core.models import Board, Role, RoleAssignment, User, utcnow
from core.urls import external_url


@dataclass(frozen=True)
class SupervisorRow:
    """A supervisor of a board with their license profile and entry counts."""

    user: User
    profile: SupervisorProfile | None
    pending: int
    confirmed: int


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
    listing = paginate(session, query, page, size) if size else whole_page(session, query)
    profiles = session.execute(
        select(SupervisorProfile).where(SupervisorProfile.user_id == supervisor.id)
    ).scalars()
    return Listing(
        listing,
        boards_by_id(session, supervisor.board_ids(Role.SUPERVISOR)),
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
        before = entry_snapshot(entry)
        entry.status, entry.decided_at, entry.decision_reason = "confirmed", utcnow(), None
        session.flush()
        audit.record(session, supervisor, "hours.confirmed", entry, before, entry_snapshot(entry))
        by_trainee.setdefault(entry.trainee_id, []).append(entry)
    for group in by_trainee.values():
        lines = "\n".join(f"- {describe_entry(e)} ({e.setting})" for e in group)
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
    before = entry_snapshot(entry)
    entry.status, entry.decided_at, entry.decision_reason = "rejected", utcnow(), reason.strip()
    session.flush()
    audit.record(session, supervisor, "hours.rejected", entry, before, entry_snapshot(entry))
    mail.queue(
        session,
        entry.trainee.email,
        f"{supervisor.full_name} did not confirm your hours of {entry.worked_on.isoformat()}",
        f"Hello {entry.trainee.full_name},\n\n{supervisor.full_name} rejected"
        f" {describe_entry(entry)} ({entry.setting}).\nReason: {entry.decision_reason}\n\n"
        "These hours do not count."
        f" Talk with your supervisor, then log a corrected entry at:\n"
        f"{external_url('certify.new_hours')}\n",
        board_id=entry.board_id,
    )


# --- supervisors named by trainees, waiting for the board ----------------------------------


@dataclass(frozen=True)
class NomineeRow:
    """A person trainees named as supervisor who holds no supervisor role on the board yet."""

    user: User
    entries: int
    trainees: int
    first_named: date


def _named_not_supervisors(board_id: int) -> Any:
    """The people named on the board's pending entries who hold no supervisor role there:
    the names grouped first (an index-only scan of ix_supervised_hours_entry_board_status_
    supervisor), then each name checked once, not each of the board's pending entries."""
    named = (
        select(SupervisedHoursEntry.supervisor_id)
        .where(SupervisedHoursEntry.board_id == board_id, SupervisedHoursEntry.status == "pending")
        .group_by(SupervisedHoursEntry.supervisor_id)
        .subquery()
    )
    return select(named.c.supervisor_id).where(
        ~select(RoleAssignment.id)
        .where(
            RoleAssignment.user_id == named.c.supervisor_id,
            RoleAssignment.board_id == board_id,
            RoleAssignment.role == Role.SUPERVISOR.value,
        )
        .exists()
    )


def pending_supervisors(session: Session, board_id: int) -> list[NomineeRow]:
    """The pending-supervisors list: people named on pending entries of the board who are not
    its supervisors; naming someone grants nothing until the board approves them here."""
    nominees = _named_not_supervisors(board_id).subquery()
    rows = session.execute(
        select(
            User,
            func.count(SupervisedHoursEntry.id),
            func.count(SupervisedHoursEntry.trainee_id.distinct()),
            func.min(SupervisedHoursEntry.created_at),
        )
        .select_from(nominees)
        .join(User, User.id == nominees.c.supervisor_id)
        .join(
            SupervisedHoursEntry,
            and_(
                SupervisedHoursEntry.supervisor_id == nominees.c.supervisor_id,
                SupervisedHoursEntry.board_id == board_id,
                SupervisedHoursEntry.status == "pending",
            ),
        )
        .group_by(User.id)
        .order_by(func.min(SupervisedHoursEntry.created_at), User.id)
    ).all()
    return [NomineeRow(user, n, t, first.date()) for user, n, t, first in rows]


def pending_supervisor_count(session: Session, board_id: int) -> int:
    """How many named supervisors wait for the board's approval (one statement)."""
    nominees = _named_not_supervisors(board_id).subquery()
    return session.execute(select(func.count()).select_from(nominees)).scalar_one()


def _nominee_entries(session: Session, board: Board, nominee: User) -> list[SupervisedHoursEntry]:
    entries = list(
        session.execute(
            select(SupervisedHoursEntry).where(
                SupervisedHoursEntry.board_id == board.id,
                SupervisedHoursEntry.supervisor_id == nominee.id,
                SupervisedHoursEntry.status == "pending",
            )
        ).scalars()
    )
    if not entries or nominee.has_role(Role.SUPERVISOR, board_id=board.id):
        raise HoursError({"entry": f"{nominee.full_name} is not waiting to be approved."})
    return entries


def approve_supervisor(session: Session, reviewer: User, board: Board, nominee: User) -> int:
    """The board accepts a named supervisor: the supervisor role on this board, and an email
    (an activation link for a new account). Returns how many entries now wait for them."""
    entries = _nominee_entries(session, board, nominee)
    if reviewer.id in {e.trainee_id for e in entries}:
        raise HoursError(
            {"entry": "You named this supervisor yourself: another member of the board's staff "
             "approves them (separation of duties)."}
        )  # fmt: skip
    accounts.grant_role(session, nominee, Role.SUPERVISOR, board)
    audit.record(
        session, reviewer, "supervisor.approved", nominee,
        after={"email": nominee.email, "entries_waiting": len(entries)}, board_id=board.id,
    )  # fmt: skip
    n = len(entries)
    waiting = f"{n} entr{'y' if n == 1 else 'ies'} of hours wait{'s' if n == 1 else ''}"
    queue_link = external_url("certify.supervise")
    if nominee.activated_at is None:
        token = accounts.issue_token(session, nominee, "activation")
        body = (
            f"Hello {nominee.full_name},\n\n{board.name} approved you as a supervisor: trainees "
            f"named you, and {waiting} for your confirmation.\n\nWhat to do next:\n"
            f"1. Activate your account and choose a password (the link works once):\n"
            f"   {external_url('auth.activate', token=token)}\n"
            "2. Record your license type, number and state on your supervisor page; the board "
            "verifies it, and only then do the hours you confirm count.\n"
            f"3. Confirm or reject the hours there:\n   {queue_link}\n"
        )
        subject = f"{board.name} approved you as a supervisor — activate your account"
    else:
        body = (
            f"Hello {nominee.full_name},\n\n{board.name} approved you as a supervisor: "
            f"{waiting} for your confirmation at\n{queue_link}\n\nRecord your license there if "
            "you have not; the hours you confirm count once the board verified it.\n"
        )
        subject = f"{board.name} approved you as a supervisor"
    mail.queue(session, nominee.email, subject, body, board_id=board.id)
    return len(entries)


def decline_supervisor(
    session: Session, reviewer: User, board: Board, nominee: User, reason: str
) -> int:
    """The board does not accept a named supervisor: their pending entries on this board are
    rejected with the reason, and each trainee is told once. Returns how many were rejected."""
    if not reason.strip():
        raise HoursError({"reason": "Give the reason the trainees will read."})
    entries = _nominee_entries(session, board, nominee)
    why = f"The board did not approve {nominee.full_name} as a supervisor: {reason.strip()}"
    by_trainee: dict[int, list[SupervisedHoursEntry]] = {}
    for entry in entries:
        before = entry_snapshot(entry)
        entry.status, entry.decided_at, entry.decision_reason = "rejected", utcnow(), why
        session.flush()
        audit.record(session, reviewer, "hours.rejected", entry, before, entry_snapshot(entry))
        by_trainee.setdefault(entry.trainee_id, []).append(entry)
    audit.record(
        session, reviewer, "supervisor.declined", nominee,
        after={"email": nominee.email, "reason": reason.strip(), "entries": len(entries)},
        board_id=board.id,
    )  # fmt: skip
    for group in by_trainee.values():
        lines = "\n".join(f"- {describe_entry(e)} ({e.setting})" for e in group)
        mail.queue(
            session,
            group[0].trainee.email,
            f"{board.name} did not approve {nominee.full_name} as your supervisor",
            f"Hello {group[0].trainee.full_name},\n\n{why}\n\nThese entries do not count:\n"
            f"{lines}\n\nLog them again with a supervisor the board accepts:\n"
            f"{external_url('certify.new_hours')}\n",
            board_id=board.id,
        )
    return len(entries)


# --- board reviewers -----------------------------------------------------------------------


def _supervisors_query(
    board_id: int, status: str, *columns: Any, accounts: bool = True
) -> Select[Any]:
    """The board's supervisors with their profiles, unverified first, by name; accounts=False
    leaves the accounts out of the join (a page looks the names up per supervisor row and
    loads the accounts of its rows alone, never reading every account of a large board)."""
    joined = and_(
        SupervisorProfile.board_id == board_id, SupervisorProfile.user_id == RoleAssignment.user_id
    )
    query = select(*columns).select_from(RoleAssignment)
    if accounts:
        query = query.join(User, User.id == RoleAssignment.user_id)
    query = query.outerjoin(SupervisorProfile, joined).where(
        RoleAssignment.board_id == board_id, RoleAssignment.role == Role.SUPERVISOR.value
    )
    if status == "unverified":
        query = query.where(
            SupervisorProfile.id.is_not(None), SupervisorProfile.verified_at.is_(None)
        )
    elif status == "verified":
        query = query.where(SupervisorProfile.verified_at.is_not(None))
    elif status == "no_license":
        query = query.where(SupervisorProfile.id.is_(None))
    name = (
        User.full_name
        if accounts
        else select(User.full_name).where(User.id == RoleAssignment.user_id).scalar_subquery()
    )
    return query.order_by(SupervisorProfile.verified_at.is_not(None), name, RoleAssignment.id)


def board_supervisors(session: Session, board_id: int, status: str = "", page: int = 1) -> Page:
    """Supervisors of a board with license and counts; status filters verified/unverified/none."""
    query = _supervisors_query(board_id, status, RoleAssignment, SupervisorProfile, accounts=False)
    query = query.options(selectinload(RoleAssignment.user))
    total = count_of(session, query)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    found = session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    ids = [a.user_id for a, _ in found]
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
            a.user, profile, by.get((a.user_id, "pending"), 0), by.get((a.user_id, "confirmed"), 0)
        )
        for a, profile in found
    ]
    return Page(rows, page, pages, total)


def board_supervisor_rows(session: Session, board_id: int, status: str = "") -> Iterator[Any]:
    """Every supervisor of the board as plain values for the export, with entry counts:
    one streamed statement."""
    entries = (
        select(
            SupervisedHoursEntry.supervisor_id.label("user_id"),
            func.sum(case((SupervisedHoursEntry.status == "pending", 1), else_=0)).label("pending"),
            func.sum(case((SupervisedHoursEntry.status == "confirmed", 1), else_=0)).label("done"),
        )
        .where(SupervisedHoursEntry.board_id == board_id)
        .group_by(SupervisedHoursEntry.supervisor_id)
        .subquery()
    )
    query = _supervisors_query(
        board_id,
        status,
        User.full_name,
        User.email,
        SupervisorProfile.license_type,
        SupervisorProfile.license_number,
        SupervisorProfile.license_state,
        SupervisorProfile.verified_at,
        func.coalesce(entries.c.pending, 0),
        func.coalesce(entries.c.done, 0),
    ).outerjoin(entries, entries.c.user_id == RoleAssignment.user_id)  # fmt: skip
    return stream_rows(session, query)


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


def _board_entries_query(
    board_id: int, status: str, supervisor_id: int | None, trainee: str
) -> Select[Any]:
    query = select(SupervisedHoursEntry).where(SupervisedHoursEntry.board_id == board_id)
    if status in STATUSES:
        query = query.where(SupervisedHoursEntry.status == status)
    if supervisor_id:
        query = query.where(SupervisedHoursEntry.supervisor_id == supervisor_id)
    if trainee:
        people = select(User.id).where(User.email.contains(trainee.strip().lower()))
        query = query.where(SupervisedHoursEntry.trainee_id.in_(people))
    return query


def board_entries(
    session: Session,
    board_id: int,
    status: str = "",
    supervisor_id: int | None = None,
    trainee: str = "",
    older: str | None = None,
    newer: str | None = None,
    size: int = 25,
) -> Listing:
    """A page of a board's entries for its staff, newest first (read by key, not offset),
    with the trainees, supervisors and their profiles loaded in the same few statements."""
    query = _board_entries_query(board_id, status, supervisor_id, trainee).options(
        joinedload(SupervisedHoursEntry.trainee), joinedload(SupervisedHoursEntry.supervisor)
    )
    keys = [(SupervisedHoursEntry.worked_on, date), (SupervisedHoursEntry.id, int)]
    found = paginate_keyset(session, query, keys, older, newer, size)
    shown = {e.supervisor_id for e in found.items}
    profiles = session.execute(
        select(SupervisorProfile).where(
            SupervisorProfile.board_id == board_id, SupervisorProfile.user_id.in_(shown)
        )
    ).scalars()
    return Listing(
        found, boards_by_id(session, {board_id}), {(p.board_id, p.user_id): p for p in profiles}
    )


def board_entries_count(
    session: Session, board_id: int, status: str = "", supervisor_id: int | None = None,
    trainee: str = "",
) -> int:  # fmt: skip
    """How many entries the board's export of these filters holds."""
    return count_of(session, _board_entries_query(board_id, status, supervisor_id, trainee))


def board_entry_rows(
    session: Session, board_id: int, status: str = "", supervisor_id: int | None = None,
    trainee: str = "",
) -> Iterator[Any]:  # fmt: skip
    """Every matching entry as a row of plain values for the export, newest first: one
    streamed statement (trainee, supervisor and license joined in), never all rows at once."""
    trainee_user, supervisor_user = aliased(User), aliased(User)
    entry = SupervisedHoursEntry
    filters = _board_entries_query(board_id, status, supervisor_id, trainee).whereclause
    where = cast(ColumnElement[bool], filters)  # never None: the board is always a filter
    query = (
        select(
            entry.id,
            Board.name,
            trainee_user.full_name,
            trainee_user.email,
            entry.worked_on,
            entry.kind,
            entry.minutes,
            entry.setting,
            entry.paid,
            entry.performance_domain,
            entry.notes,
            supervisor_user.full_name,
            supervisor_user.email,
            entry.status,
            entry.decision_reason,
            SupervisorProfile.verified_at,
        )  # fmt: skip
        .join(Board, Board.id == entry.board_id)
        .join(trainee_user, trainee_user.id == entry.trainee_id)
        .join(supervisor_user, supervisor_user.id == entry.supervisor_id)
        .outerjoin(
            SupervisorProfile,
            and_(
                SupervisorProfile.board_id == entry.board_id,
                SupervisorProfile.user_id == entry.supervisor_id,
            ),
        )
        .where(where)
        .order_by(entry.worked_on.desc(), entry.id.desc())
    )
    return stream_rows(session, query)
