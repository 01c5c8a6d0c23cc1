"""Writers' assignments: the items still needed per task so that the bank can fill N forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core import audit
from core.models import Role, RoleAssignment, User
from exams.bank.services import BankError, blueprint_for, pipeline_counts, usable_counts
from exams.models import Item, ItemAssignment, ItemVersion


@dataclass(frozen=True)
class TaskNeed:
    """One task of the blueprint: per form, for N forms, approved, in the works, still needed."""

    domain: str
    code: str
    statement: str
    per_form: int
    wanted: int  # per_form x forms
    approved: int
    in_progress: int  # drafts and items in review without an approved version
    requested: int  # open writing assignments

    @property
    def needed(self) -> int:
        """Items still to be written beyond those approved or under way."""
        return max(0, self.wanted - self.approved - self.in_progress)

    @property
    def unassigned(self) -> int:
        return max(0, self.needed - self.requested)


def task_needs(
    session: Session, board_id: int, credential_type_id: int, forms: int
) -> list[TaskNeed]:
    """Per task of the approved blueprint, what the bank needs to fill `forms` forms
    without sharing an item between them: three statements whatever the bank's size."""
    blueprint = blueprint_for(session, board_id, credential_type_id)
    approved = usable_counts(session, board_id, credential_type_id)
    pipeline = pipeline_counts(session, board_id, credential_type_id)
    open_requests = select(
        ItemAssignment.domain, ItemAssignment.task_code, func.sum(ItemAssignment.items_requested)
    ).where(
        ItemAssignment.board_id == board_id,
        ItemAssignment.credential_type_id == credential_type_id,
        ItemAssignment.closed_at.is_(None),
    )
    requested = {
        (d, t): int(n or 0)
        for d, t, n in session.execute(
            open_requests.group_by(ItemAssignment.domain, ItemAssignment.task_code)
        )
    }
    needs = []
    for domain in blueprint.domains:
        for task in domain.tasks:
            key = (domain.name, task.code)
            needs.append(
                TaskNeed(
                    domain.name,
                    task.code,
                    task.statement,
                    task.items,
                    task.items * forms,
                    approved.get(key, 0),
                    pipeline.get(key, 0),
                    requested.get(key, 0),
                )
            )
    return needs


def writers(session: Session, board_id: int) -> list[User]:
    query = (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.board_id == board_id, RoleAssignment.role == str(Role.ITEM_WRITER))
        .order_by(User.full_name)
    )
    return list(session.execute(query).scalars())


def assign(
    session: Session,
    actor: User,
    board_id: int,
    credential_type_id: int,
    writer: User,
    domain: str,
    task_code: str,
    items: int,
    due_on: date | None,
    note: str = "",
) -> ItemAssignment:
    """An exam manager asks a writer of the board for items on one task."""
    if not actor.has_role(Role.EXAM_MANAGER, board_id=board_id):
        raise PermissionError("Only an exam manager assigns writing.")
    if not writer.has_role(Role.ITEM_WRITER, board_id=board_id):
        raise BankError("Choose an item writer of this board.", "writer")
    blueprint = blueprint_for(session, board_id, credential_type_id)
    if not any(
        d.name == domain and any(t.code == task_code for t in d.tasks) for d in blueprint.domains
    ):
        raise BankError("Choose a task of the approved blueprint.", "task")
    row = ItemAssignment(
        board_id=board_id,
        credential_type_id=credential_type_id,
        writer_id=writer.id,
        domain=domain,
        task_code=task_code,
        items_requested=items,
        due_on=due_on,
        note=note.strip()[:500],
        created_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "exam_assignment.created",
        row,
        after={"writer": writer.id, "task": task_code, "items": items},
    )
    return row


@dataclass(frozen=True)
class MyAssignment:
    assignment: ItemAssignment
    written: int  # items the writer started on the task since the assignment


def assignments_of(session: Session, board_id: int, writer: User) -> list[MyAssignment]:
    """The writer's open assignments on the board, with the items written for each since."""
    rows = list(
        session.execute(
            select(ItemAssignment)
            .where(
                ItemAssignment.board_id == board_id,
                ItemAssignment.writer_id == writer.id,
                ItemAssignment.closed_at.is_(None),
            )
            .order_by(ItemAssignment.due_on, ItemAssignment.id)
        ).scalars()
    )
    if not rows:
        return []
    written_query = (
        select(ItemVersion.task_code, ItemVersion.created_at)
        .join(Item, and_(Item.id == ItemVersion.item_id, ItemVersion.number == 1))
        .where(Item.board_id == board_id, ItemVersion.author_id == writer.id)
    )
    written = list(session.execute(written_query))
    return [
        MyAssignment(
            a,
            sum(1 for task, at in written if task == a.task_code and at >= a.created_at),
        )
        for a in rows
    ]


def all_assignments(
    session: Session, board_id: int, credential_type_id: int
) -> list[ItemAssignment]:
    query = (
        select(ItemAssignment)
        .where(
            ItemAssignment.board_id == board_id,
            ItemAssignment.credential_type_id == credential_type_id,
            ItemAssignment.closed_at.is_(None),
        )
        .order_by(ItemAssignment.task_code, ItemAssignment.id)
    )
    return list(session.execute(query).scalars())
