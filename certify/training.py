"""Training services: programs, modules, cohorts, attendance, roster import, hours, coverage."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from certify.models import (
    CredentialType,
    RequirementSet,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from certify.rules import ApplicantFacts, Check, Requirements, TrainingRecord, evaluate
from core import audit, mail
from core.accounts import find_user
from core.boards import Page, paginate
from core.models import Board, Role, RoleAssignment, User, utcnow
from core.urls import external_url

ROSTER_COLUMNS = ("email", "module", "date", "minutes")
ROSTER_MAX_BYTES = 1024 * 1024
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHOLE = re.compile(r"^\d+$")


class TrainingError(ValueError):
    """A problem the person can fix; field names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RosterProblem:
    """One bad cell of a roster file (row 1 is the header)."""

    row: int
    column: str
    message: str


class RosterError(ValueError):
    """A roster file with bad rows; nothing was stored."""

    def __init__(self, problems: list[RosterProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster; nothing was stored")
        self.problems = problems


@dataclass(frozen=True)
class RosterResult:
    """What a roster import stored."""

    created: int
    updated: int
    unchanged: int


def hours_text(minutes: int | None) -> str:
    """Minutes as hours with one decimal (two for quarter hours such as 1.25)."""
    value = (minutes or 0) / 60
    return f"{value:.1f}" if round(value, 1) == value else f"{value:.2f}"


def _fold(text: str | None) -> str:
    return (text or "").strip().casefold()


def _canonical(value: str | None, known: list[str]) -> str | None:
    """The known spelling of value (compared without case), else value as typed."""
    text = (value or "").strip()
    if not text:
        return None
    return next((k for k in known if _fold(k) == _fold(text)), text)


# --- programs and modules ---------------------------------------------------------------


def _program_minutes() -> Any:
    return (
        select(func.coalesce(func.sum(TrainingModule.minutes), 0))
        .where(TrainingModule.program_id == TrainingProgram.id)
        .correlate(TrainingProgram)
        .scalar_subquery()
    )


PROGRAM_SORTS = {
    "name": lambda: func.lower(TrainingProgram.name),
    "provider": lambda: func.lower(TrainingProgram.provider),
    "hours": _program_minutes,
    "status": lambda: TrainingProgram.approved,
}


def _programs_query(board_id: int, status: str, q: str, sort: str) -> Select[Any]:
    query = select(TrainingProgram).where(TrainingProgram.board_id == board_id)
    if status in ("approved", "not_approved"):
        query = query.where(TrainingProgram.approved.is_(status == "approved"))
    if q.strip():
        needle = f"%{q.strip().lower()}%"
        query = query.where(
            func.lower(TrainingProgram.name).like(needle)
            | func.lower(TrainingProgram.provider).like(needle)
        )
    key = PROGRAM_SORTS.get(sort.lstrip("-"), PROGRAM_SORTS["name"])()
    order = key.desc() if sort.startswith("-") else key.asc()
    return query.order_by(order, TrainingProgram.id).options(selectinload(TrainingProgram.modules))


def programs_page(
    session: Session, board_id: int, page: int = 1, status: str = "", q: str = "", sort: str = ""
) -> Page:
    """One page of the board's programs, filtered by status and name/provider, sorted."""
    return paginate(session, _programs_query(board_id, status, q, sort), page)


def programs_of(session: Session, board_id: int, status: str = "", q: str = "") -> list[Any]:
    """All of the board's programs (for export and choices), by name."""
    return list(session.execute(_programs_query(board_id, status, q, "name")).scalars())


def create_program(
    session: Session, actor: User, board_id: int, name: str, provider: str
) -> TrainingProgram:
    """Add a training program (not yet approved) to a board."""
    name, provider = name.strip(), provider.strip()
    taken = session.execute(
        select(TrainingProgram.id).where(
            TrainingProgram.board_id == board_id, func.lower(TrainingProgram.name) == name.lower()
        )
    ).first()
    if taken:
        raise TrainingError(f"This board already has a program named '{name}'.", "name")
    program = TrainingProgram(board_id=board_id, name=name, provider=provider, approved=False)
    session.add(program)
    session.flush()
    after = {"name": name, "provider": provider}
    audit.record(session, actor, "training.program.created", program, after=after)
    return program


def board_categories(session: Session, board_id: int) -> list[str]:
    """The training categories named in the board's requirement sets."""
    found: dict[str, str] = {}
    for mapping in session.execute(
        select(RequirementSet.training_category_minutes).where(RequirementSet.board_id == board_id)
    ).scalars():
        for name in mapping or {}:
            found.setdefault(_fold(name), name.strip())
    return sorted(found.values(), key=str.casefold)


def performance_domains(session: Session, board_id: int) -> list[str]:
    """The distinct RDS performance domains the board's modules are mapped to."""
    found: dict[str, str] = {}
    for name in session.execute(
        select(TrainingModule.performance_domain)
        .where(TrainingModule.board_id == board_id, TrainingModule.performance_domain.is_not(None))
        .order_by(TrainingModule.id)
    ).scalars():
        if name.strip():
            found.setdefault(_fold(name), name.strip())
    return sorted(found.values(), key=str.casefold)


def _module_values(module: TrainingModule) -> dict[str, Any]:
    return {
        "title": module.title,
        "minutes": module.minutes,
        "category": module.category,
        "performance_domain": module.performance_domain,
    }


def _check_module(
    session: Session,
    program: TrainingProgram,
    module: TrainingModule | None,
    title: str,
    minutes: int,
) -> None:
    if minutes <= 0:
        raise TrainingError("A module lasts at least 0.25 hours.", "hours")
    for other in program.modules:
        if other is not module and _fold(other.title) == _fold(title):
            raise TrainingError(f"This program already has a module '{other.title}'.", "title")
    if module is not None:
        most = session.execute(
            select(func.max(TrainingAttendance.minutes)).where(
                TrainingAttendance.module_id == module.id
            )
        ).scalar()
        if most is not None and most > minutes:
            raise TrainingError(
                f"Attendance of {hours_text(most)} hours is already recorded for this module; "
                "it cannot be shorter than that.",
                "hours",
            )


def save_module(
    session: Session,
    actor: User,
    program: TrainingProgram,
    module: TrainingModule | None,
    title: str,
    minutes: int,
    category: str | None,
    performance_domain: str | None,
) -> TrainingModule:
    """Add a module at the end of a program, or change one (module given)."""
    title = title.strip()
    _check_module(session, program, module, title, minutes)
    values = {
        "title": title,
        "minutes": minutes,
        "category": _canonical(category, board_categories(session, program.board_id)),
        "performance_domain": _canonical(
            performance_domain, performance_domains(session, program.board_id)
        ),
    }
    if module is None:
        position = max((m.position for m in program.modules), default=0) + 1
        module = TrainingModule(board_id=program.board_id, program=program, position=position)
        session.add(module)
        before, action = None, "training.module.added"
    else:
        before, action = _module_values(module), "training.module.changed"
    for name, value in values.items():
        setattr(module, name, value)
    session.flush()
    after = {**_module_values(module), "program": program.name}
    audit.record(session, actor, action, module, before=before, after=after)
    return module


def move_module(session: Session, actor: User, module: TrainingModule, direction: str) -> None:
    """Move a module one place up or down in its program."""
    program = module.program
    ordered = sorted(program.modules, key=lambda m: (m.position, m.id))
    before = [m.title for m in ordered]
    index = ordered.index(module)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(ordered):
        raise TrainingError("This module cannot move further that way.")
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    session.flush()
    session.expire(program, ["modules"])
    after = [m.title for m in ordered]
    audit.record(session, actor, "training.module.moved", program, before=before, after=after)


def board_trainers(session: Session, board_id: int) -> list[User]:
    """People holding the trainer role on a board, by name."""
    return list(
        session.execute(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.board_id == board_id, RoleAssignment.role == str(Role.TRAINER))
            .order_by(User.full_name, User.email)
        ).scalars()
    )


def set_approval(
    session: Session, actor: User, program: TrainingProgram, approve: bool, reason: str
) -> None:
    """Approve a program or withdraw its approval, with a reason; trainers are told."""
    reason = reason.strip()
    if approve == program.approved:
        state = "approved" if approve else "not approved"
        raise TrainingError(f"This program is already {state}.", "reason")
    if not reason:
        raise TrainingError("Give the reason for this decision.", "reason")
    if approve and not program.modules:
        raise TrainingError("Add the curriculum's modules before approving.", "reason")
    before = {"approved": program.approved, "approved_at": program.approved_at}
    program.approved, program.approved_at = approve, utcnow() if approve else None
    session.flush()
    after = {"approved": approve, "approved_at": program.approved_at, "reason": reason}
    action = "training.program.approved" if approve else "training.program.approval_withdrawn"
    audit.record(session, actor, action, program, before=before, after=after)
    board = session.execute(select(Board).where(Board.id == program.board_id)).scalar_one()
    if approve:
        subject = f"Training program approved: {program.name}"
        text = f"{board.name} approved {program.name} ({program.provider}).\n\n"
        text += "You can now create a cohort and record attendance:\n"
        text += external_url(
            "certify.training_cohort_new", board_id=board.id, program_id=program.id
        )
    else:
        subject = f"Approval withdrawn: {program.name}"
        text = f"{board.name} withdrew its approval of {program.name}.\nReason: {reason}\n\n"
        text += "Hours from this program no longer count where the board requires approved "
        text += "training. Contact the board before running further sessions."
    for trainer in board_trainers(session, board.id):
        mail.queue(
            session, trainer.email, subject, f"Hello {trainer.full_name},\n\n{text}\n", board.id
        )


# --- cohorts and attendance --------------------------------------------------------------


def cohorts_page(
    session: Session,
    board_id: int,
    page: int = 1,
    trainer_id: int | None = None,
    program_id: int | None = None,
) -> Page:
    """One page of a board's cohorts, newest first; only a trainer's own when trainer_id given."""
    query = select(TrainingCohort).where(TrainingCohort.board_id == board_id)
    if trainer_id is not None:
        query = query.where(TrainingCohort.trainer_id == trainer_id)
    if program_id:
        query = query.where(TrainingCohort.program_id == program_id)
    query = query.order_by(TrainingCohort.starts_on.desc(), TrainingCohort.id.desc()).options(
        selectinload(TrainingCohort.program), selectinload(TrainingCohort.trainer)
    )
    return paginate(session, query, page)


def trainer_cohorts(session: Session, trainer_id: int, limit: int = 10) -> list[TrainingCohort]:
    """The cohorts a trainer leads, newest first (for the dashboard)."""
    query = (
        select(TrainingCohort)
        .where(TrainingCohort.trainer_id == trainer_id)
        .order_by(TrainingCohort.starts_on.desc(), TrainingCohort.id.desc())
        .options(selectinload(TrainingCohort.program))
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def create_cohort(
    session: Session,
    actor: User,
    board_id: int,
    program_id: int,
    name: str,
    starts_on: date,
    trainer_id: int | None,
) -> TrainingCohort:
    """Start a cohort of an approved program, led by one of the board's trainers."""
    program = session.get(TrainingProgram, program_id)
    if program is None or program.board_id != board_id:
        raise TrainingError("Choose one of this board's programs.", "program_id")
    if not program.approved:
        raise TrainingError("Only approved programs can run cohorts.", "program_id")
    if trainer_id and trainer_id not in {t.id for t in board_trainers(session, board_id)}:
        raise TrainingError("Choose one of this board's trainers.", "trainer_id")
    cohort = TrainingCohort(
        board_id=board_id,
        program_id=program.id,
        name=name.strip(),
        starts_on=starts_on,
        trainer_id=trainer_id or None,
    )
    session.add(cohort)
    session.flush()
    after = {"name": cohort.name, "program": program.name, "starts_on": starts_on}
    audit.record(
        session,
        actor,
        "training.cohort.created",
        cohort,
        after={**after, "trainer_id": cohort.trainer_id},
    )
    return cohort


def find_trainee(session: Session, board_id: int, email: str) -> User | None:
    """The trainee of this board with this email, if any."""
    user = find_user(session, email)
    if user is None or not user.has_role(Role.TRAINEE, board_id=board_id):
        return None
    return user


def _store(
    session: Session,
    actor: User,
    cohort: TrainingCohort,
    module: TrainingModule,
    trainee: User,
    attended_on: date,
    minutes: int,
) -> tuple[TrainingAttendance, str]:
    """Insert or update one attendance row; return it and 'created', 'updated' or 'unchanged'."""
    row = session.execute(
        select(TrainingAttendance).where(
            TrainingAttendance.cohort_id == cohort.id,
            TrainingAttendance.module_id == module.id,
            TrainingAttendance.trainee_id == trainee.id,
        )
    ).scalar()
    if row is None:
        row = TrainingAttendance(
            board_id=cohort.board_id,
            cohort_id=cohort.id,
            module_id=module.id,
            trainee_id=trainee.id,
            attended_on=attended_on,
            minutes=minutes,
            recorded_by_id=actor.id,
        )
        session.add(row)
        session.flush()
        return row, "created"
    if (row.attended_on, row.minutes) == (attended_on, minutes):
        return row, "unchanged"
    before = {"attended_on": row.attended_on, "minutes": row.minutes}
    row.attended_on, row.minutes = attended_on, minutes
    row.recorded_by_id, row.recorded_at = actor.id, utcnow()
    session.flush()
    after = {"attended_on": attended_on, "minutes": minutes, "trainee": trainee.email}
    audit.record(session, actor, "training.attendance.changed", row, before=before, after=after)
    return row, "updated"


def _tell_trainee(session: Session, trainee: User, cohort: TrainingCohort, modules: int) -> None:
    mail.queue(
        session,
        trainee.email,
        f"Training attendance recorded: {cohort.program.name}",
        f"Hello {trainee.full_name},\n\nYour attendance of {modules} module(s) of "
        f"{cohort.program.name} (cohort {cohort.name}) was recorded.\n\n"
        f"See your training hours by category:\n{external_url('certify.my_training')}\n",
        cohort.board_id,
    )


def record_attendance(
    session: Session,
    actor: User,
    cohort: TrainingCohort,
    email: str,
    module_id: int,
    attended_on: date,
    minutes: int,
    today: date,
) -> TrainingAttendance:
    """Record (or correct) one trainee's minutes of one module of a cohort."""
    trainee = find_trainee(session, cohort.board_id, email)
    if trainee is None:
        raise TrainingError(f"No trainee of this board has the email {email.strip()}.", "email")
    module = session.get(TrainingModule, module_id)
    if module is None or module.program_id != cohort.program_id:
        raise TrainingError("Choose a module of this cohort's program.", "module_id")
    if attended_on > today:
        raise TrainingError(
            "The date is in the future; record attendance once it happened.", "attended_on"
        )
    if not 0 <= minutes <= module.minutes:
        raise TrainingError(
            f"Enter 0 to {module.minutes} minutes (the module's length).", "minutes"
        )
    row, outcome = _store(session, actor, cohort, module, trainee, attended_on, minutes)
    if outcome == "created":
        after = {
            "trainee": trainee.email,
            "module": module.title,
            "minutes": minutes,
            "attended_on": attended_on,
        }
        audit.record(session, actor, "training.attendance.recorded", row, after=after)
    if outcome != "unchanged":
        _tell_trainee(session, trainee, cohort, 1)
    return row


def _read_roster(data: bytes, problems: list[RosterProblem]) -> list[tuple[int, dict[str, str]]]:
    """Parse a roster file into (row number, cells by column); header problems go to problems."""
    if len(data) > ROSTER_MAX_BYTES:
        problems.append(RosterProblem(1, "file", "The file is larger than 1 MB."))
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(RosterProblem(1, "file", "The file is not UTF-8 text; save it as CSV."))
        return []
    lines = list(csv.reader(io.StringIO(text)))
    header = [_fold(cell) for cell in lines[0]] if lines else []
    missing = [name for name in ROSTER_COLUMNS if name not in header]
    for name in missing:
        problems.append(RosterProblem(1, name, f"The header has no '{name}' column."))
    if missing:
        return []
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            problems.append(
                RosterProblem(number, "row", f"{len(cells)} cells; the header has {len(header)}.")
            )
        cells = cells + [""] * (len(header) - len(cells))
        rows.append((number, {name: cells[header.index(name)].strip() for name in ROSTER_COLUMNS}))
    if not rows and not problems:
        problems.append(RosterProblem(1, "file", "The file has no rows after the header."))
    return rows


def _check_row(
    number: int,
    cells: dict[str, str],
    trainee: User | None,
    module: TrainingModule | None,
    module_count: int,
    today: date,
) -> tuple[list[RosterProblem], date | None, int | None]:
    """The problems of one roster row, its date and its minutes."""
    problems = []

    def bad(column: str, message: str) -> None:
        problems.append(RosterProblem(number, column, message))

    if trainee is None:
        bad(
            "email",
            f"'{cells['email']}' is not a trainee of this board."
            if cells["email"]
            else "The email is empty.",
        )
    if module is None:
        bad("module", f"No module '{cells['module']}'; use a title or a number 1-{module_count}.")
    attended_on = None
    if not _ISO_DATE.match(cells["date"]):
        bad("date", f"'{cells['date']}' is not a date as YYYY-MM-DD.")
    else:
        try:
            attended_on = date.fromisoformat(cells["date"])
        except ValueError:
            bad("date", f"{cells['date']} is not a calendar date.")
        if attended_on is not None and attended_on > today:
            bad("date", f"{attended_on} is in the future.")
    minutes = int(cells["minutes"]) if _WHOLE.match(cells["minutes"]) else None
    if minutes is None:
        bad("minutes", f"'{cells['minutes']}' is not a whole number of minutes.")
    elif module is not None and minutes > module.minutes:
        bad("minutes", f"{minutes} is more than the module's {module.minutes} minutes.")
    return problems, attended_on, minutes


def import_roster(
    session: Session, actor: User, cohort: TrainingCohort, data: bytes, today: date
) -> RosterResult:
    """Store a roster CSV (email,module,date,minutes) all or nothing; re-sent rows update."""
    problems: list[RosterProblem] = []
    rows = _read_roster(data, problems)
    ordered = sorted(cohort.program.modules, key=lambda m: (m.position, m.id))
    by_key = {str(i): m for i, m in enumerate(ordered, start=1)}
    by_key.update({_fold(m.title): m for m in ordered})
    trainees: dict[str, User | None] = {}
    first_row: dict[tuple[int, int], int] = {}
    good = []
    for number, cells in rows:
        email = cells["email"].lower()
        if email not in trainees:
            trainees[email] = find_trainee(session, cohort.board_id, email) if email else None
        trainee, module = trainees[email], by_key.get(_fold(cells["module"]))
        found, attended_on, minutes = _check_row(
            number, cells, trainee, module, len(ordered), today
        )
        if trainee is not None and module is not None:
            first = first_row.setdefault((trainee.id, module.id), number)
            if first != number:
                found.append(
                    RosterProblem(
                        number, "module", f"Repeats row {first} (same trainee and module)."
                    )
                )
        problems += found
        if not found:
            good.append((trainee, module, attended_on, minutes))
    if problems:
        raise RosterError(problems)
    counts: dict[str, int] = defaultdict(int)
    changed: dict[int, list[TrainingAttendance]] = defaultdict(list)
    created = []
    for trainee, module, attended_on, minutes in good:
        row, outcome = _store(session, actor, cohort, module, trainee, attended_on, minutes)
        counts[outcome] += 1
        if outcome != "unchanged":
            changed[trainee.id].append(row)
        if outcome == "created":
            created.append([trainee.email, module.title, attended_on, minutes])
    result = RosterResult(counts["created"], counts["updated"], counts["unchanged"])
    after = {"created": result.created, "updated": result.updated, "rows": created}
    audit.record(session, actor, "training.roster.imported", cohort, after=after)
    for rows_of_one in changed.values():
        _tell_trainee(session, rows_of_one[0].trainee, cohort, len(rows_of_one))
    return result


def attendance_query(cohort: TrainingCohort, trainee: str = "") -> Select[Any]:
    query = (
        select(TrainingAttendance)
        .join(User, TrainingAttendance.trainee_id == User.id)
        .join(TrainingModule, TrainingAttendance.module_id == TrainingModule.id)
        .where(TrainingAttendance.cohort_id == cohort.id)
    )
    if trainee.strip():
        query = query.where(func.lower(User.email).contains(trainee.strip().lower()))
    return query.order_by(User.email, TrainingModule.position, TrainingAttendance.id).options(
        selectinload(TrainingAttendance.trainee), selectinload(TrainingAttendance.module)
    )


def attendance_page(
    session: Session, cohort: TrainingCohort, page: int = 1, trainee: str = ""
) -> Page:
    """One page of a cohort's attendance by trainee email and module order."""
    return paginate(session, attendance_query(cohort, trainee), page, size=50)


# --- what trainees see -------------------------------------------------------------------


def _attendance_of(session: Session, board_id: int, trainee_id: int) -> list[TrainingAttendance]:
    return list(
        session.execute(
            select(TrainingAttendance)
            .where(
                TrainingAttendance.board_id == board_id, TrainingAttendance.trainee_id == trainee_id
            )
            .order_by(TrainingAttendance.attended_on.desc(), TrainingAttendance.id)
            .options(
                selectinload(TrainingAttendance.module),
                selectinload(TrainingAttendance.cohort).selectinload(TrainingCohort.program),
            )
        ).scalars()
    )


def _as_record(row: TrainingAttendance) -> TrainingRecord:
    return TrainingRecord(
        completed_on=row.attended_on,
        minutes=row.minutes,
        category=row.module.category,
        approved=row.cohort.program.approved,
        program=row.cohort.program.name,
    )


def training_records(session: Session, board_id: int, trainee_id: int) -> list[TrainingRecord]:
    """The trainee's attendance on a board as the eligibility engine's training records."""
    return [_as_record(row) for row in _attendance_of(session, board_id, trainee_id)]


@dataclass(frozen=True)
class TrainingGoal:
    """One credential type's training checks for a trainee."""

    credential: str
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class TraineeTraining:
    """A trainee's training on one board: totals, hours by category, goals and rows."""

    board: Board
    total_minutes: int
    by_category: tuple[tuple[str, int], ...]
    goals: tuple[TrainingGoal, ...]
    rows: tuple[TrainingAttendance, ...]


def trainee_training(session: Session, user: User, as_of: date) -> list[TraineeTraining]:
    """For every board where user is a trainee, the hours by category against its rules."""
    boards = session.execute(
        select(Board)
        .join(RoleAssignment, RoleAssignment.board_id == Board.id)
        .where(RoleAssignment.user_id == user.id, RoleAssignment.role == str(Role.TRAINEE))
        .order_by(Board.name)
    ).scalars()
    result = []
    for board in boards:
        rows = _attendance_of(session, board.id, user.id)
        records = tuple(_as_record(row) for row in rows)
        by_category: dict[str, int] = defaultdict(int)
        for record in records:
            by_category[record.category or "Uncategorised"] += record.minutes
        goals = []
        for name, rules in session.execute(
            select(CredentialType.name, RequirementSet)
            .join(RequirementSet, RequirementSet.credential_type_id == CredentialType.id)
            .where(CredentialType.board_id == board.id)
            .order_by(CredentialType.name)
        ).all():
            if rules.training_minutes is None and not rules.training_category_minutes:
                continue
            requirements = Requirements(
                training_minutes=rules.training_minutes,
                training_category_minutes={
                    k: int(v) for k, v in (rules.training_category_minutes or {}).items()
                },
                training_lookback_years=rules.training_lookback_years,
                approved_training_only=rules.approved_training_only,
            )
            checks = evaluate(requirements, ApplicantFacts(training=records), as_of).checks
            goals.append(TrainingGoal(name, checks))
        result.append(
            TraineeTraining(
                board,
                sum(r.minutes for r in records),
                tuple(sorted(by_category.items(), key=lambda item: item[0].casefold())),
                tuple(goals),
                tuple(rows),
            )
        )
    return result


def trainee_totals(session: Session, user_id: int) -> list[tuple[Board, int]]:
    """Total recorded training minutes per board of a trainee (for the dashboard)."""
    rows = session.execute(
        select(Board, func.coalesce(func.sum(TrainingAttendance.minutes), 0))
        .join(RoleAssignment, RoleAssignment.board_id == Board.id)
        .outerjoin(
            TrainingAttendance,
            (TrainingAttendance.board_id == Board.id) & (TrainingAttendance.trainee_id == user_id),
        )
        .where(RoleAssignment.user_id == user_id, RoleAssignment.role == str(Role.TRAINEE))
        .group_by(Board.id)
        .order_by(Board.name)
    ).all()
    return [(board, int(minutes)) for board, minutes in rows]


# --- the board's view --------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One approved program's hours per performance domain."""

    program: TrainingProgram
    minutes: tuple[int, ...]
    unmapped: int
    total: int


@dataclass(frozen=True)
class Coverage:
    """Which performance domains each approved curriculum covers, in minutes."""

    domains: tuple[str, ...]
    rows: tuple[CoverageRow, ...]

    def programs_covering(self) -> list[int]:
        """For each domain, how many approved programs spend time on it."""
        return [sum(1 for r in self.rows if r.minutes[i]) for i in range(len(self.domains))]


def coverage(session: Session, board_id: int) -> Coverage:
    """The coverage matrix: approved programs by the board's modules' performance domains."""
    domains = performance_domains(session, board_id)
    index = {_fold(d): i for i, d in enumerate(domains)}
    rows = []
    for program in programs_of(session, board_id, status="approved"):
        minutes = [0] * len(domains)
        unmapped = 0
        for module in program.modules:
            if _fold(module.performance_domain) in index:
                minutes[index[_fold(module.performance_domain)]] += module.minutes
            else:
                unmapped += module.minutes
        rows.append(CoverageRow(program, tuple(minutes), unmapped, sum(minutes) + unmapped))
    return Coverage(tuple(domains), tuple(rows))


def board_overview(session: Session, board_id: int) -> dict[str, int]:
    """Counts for the board's training panel."""
    programs = programs_of(session, board_id)
    return {
        "programs": len(programs),
        "approved": sum(1 for p in programs if p.approved),
        "cohorts": cohorts_page(session, board_id).total,
        "domains": len(performance_domains(session, board_id)),
    }


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    """CSV text; cells that a spreadsheet would run as formulas are quoted with '."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in [header, *rows]:
        writer.writerow(
            ["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row]
        )
    return out.getvalue()


def coverage_csv(matrix: Coverage) -> str:
    """The coverage matrix as CSV, hours with one decimal."""
    header = ["program", "provider", *matrix.domains, "no domain", "total hours"]
    rows = [
        [
            r.program.name,
            r.program.provider,
            *(hours_text(m) for m in r.minutes),
            hours_text(r.unmapped),
            hours_text(r.total),
        ]
        for r in matrix.rows
    ]
    return to_csv(header, rows)


def roster_template(cohort: TrainingCohort) -> str:
    """A roster CSV to fill in: the header and one example row per module."""
    ordered = sorted(cohort.program.modules, key=lambda m: (m.position, m.id))
    example = cohort.starts_on.isoformat()
    rows = [["trainee@example.org", m.title, example, m.minutes] for m in ordered]
    return to_csv(list(ROSTER_COLUMNS), rows)
