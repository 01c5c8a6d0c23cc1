"""The item bank: writing, review, versions, retirement, enemies, and the bank's lists.

Services flush and never commit. The audit trail gets item ids, codes, version numbers and
statuses, never an item's text (stem, options, key, rationale).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from certify.config.services import credential_types
from certify.models import CredentialType
from core import audit
from core.models import Role, User, utcnow
from exams.models import (
    COGNITIVE_LEVELS,
    MAX_OPTIONS,
    MIN_OPTIONS,
    Item,
    ItemEnemy,
    ItemVersion,
)
from rds.analysis.services import approved_blueprint
from rds.exam_blueprint import Blueprint

PAGE_SIZE = 50


class BankError(ValueError):
    """A change the bank refuses; ``field`` names the form field it is about, if any."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ItemContent:
    """What a writer gives for one version of an item."""

    domain: str
    task_code: str
    cognitive_level: str
    stem: str
    options: tuple[str, ...]
    key: int
    rationale: str = ""
    references: str = ""
    ksa_codes: tuple[str, ...] = field(default=())


# --- the blueprint an item is keyed to -------------------------------------------------------


@dataclass(frozen=True)
class ExamType:
    """A credential type of the board with its approved blueprint (None when it has none)."""

    credential_type: CredentialType
    blueprint: Blueprint | None


def exam_types(session: Session, board_id: int) -> list[ExamType]:
    """The board's credential types, each with its approved exam blueprint or None."""
    return [
        ExamType(t, approved_blueprint(session, board_id, t.id))
        for t in credential_types(session, board_id)
    ]


def blueprint_for(session: Session, board_id: int, credential_type_id: int) -> Blueprint:
    """The approved blueprint items are written against; BankError when there is none."""
    blueprint = approved_blueprint(session, board_id, credential_type_id)
    if blueprint is None:
        raise BankError(
            "This credential type has no approved exam blueprint yet: items are classified to "
            "the domains and tasks of an approved blueprint (RDS study).",
            "credential_type",
        )
    return blueprint


def check_content(blueprint: Blueprint, content: ItemContent) -> list[tuple[str, str]]:
    """Every problem of content as (field, message); empty when it can be stored."""
    problems: list[tuple[str, str]] = []
    domain = next((d for d in blueprint.domains if d.name == content.domain), None)
    if domain is None:
        problems.append(("domain", f"{content.domain!r} is not a domain of the blueprint."))
    else:
        task = next((t for t in domain.tasks if t.code == content.task_code), None)
        if task is None:
            problems.append(
                ("task_code", f"{content.task_code!r} is not a task of the domain {domain.name}.")
            )
        else:
            known = {k.code for k in task.ksas}
            unknown = [code for code in content.ksa_codes if code not in known]
            if unknown:
                problems.append(
                    ("ksa_codes", f"Not KSAs of task {task.code}: {', '.join(unknown)}.")
                )
    if content.cognitive_level not in COGNITIVE_LEVELS:
        problems.append(("cognitive_level", "Choose recall, application or analysis."))
    if not content.stem.strip():
        problems.append(("stem", "Write the stem (the question)."))
    options = [o.strip() for o in content.options]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS or any(not o for o in options):
        problems.append(("options", f"Give {MIN_OPTIONS} to {MAX_OPTIONS} options, none empty."))
    elif len({o.casefold() for o in options}) != len(options):
        problems.append(("options", "Two options have the same text."))
    if not 0 <= content.key < len(options):
        problems.append(("key", "The key must be one of the options given."))
    return problems


def _raise_first(problems: list[tuple[str, str]]) -> None:
    if problems:
        field_name, message = problems[0]
        raise BankError(message, field_name)


def _fill(version: ItemVersion, blueprint: Blueprint, content: ItemContent) -> None:
    version.blueprint_study_id = blueprint.study_id
    version.blueprint_version = blueprint.version
    version.domain = content.domain
    version.task_code = content.task_code
    version.ksa_codes = list(content.ksa_codes)
    version.cognitive_level = content.cognitive_level
    version.stem = content.stem.strip()
    version.options = [o.strip() for o in content.options]
    version.key = content.key
    version.rationale = content.rationale.strip()
    version.references = content.references.strip()


# --- who does what ---------------------------------------------------------------------------


def is_manager(user: User, board_id: int) -> bool:
    return user.has_role(Role.EXAM_MANAGER, board_id=board_id)


def is_reviewer(user: User, board_id: int) -> bool:
    return user.has_role(Role.ITEM_REVIEWER, Role.EXAM_MANAGER, board_id=board_id)


def wrote(user: User, item: Item) -> bool:
    """Whether the person wrote the item or one of its versions."""
    return item.author_id == user.id or any(v.author_id == user.id for v in item.versions)


def may_see(user: User, item: Item) -> bool:
    """Exam managers and reviewers see every item of their board; writers their own."""
    if is_reviewer(user, item.board_id):
        return True
    return user.has_role(Role.ITEM_WRITER, board_id=item.board_id) and wrote(user, item)


def may_edit(user: User, item: Item) -> bool:
    """Managers, and the item's writers while they hold the writer role on the board."""
    if is_manager(user, item.board_id):
        return True
    return user.has_role(Role.ITEM_WRITER, board_id=item.board_id) and wrote(user, item)


def _snapshot(item: Item) -> dict[str, Any]:
    """What the audit trail keeps of an item: never its text."""
    return {
        "code": item.code,
        "status": item.status,
        "version": item.current_number,
        "approved_version": item.approved_number,
    }


# --- writing ---------------------------------------------------------------------------------


def next_code(session: Session, board_id: int, prefix: str) -> str:
    """The board's next free item code for a prefix (PR-0001, PR-0002, ...)."""
    codes = session.execute(
        select(Item.code).where(Item.board_id == board_id, Item.code.startswith(prefix + "-"))
    ).scalars()
    numbers = [int(c.rsplit("-", 1)[1]) for c in codes if c.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}-{max(numbers, default=0) + 1:04d}"


def create_item(
    session: Session,
    actor: User,
    board_id: int,
    credential_type_id: int,
    content: ItemContent,
    code: str | None = None,
    blueprint: Blueprint | None = None,
) -> Item:
    """A new draft item (version 1) written by actor."""
    blueprint = blueprint or blueprint_for(session, board_id, credential_type_id)
    _raise_first(check_content(blueprint, content))
    ctype = session.get(CredentialType, credential_type_id)
    if ctype is None or ctype.board_id != board_id:
        raise BankError("Choose a credential type of this board.", "credential_type")
    item = Item(
        board_id=board_id,
        credential_type_id=credential_type_id,
        code=code or next_code(session, board_id, ctype.code),
        status="draft",
        current_number=1,
        author_id=actor.id,
    )
    version = ItemVersion(board_id=board_id, number=1, status="draft", author_id=actor.id)
    _fill(version, blueprint, content)
    item.versions.append(version)
    session.add(item)
    session.flush()
    audit.record(session, actor, "exam_item.created", item, after=_snapshot(item))
    return item


def edit_item(session: Session, actor: User, item: Item, content: ItemContent) -> ItemVersion:
    """Change the item's content: its draft in place, or, once approved, a new version.

    An item in review is withdrawn first (send it back); a retired item is not edited.
    The new version is keyed to the blueprint approved now.
    """
    if not may_edit(actor, item):
        raise PermissionError("Only the item's writer or an exam manager edits it.")
    current = item.current
    if item.status == "retired":
        raise BankError("This item is retired; it is no longer edited.")
    if item.status == "in_review":
        raise BankError("This item is in review; it can be edited once the review sends it back.")
    blueprint = blueprint_for(session, item.board_id, item.credential_type_id)
    _raise_first(check_content(blueprint, content))
    before = _snapshot(item)
    if item.status == "draft":
        _fill(current, blueprint, content)
        current.author_id = current.author_id or actor.id
        session.flush()
        audit.record(session, actor, "exam_item.edited", item, before, _snapshot(item))
        return current
    version = ItemVersion(
        board_id=item.board_id, number=item.current_number + 1, status="draft", author_id=actor.id
    )
    _fill(version, blueprint, content)
    item.versions.append(version)
    item.current_number = version.number
    item.status = "draft"
    session.flush()
    audit.record(session, actor, "exam_item.new_version", item, before, _snapshot(item))
    return version


def submit(session: Session, actor: User, item: Item) -> None:
    """A draft goes to review."""
    if not may_edit(actor, item):
        raise PermissionError("Only the item's writer or an exam manager submits it.")
    if item.status != "draft":
        raise BankError("Only a draft is submitted for review.")
    before = _snapshot(item)
    item.status = item.current.status = "in_review"
    item.current.submitted_at = utcnow()
    item.current.review_note = ""
    session.flush()
    audit.record(session, actor, "exam_item.submitted", item, before, _snapshot(item))


def approve(session: Session, actor: User, item: Item, note: str = "") -> None:
    """A reviewer (never the version's writer) approves the version in review."""
    if not is_reviewer(actor, item.board_id):
        raise PermissionError("Only an item reviewer or exam manager approves items.")
    version = item.current
    if item.status != "in_review":
        raise BankError("Only an item in review is approved.")
    if version.author_id == actor.id:
        raise BankError("You wrote this version: another reviewer approves it.")
    before = _snapshot(item)
    old = item.approved
    if old is not None:
        old.status = "superseded"
    now = utcnow()
    version.status = "approved"
    version.reviewer_id = actor.id
    version.reviewed_at = version.approved_at = now
    version.review_note = note.strip()
    item.status = "approved"
    item.approved_number = version.number
    session.flush()
    audit.record(session, actor, "exam_item.approved", item, before, _snapshot(item))


def send_back(session: Session, actor: User, item: Item, note: str) -> None:
    """A reviewer returns the version in review to its writer as a draft, saying why."""
    if not is_reviewer(actor, item.board_id):
        raise PermissionError("Only an item reviewer or exam manager reviews items.")
    if item.status != "in_review":
        raise BankError("Only an item in review is sent back.")
    if not note.strip():
        raise BankError("Say what the writer should change.", "note")
    before = _snapshot(item)
    version = item.current
    version.status = item.status = "draft"
    version.reviewer_id = actor.id
    version.reviewed_at = utcnow()
    version.review_note = note.strip()
    session.flush()
    audit.record(session, actor, "exam_item.sent_back", item, before, _snapshot(item))


def retire(session: Session, actor: User, item: Item, reason: str) -> None:
    """An exam manager retires the item: no new form takes it; published forms keep it."""
    if not is_manager(actor, item.board_id):
        raise PermissionError("Only an exam manager retires items.")
    if item.status == "retired":
        raise BankError("This item is already retired.")
    if not reason.strip():
        raise BankError("Give the reason for retiring the item.", "reason")
    before = _snapshot(item)
    item.status = "retired"
    item.retired_at = utcnow()
    for version in item.versions:
        if version.status in ("approved", "draft", "in_review"):
            version.status = "retired"
    session.flush()
    after = {**_snapshot(item), "reason_given": True}
    audit.record(session, actor, "exam_item.retired", item, before, after)


# --- enemies ---------------------------------------------------------------------------------


def add_enemy(session: Session, actor: User, item: Item, other_code: str, note: str = "") -> Item:
    """Mark the item with that code of the same bank as an enemy of item."""
    if not is_reviewer(actor, item.board_id) and not may_edit(actor, item):
        raise PermissionError("Only exam staff of the board mark enemies.")
    other = session.execute(
        select(Item).where(Item.board_id == item.board_id, Item.code == other_code.strip())
    ).scalar()
    if other is None or other.credential_type_id != item.credential_type_id:
        raise BankError(f"No item {other_code.strip()!r} in this bank.", "code")
    if other.id == item.id:
        raise BankError("An item is not its own enemy.", "code")
    low, high = sorted((item.id, other.id))
    exists = session.execute(
        select(ItemEnemy.id).where(ItemEnemy.item_id == low, ItemEnemy.enemy_id == high)
    ).first()
    if exists:
        raise BankError(f"{other.code} is already an enemy of {item.code}.", "code")
    session.add(
        ItemEnemy(
            board_id=item.board_id,
            item_id=low,
            enemy_id=high,
            note=note.strip()[:300],
            created_by_id=actor.id,
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "exam_item.enemy_added",
        item,
        after={"code": item.code, "enemy": other.code},
    )
    return other


def remove_enemy(session: Session, actor: User, item: Item, other: Item) -> None:
    if not is_reviewer(actor, item.board_id) and not may_edit(actor, item):
        raise PermissionError("Only exam staff of the board change enemies.")
    low, high = sorted((item.id, other.id))
    row = session.execute(
        select(ItemEnemy).where(ItemEnemy.item_id == low, ItemEnemy.enemy_id == high)
    ).scalar()
    if row is None:
        raise BankError("These items are not enemies.")
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor,
        "exam_item.enemy_removed",
        item,
        after={"code": item.code, "enemy": other.code},
    )


def enemies_of(session: Session, item: Item) -> list[Item]:
    pairs = select(ItemEnemy.item_id, ItemEnemy.enemy_id).where(
        or_(ItemEnemy.item_id == item.id, ItemEnemy.enemy_id == item.id)
    )
    ids = {i for row in session.execute(pairs) for i in row} - {item.id}
    if not ids:
        return []
    return list(session.execute(select(Item).where(Item.id.in_(ids)).order_by(Item.code)).scalars())


def enemy_pairs(session: Session, board_id: int) -> list[tuple[int, int]]:
    query = select(ItemEnemy.item_id, ItemEnemy.enemy_id).where(ItemEnemy.board_id == board_id)
    return [(a, b) for a, b in session.execute(query)]


# --- lists -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankRow:
    """A line of the bank list: the item, its newest version and its writer's name."""

    item: Item
    version: ItemVersion
    author: str


@dataclass(frozen=True)
class BankPage:
    rows: list[BankRow]
    page: int
    pages: int
    total: int


def bank_query(
    board_id: int,
    credential_type_id: int | None = None,
    status: str = "",
    domain: str = "",
    task_code: str = "",
    code: str = "",
    author_id: int | None = None,
) -> Select[Item, ItemVersion, str]:
    """The board's items with their newest version (and writer), filtered."""
    writer = aliased(User)
    query = (
        select(Item, ItemVersion, writer.full_name)
        .join(
            ItemVersion,
            and_(ItemVersion.item_id == Item.id, ItemVersion.number == Item.current_number),
        )
        .outerjoin(writer, writer.id == ItemVersion.author_id)
        .where(Item.board_id == board_id)
    )
    if credential_type_id:
        query = query.where(Item.credential_type_id == credential_type_id)
    if status:
        query = query.where(Item.status == status)
    if domain:
        query = query.where(ItemVersion.domain == domain)
    if task_code:
        query = query.where(ItemVersion.task_code == task_code)
    if code:
        query = query.where(Item.code.startswith(code.strip().upper()))
    if author_id is not None:
        mine = select(ItemVersion.item_id).where(ItemVersion.author_id == author_id)
        query = query.where(or_(Item.author_id == author_id, Item.id.in_(mine)))
    return query


SORTS = {
    "code": "Code",
    "status": "Status",
    "task": "Domain and task",
    "updated": "Last changed",
}


def bank_page(
    session: Session,
    query: Select[Item, ItemVersion, str],
    page: int,
    size: int = PAGE_SIZE,
    sort: str = "code",
) -> BankPage:
    """One page of the bank list in the order asked for (SORTS; by code otherwise): two
    statements whatever the bank's size."""
    order: dict[str, tuple[Any, ...]] = {
        "code": (Item.code,),
        "status": (Item.status, Item.code),
        "task": (ItemVersion.domain, ItemVersion.task_code, Item.code),
        "updated": (Item.updated_at.desc(), Item.code),
    }
    total = session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    ordered = query.order_by(*order.get(sort, order["code"]))
    rows = session.execute(ordered.limit(size).offset((page - 1) * size))
    return BankPage(
        [BankRow(item, version, author or "") for item, version, author in rows],
        page,
        pages,
        total,
    )


def status_counts(session: Session, board_id: int) -> dict[tuple[int, str], int]:
    """Items per (credential type, status) of the board, in one statement."""
    query = (
        select(Item.credential_type_id, Item.status, func.count())
        .where(Item.board_id == board_id)
        .group_by(Item.credential_type_id, Item.status)
    )
    return {(t, s): n for t, s, n in session.execute(query)}


def review_queue(session: Session, board_id: int, reviewer: User) -> list[BankRow]:
    """Items waiting for review that the reviewer did not write, oldest submission first."""
    query = (
        bank_query(board_id, status="in_review")
        .where(or_(ItemVersion.author_id.is_(None), ItemVersion.author_id != reviewer.id))
        .order_by(ItemVersion.submitted_at, Item.code)
        .limit(200)
    )
    return [BankRow(i, v, a or "") for i, v, a in session.execute(query)]


def usable_counts(
    session: Session, board_id: int, credential_type_id: int
) -> dict[tuple[str, str], int]:
    """Approved, unretired items per (domain, task) of their approved version."""
    version = aliased(ItemVersion)
    query = (
        select(version.domain, version.task_code, func.count())
        .select_from(Item)
        .join(version, and_(version.item_id == Item.id, version.number == Item.approved_number))
        .where(
            Item.board_id == board_id,
            Item.credential_type_id == credential_type_id,
            Item.status != "retired",
        )
        .group_by(version.domain, version.task_code)
    )
    return {(d, t): n for d, t, n in session.execute(query)}


def pipeline_counts(
    session: Session, board_id: int, credential_type_id: int
) -> dict[tuple[str, str], int]:
    """Items being written or reviewed (no approved version yet) per (domain, task)."""
    query = (
        select(ItemVersion.domain, ItemVersion.task_code, func.count())
        .select_from(Item)
        .join(
            ItemVersion,
            and_(ItemVersion.item_id == Item.id, ItemVersion.number == Item.current_number),
        )
        .where(
            Item.board_id == board_id,
            Item.credential_type_id == credential_type_id,
            Item.status.in_(("draft", "in_review")),
            Item.approved_number.is_(None),
        )
        .group_by(ItemVersion.domain, ItemVersion.task_code)
    )
    return {(d, t): n for d, t, n in session.execute(query)}


def items_by_codes(session: Session, board_id: int, codes: Sequence[str]) -> dict[str, Item]:
    query = select(Item).where(Item.board_id == board_id, Item.code.in_(list(codes)))
    return {i.code: i for i in session.execute(query).scalars()}
