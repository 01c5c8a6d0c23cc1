"""Training services: programs, modules, approval and cohorts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from certify.models import (
    RequirementSet,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from core import audit, mail
from core.boards import Page, paginate
from core.exports import stream_rows
from core.models import Board, Role, RoleAssignment, User, utcnow
from core.units import hours_text
from core.urls import external_url


class TrainingError(ValueError):
    """A problem the person can fix; field names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def fold(text: str | None) -> str:
    """Text as names are compared: without surrounding spaces or case."""
    return (text or "").strip().casefold()


def _canonical(value: str | None, known: list[str]) -> str | None:
    """The known spelling of value (compared without case), else value as typed."""
    text = (value or "").strip()
    if not text:
        return None
    return next((k for k in known if fold(k) == fold(text)), text)


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


def program_export_rows(
    session: Session, board_id: int, status: str = "", q: str = ""
) -> Iterator[Any]:
    """The programs of programs_of as plain values for the export (name, provider, modules,
    minutes, approved, approved at), by name: one streamed statement."""
    chosen = _programs_query(board_id, status, q, "name").whereclause
    assert chosen is not None  # the board's programs, at least
    query = (
        select(
            TrainingProgram.name,
            TrainingProgram.provider,
            func.count(TrainingModule.id),
            func.coalesce(func.sum(TrainingModule.minutes), 0),
            TrainingProgram.approved,
            TrainingProgram.approved_at,
        )
        .outerjoin(TrainingModule, TrainingModule.program_id == TrainingProgram.id)
        .where(chosen)
        .group_by(TrainingProgram.id)
        .order_by(func.lower(TrainingProgram.name), TrainingProgram.id)
    )
    return stream_rows(session, query)


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
            found.setdefault(fold(name), name.strip())
    return sorted(found.values(), key=str.casefold)


def performance_domains(session: Session, board_id: int) -> list[str]:
    """The distinct RDS performance domains the board's modules are mapped to."""
    found: dict[str, str] = {}
    for name in session.execute(
        select(TrainingModule.performance_domain)
        .where(TrainingModule.board_id == board_id, TrainingModule.performance_domain.is_not(None))
        .order_by(TrainingModule.id)
    ).scalars():
        if name and name.strip():
            found.setdefault(fold(name), name.strip())
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
    if minutes % 15:
        raise TrainingError("Use quarter hours (steps of 0.25) for a module's length.", "hours")
    for other in program.modules:
        if other is not module and fold(other.title) == fold(title):
            raise TrainingError(f"This program already has a module '{other.title}'.", "title")
    if module is not None:
        most = session.execute(
            select(func.max(TrainingAttendance.minutes)).where(
                TrainingAttendance.module_id == module.id
            )
        ).scalar()
        if most is not None and most > minutes:
            raise TrainingError(
                f"Attendance of {hours_text(most, decimals=1)} hours is already recorded for this "
                "module; it cannot be shorter than that.",
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


# --- cohorts ----------------------------------------------------------------------------


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
