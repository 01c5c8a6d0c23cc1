"""The item bank: items keyed to a board's approved blueprint, their versions and enemies.

An :class:`Item` is the lasting identity of a question ("PR-0042"); its content lives in
numbered :class:`ItemVersion` rows. Version 1 is written, reviewed and approved; an edit
after approval starts the next version (a draft) while the approved one stays in use, and
statistics (exams part B) belong to a version, never to the item. Item text is confidential:
nothing here is ever written to the audit trail or a log, only ids, codes and statuses.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, BoardOwned, User, UTCDateTime, utcnow

# The item's own lifecycle (the status of its newest version).
ITEM_STATUSES = ("draft", "in_review", "approved", "retired")
# A version's status: as the item's, plus superseded (an older approved version).
VERSION_STATUSES = ("draft", "in_review", "approved", "superseded", "retired")
COGNITIVE_LEVELS = ("recall", "application", "analysis")
STATUS_LABELS = {
    "draft": "Draft",
    "in_review": "In review",
    "approved": "Approved",
    "superseded": "Superseded",
    "retired": "Retired",
}
MIN_OPTIONS, MAX_OPTIONS = 3, 5


def among(column: str, values: tuple[str, ...]) -> str:
    """A CHECK clause: column holds one of values."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Item(BoardOwned, Base):
    """A question of the board's bank for one credential type's exam.

    ``status`` follows the newest version (``current_number``); ``approved_number`` is the
    version forms take (the last one approved), kept while a newer version is written.
    An item is available to assembly when it has an approved version and is not retired.
    """

    __tablename__ = "exam_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_type_id: Mapped[int] = mapped_column(
        ForeignKey("credential_type.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(40))  # the board's reference, e.g. PR-0042
    status: Mapped[str] = mapped_column(String(12), default="draft")
    current_number: Mapped[int] = mapped_column(Integer, default=1)
    approved_number: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item",
        cascade="all, delete-orphan",
        order_by="ItemVersion.number",
    )

    __table_args__ = (
        UniqueConstraint("board_id", "code", name="uq_exam_item_board_code"),
        CheckConstraint(among("status", ITEM_STATUSES), name="status_known"),
        CheckConstraint("current_number >= 1", name="current_number_positive"),
        CheckConstraint(
            "approved_number IS NULL OR approved_number <= current_number",
            name="approved_not_newer",
        ),
        # the bank list and assembly: a board's items of a credential type by status
        Index("ix_exam_item_board_type_status", "board_id", "credential_type_id", "status"),
    )

    def version(self, number: int | None) -> ItemVersion | None:
        """The version with that number (None for None or an unknown number)."""
        if number is None:
            return None
        return next((v for v in self.versions if v.number == number), None)

    @property
    def current(self) -> ItemVersion:
        """The newest version: the one being written, reviewed or last approved."""
        found = self.version(self.current_number)
        if found is None:  # pragma: no cover - every item is created with its version 1
            raise LookupError(f"item {self.id} has no version {self.current_number}")
        return found

    @property
    def approved(self) -> ItemVersion | None:
        """The version forms use, or None before the first approval."""
        return self.version(self.approved_number)

    @property
    def usable(self) -> bool:
        """Whether assembly may take the item (an approved version, not retired)."""
        return self.approved_number is not None and self.status != "retired"


class ItemVersion(BoardOwned, Base):
    """One version of an item: its classification, content, key and review.

    Classified to a performance domain (by name) and task (by code) of the approved
    blueprint version ``blueprint_study_id`` / ``blueprint_version``, with optional KSA
    codes. ``options`` holds 3 to 5 option texts in their written order; ``key`` is the
    index (0 = A) of the correct one. A version is frozen once it leaves draft, except for
    its status; an approved version is never edited (the next version is).
    """

    __tablename__ = "exam_item_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("exam_item.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    blueprint_study_id: Mapped[int] = mapped_column(Integer)
    blueprint_version: Mapped[int] = mapped_column(Integer)
    domain: Mapped[str] = mapped_column(String(200))
    task_code: Mapped[str] = mapped_column(String(40))
    ksa_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    cognitive_level: Mapped[str] = mapped_column(String(12))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)
    key: Mapped[int] = mapped_column("answer_key", Integer)  # KEY is an SQL keyword
    rationale: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[str] = mapped_column("source_refs", Text, default="")  # so is REFERENCES
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    review_note: Mapped[str] = mapped_column(Text, default="")  # reviewer to author
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    __table_args__ = (
        UniqueConstraint("item_id", "number", name="uq_exam_item_version_item_number"),
        CheckConstraint(among("status", VERSION_STATUSES), name="status_known"),
        CheckConstraint(among("cognitive_level", COGNITIVE_LEVELS), name="level_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(f"answer_key >= 0 AND answer_key < {MAX_OPTIONS}", name="key_in_range"),
        # items per task of a board (assignments, assembly)
        Index("ix_exam_item_version_board_task", "board_id", "task_code"),
    )

    @property
    def key_letter(self) -> str:
        return "ABCDE"[self.key]

    def content(self) -> dict[str, Any]:
        """The fields an edit may change (for comparing two versions)."""
        return {
            "domain": self.domain,
            "task_code": self.task_code,
            "ksa_codes": list(self.ksa_codes or []),
            "cognitive_level": self.cognitive_level,
            "stem": self.stem,
            "options": list(self.options or []),
            "key": self.key,
            "rationale": self.rationale,
            "references": self.references,
        }


class ItemEnemy(BoardOwned, Base):
    """Two items that must not appear on one form (one cues the other, or they overlap).

    Stored once per pair, the lower item id first.
    """

    __tablename__ = "exam_item_enemy"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("exam_item.id", ondelete="CASCADE"), index=True)
    enemy_id: Mapped[int] = mapped_column(
        ForeignKey("exam_item.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("item_id", "enemy_id", name="uq_exam_item_enemy_pair"),
        CheckConstraint("item_id < enemy_id", name="ordered_pair"),
    )


class ItemAssignment(BoardOwned, Base):
    """An exam manager asks a writer for a number of items on one task of the blueprint."""

    __tablename__ = "exam_item_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_type_id: Mapped[int] = mapped_column(
        ForeignKey("credential_type.id", ondelete="CASCADE")
    )
    writer_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(200))
    task_code: Mapped[str] = mapped_column(String(40))
    items_requested: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    writer: Mapped[User] = relationship(foreign_keys=[writer_id])

    __table_args__ = (CheckConstraint("items_requested > 0", name="requested_positive"),)
