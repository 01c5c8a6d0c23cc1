"""Keeping stored standings current: what a committing session changed, recomputed at commit.

Certify watches its own tables: the rows a session inserts, changes or deletes are noted at
each flush, and just before the commit the people they concern are recomputed (a rule change:
the whole board, or a queued job when the board is large). Modules whose facts reach the
engine through a hook call `note_change`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import event, select, tuple_
from sqlalchemy.orm import Session

from certify.models import (
    Application,
    Credential,
    CredentialType,
    RequirementSet,
    SupervisedHoursEntry,
    SupervisorProfile,
    TraineeProfile,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from certify.standing.services import (
    INLINE_LIMIT,
    recompute_board,
    recompute_people,
    request_recompute,
    trainee_count,
)
from core.models import Role, RoleAssignment

PENDING = "certify.standing.pending"


@dataclass
class Changes:
    """What the session changed that a stored standing depends on, collected at each flush."""

    people: set[tuple[int, int]] = field(default_factory=set)  # (board, person)
    rule_boards: dict[int, str] = field(default_factory=dict)  # board -> what changed
    supervisors: set[tuple[int, int]] = field(default_factory=set)  # (board, supervisor)
    programs: set[int] = field(default_factory=set)
    modules: set[int] = field(default_factory=set)
    cohorts: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any(
            (self.people, self.rule_boards, self.supervisors, self.programs, self.modules,
             self.cohorts)
        )  # fmt: skip


def note_change(session: Session, board_id: int, user_id: int) -> None:
    """Ask for a person's standing to be recomputed when the session commits.

    For modules whose facts reach eligibility through a hook (an exam result, CE records):
    certify watches its own tables by itself.
    """
    _changes(session).people.add((board_id, user_id))


def _changes(session: Session) -> Changes:
    found = session.info.get(PENDING)
    if found is None:
        found = session.info[PENDING] = Changes()
    return found


def _collect(changes: Changes, row: Any) -> None:
    """Note what one inserted, changed or deleted row means for stored standings."""
    if isinstance(row, TraineeProfile):
        changes.people.add((row.board_id, row.user_id))
    elif isinstance(row, SupervisedHoursEntry | TrainingAttendance):
        changes.people.add((row.board_id, row.trainee_id))
    elif isinstance(row, Application):
        changes.people.add((row.board_id, row.trainee_id))
    elif isinstance(row, Credential):
        changes.people.add((row.board_id, row.holder_id))
    elif isinstance(row, RoleAssignment):
        if row.role == Role.TRAINEE.value and row.board_id is not None:
            changes.people.add((row.board_id, row.user_id))
    elif isinstance(row, CredentialType | RequirementSet):
        changes.rule_boards[row.board_id] = (
            f"rules of credential type changed ({type(row).__name__})"
        )
    elif isinstance(row, SupervisorProfile):
        changes.supervisors.add((row.board_id, row.user_id))
    elif isinstance(row, TrainingProgram):
        if row.id is not None:
            changes.programs.add(row.id)
    elif isinstance(row, TrainingModule):
        if row.id is not None:
            changes.modules.add(row.id)
    elif isinstance(row, TrainingCohort):
        if row.id is not None:
            changes.cohorts.add(row.id)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # rows about to be deleted: read while they still load (new rows get their keys at flush)
    for row in session.deleted:
        _collect(_changes(session), row)


def _after_flush(session: Session, _context: Any) -> None:
    for row in session.new:
        _collect(_changes(session), row)
    for row in session.dirty:
        if session.is_modified(row, include_collections=False):
            _collect(_changes(session), row)


def _people_behind(session: Session, changes: Changes) -> set[tuple[int, int]]:
    """Resolve supervisor, program, module and cohort changes to the people they concern."""
    people = set(changes.people)
    if changes.supervisors:
        named = tuple_(SupervisedHoursEntry.board_id, SupervisedHoursEntry.supervisor_id)
        found = session.execute(
            select(SupervisedHoursEntry.board_id, SupervisedHoursEntry.trainee_id)
            .where(named.in_(list(changes.supervisors)))
            .distinct()
        )
        people.update((b, u) for b, u in found)
    attended = select(TrainingAttendance.board_id, TrainingAttendance.trainee_id).distinct()
    wheres = []
    if changes.modules:
        wheres.append(TrainingAttendance.module_id.in_(changes.modules))
    if changes.cohorts:
        wheres.append(TrainingAttendance.cohort_id.in_(changes.cohorts))
    if changes.programs:
        cohorts = select(TrainingCohort.id).where(TrainingCohort.program_id.in_(changes.programs))
        wheres.append(TrainingAttendance.cohort_id.in_(cohorts))
    for where in wheres:
        people.update((b, u) for b, u in session.execute(attended.where(where)))
    return people


def apply_changes(session: Session, changes: Changes, as_of: date) -> None:
    """Recompute what the changes touch: people now, a big board as a queued job."""
    by_board: dict[int, set[int]] = {}
    for board_id, user_id in _people_behind(session, changes):
        if board_id is not None and user_id is not None:
            by_board.setdefault(board_id, set()).add(user_id)
    for board_id, reason in changes.rule_boards.items():
        by_board.pop(board_id, None)
        if trainee_count(session, board_id) <= INLINE_LIMIT:
            recompute_board(session, board_id, as_of, reason)
        else:
            request_recompute(session, board_id, reason)
    for board_id, user_ids in by_board.items():
        if len(user_ids) > INLINE_LIMIT:
            request_recompute(session, board_id, f"{len(user_ids)} people's facts changed")
        else:
            recompute_people(session, board_id, user_ids, as_of, lock=True)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release is not the commit: the changes wait for the real one
    session.flush()  # so that what is still unflushed is collected too (no SQL when clean)
    changes = session.info.pop(PENDING, None)
    if changes:
        apply_changes(session, changes, date.today())


def _after_soft_rollback(session: Session, _previous: Any) -> None:
    if not session.in_transaction():  # the whole transaction is gone, and with it the changes
        session.info.pop(PENDING, None)


def track(target: Any) -> None:
    """Keep stored standings current for sessions made by target (db.session); idempotent."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_soft_rollback", _after_soft_rollback),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
