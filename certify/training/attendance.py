"""Training attendance: recording it one row at a time, roster CSV import and template."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from certify import plausibility
from certify.models import TrainingAttendance, TrainingCohort, TrainingModule
from certify.training.services import TrainingError, fold
from core import audit, mail
from core.accounts import find_user
from core.boards import Page, paginate
from core.exports import csv_text, stream_rows
from core.models import Board, Role, User, utcnow
from core.sheets import duplicated_headers
from core.urls import external_url

ROSTER_COLUMNS = ("email", "module", "date", "minutes")
ROSTER_MAX_BYTES = 1024 * 1024
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHOLE = re.compile(r"^\d+$")


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


def _date_problem(
    session: Session, cohort: TrainingCohort, trainee: User, attended_on: date, today: date
) -> str | None:
    """Why attended_on cannot be the date of the trainee's attendance (see plausibility)."""
    board = session.get(Board, cohort.board_id)
    return plausibility.record_date_problem(
        attended_on,
        today,
        earliest=plausibility.earliest_record_date(board)
        if board
        else plausibility.DEFAULT_EARLIEST,
        born=plausibility.birth_date_of(session, cohort.board_id, trainee.id),
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
    problem = plausibility.quarter_hours_problem(minutes) or _date_problem(
        session, cohort, trainee, attended_on, today
    )
    if problem:
        raise TrainingError(problem, "attended_on" if "minutes" not in problem else "minutes")
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
    header = [fold(cell) for cell in lines[0]] if lines else []
    for twice in duplicated_headers(header):
        problems.append(RosterProblem(1, twice, f"The header names the '{twice}' column twice."))
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
    elif plausibility.quarter_hours_problem(minutes):
        bad("minutes", str(plausibility.quarter_hours_problem(minutes)))
    return problems, attended_on, minutes


def import_roster(
    session: Session, actor: User, cohort: TrainingCohort, data: bytes, today: date
) -> RosterResult:
    """Store a roster CSV (email,module,date,minutes) all or nothing; re-sent rows update."""
    problems: list[RosterProblem] = []
    rows = _read_roster(data, problems)
    ordered = sorted(cohort.program.modules, key=lambda m: (m.position, m.id))
    by_key = {str(i): m for i, m in enumerate(ordered, start=1)}
    by_key.update({fold(m.title): m for m in ordered})
    trainees: dict[str, User | None] = {}
    first_row: dict[tuple[int, int], int] = {}
    good: list[tuple[User, TrainingModule, date, int]] = []
    for number, cells in rows:
        email = cells["email"].lower()
        if email not in trainees:
            trainees[email] = find_trainee(session, cohort.board_id, email) if email else None
        trainee, module = trainees[email], by_key.get(fold(cells["module"]))
        found, attended_on, minutes = _check_row(
            number, cells, trainee, module, len(ordered), today
        )
        if trainee is not None and attended_on is not None and attended_on <= today:
            problem = _date_problem(session, cohort, trainee, attended_on, today)
            if problem:
                found.append(RosterProblem(number, "date", problem))
        if trainee is not None and module is not None:
            first = first_row.setdefault((trainee.id, module.id), number)
            if first != number:
                found.append(
                    RosterProblem(
                        number, "module", f"Repeats row {first} (same trainee and module)."
                    )
                )
        problems += found
        if not found and trainee and module and attended_on and minutes is not None:
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
    """A cohort's attendance by trainee email and module order, optionally one trainee's."""
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


def attendance_rows(session: Session, cohort: TrainingCohort) -> Iterator[Any]:
    """A cohort's attendance as (email, name, module, date, minutes) rows: one streamed query."""
    query = (
        select(
            User.email,
            User.full_name,
            TrainingModule.title,
            TrainingAttendance.attended_on,
            TrainingAttendance.minutes,
        )  # fmt: skip
        .select_from(TrainingAttendance)
        .join(User, TrainingAttendance.trainee_id == User.id)
        .join(TrainingModule, TrainingAttendance.module_id == TrainingModule.id)
        .where(TrainingAttendance.cohort_id == cohort.id)
        .order_by(User.email, TrainingModule.position, TrainingAttendance.id)
    )
    return stream_rows(session, query)


def attendance_page(
    session: Session, cohort: TrainingCohort, page: int = 1, trainee: str = ""
) -> Page:
    """One page of a cohort's attendance by trainee email and module order."""
    return paginate(session, attendance_query(cohort, trainee), page, size=50)


def roster_template(cohort: TrainingCohort) -> str:
    """A roster CSV to fill in: the header and one example row per module."""
    ordered = sorted(cohort.program.modules, key=lambda m: (m.position, m.id))
    example = cohort.starts_on.isoformat()
    rows = [["trainee@example.org", m.title, example, m.minutes] for m in ordered]
    return csv_text(ROSTER_COLUMNS, rows)
