"""Training reports: trainee hours by category, training records and the coverage matrix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from certify.config.services import credential_types
from certify.models import (
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from certify.rules import ApplicantFacts, Check, Requirements, TrainingRecord, evaluate
from certify.training.services import (
    cohorts_page,
    fold,
    performance_domains,
    programs_of,
)
from core.exports import stream_rows
from core.models import Board, Role, RoleAssignment, User
from core.units import hours_text

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
    return training_records_for(session, board_id, [trainee_id]).get(trainee_id, [])


def training_records_for(
    session: Session, board_id: int, trainee_ids: Collection[int]
) -> dict[int, list[TrainingRecord]]:
    """Training records of many trainees of a board in one query, newest first, by trainee."""
    rows = session.execute(
        select(
            TrainingAttendance.trainee_id,
            TrainingAttendance.attended_on,
            TrainingAttendance.minutes,
            TrainingModule.category,
            TrainingProgram.approved,
            TrainingProgram.name,
        )
        .join(TrainingModule, TrainingAttendance.module_id == TrainingModule.id)
        .join(TrainingCohort, TrainingAttendance.cohort_id == TrainingCohort.id)
        .join(TrainingProgram, TrainingCohort.program_id == TrainingProgram.id)
        .where(
            TrainingAttendance.board_id == board_id,
            TrainingAttendance.trainee_id.in_(list(trainee_ids)),
        )
        .order_by(TrainingAttendance.attended_on.desc(), TrainingAttendance.id)
    )
    found: dict[int, list[TrainingRecord]] = {}
    for trainee_id, on, minutes, category, approved, program in rows:
        found.setdefault(trainee_id, []).append(
            TrainingRecord(
                completed_on=on,
                minutes=minutes,
                category=category,
                approved=bool(approved),
                program=program,
            )
        )
    return found


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
        for ctype in credential_types(session, board.id):
            rules = ctype.requirements
            if rules is None or (
                rules.training_minutes is None and not rules.training_category_minutes
            ):
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
            goals.append(TrainingGoal(ctype.name, checks))
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
    index = {fold(d): i for i, d in enumerate(domains)}
    rows = []
    for program in programs_of(session, board_id, status="approved"):
        minutes = [0] * len(domains)
        unmapped = 0
        for module in program.modules:
            if fold(module.performance_domain) in index:
                minutes[index[fold(module.performance_domain)]] += module.minutes
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


def coverage_rows(session: Session, board_id: int) -> tuple[list[str], Iterator[list[Any]]]:
    """The coverage matrix as the CSV's header and rows (hours with one decimal), read from one
    streamed statement of the approved programs' modules (two statements in all)."""
    domains = performance_domains(session, board_id)
    index = {fold(d): i for i, d in enumerate(domains)}
    header = ["program", "provider", *domains, "no domain", "total hours"]
    query = (
        select(TrainingProgram.id, TrainingProgram.name, TrainingProgram.provider,
               TrainingModule.performance_domain, TrainingModule.minutes)
        .outerjoin(TrainingModule, TrainingModule.program_id == TrainingProgram.id)
        .where(TrainingProgram.board_id == board_id, TrainingProgram.approved.is_(True))
        .order_by(func.lower(TrainingProgram.name), TrainingProgram.id)
    )  # fmt: skip

    def row(name: str, provider: str, minutes: list[int], unmapped: int) -> list[Any]:
        total = sum(minutes) + unmapped
        spent = [hours_text(m, decimals=1) for m in (*minutes, unmapped, total)]
        return [name, provider, *spent]

    def rows() -> Iterator[list[Any]]:
        current: tuple[int, str, str] | None = None
        minutes, unmapped = [0] * len(domains), 0
        for program_id, name, provider, domain, spent in stream_rows(session, query):
            if current is not None and program_id != current[0]:
                yield row(current[1], current[2], minutes, unmapped)
                minutes, unmapped = [0] * len(domains), 0
            current = (program_id, name, provider)
            if spent is None:  # a program without modules
                continue
            if fold(domain) in index:
                minutes[index[fold(domain)]] += spent
            else:
                unmapped += spent
        if current is not None:
            yield row(current[1], current[2], minutes, unmapped)

    return header, rows()
