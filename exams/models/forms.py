"""Exam forms: a fixed set of item versions assembled against the approved blueprint.

A form is assembled (seeded, reproducible) from approved items, may take unscored pretest
items, and is frozen when published: no item is added, removed or moved after that.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.models import Base, BoardOwned, User, UTCDateTime, utcnow
from exams.models.bank import Item, ItemVersion, among

FORM_STATUSES = ("draft", "published", "retired")


class Form(BoardOwned, Base):
    """A form of a credential type's exam, built for one approved blueprint version.

    ``seed``, ``overlap_form_ids`` and ``max_overlap`` are what assembly was given, so that
    the same bank gives the same form again; ``report`` is what assembly said (blueprint vs
    form counts per domain and task, and any shortfall), as plain JSON.
    """

    __tablename__ = "exam_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_type_id: Mapped[int] = mapped_column(
        ForeignKey("credential_type.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    blueprint_study_id: Mapped[int] = mapped_column(Integer)
    blueprint_version: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    overlap_form_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    max_overlap: Mapped[int | None] = mapped_column(Integer)  # items shared with each named form
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    items: Mapped[list[FormItem]] = relationship(
        back_populates="form", cascade="all, delete-orphan", order_by="FormItem.position"
    )

    __table_args__ = (
        UniqueConstraint("board_id", "name", name="uq_exam_form_board_name"),
        CheckConstraint(among("status", FORM_STATUSES), name="status_known"),
        CheckConstraint("max_overlap IS NULL OR max_overlap >= 0", name="overlap_nonneg"),
        CheckConstraint(
            "status = 'draft' OR published_at IS NOT NULL", name="published_when_not_draft"
        ),
    )

    @property
    def frozen(self) -> bool:
        """A published (or retired) form's items never change."""
        return self.status != "draft"


class FormItem(BoardOwned, Base):
    """An item version at a position of a form; pretest items are delivered but not scored.

    ``domain`` and ``task_code`` copy the version's classification, so that a form's counts
    are read without its versions.
    """

    __tablename__ = "exam_form_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("exam_form.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("exam_item.id"), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("exam_item_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    scored: Mapped[bool] = mapped_column(Boolean, default=True)
    domain: Mapped[str] = mapped_column(String(200))
    task_code: Mapped[str] = mapped_column(String(40))

    form: Mapped[Form] = relationship(back_populates="items")
    item: Mapped[Item] = relationship()
    version: Mapped[ItemVersion] = relationship()

    __table_args__ = (
        UniqueConstraint("form_id", "item_id", name="uq_exam_form_item_form_item"),
        UniqueConstraint("form_id", "position", name="uq_exam_form_item_form_position"),
        CheckConstraint("position >= 1", name="position_positive"),
        Index("ix_exam_form_item_form_scored", "form_id", "scored"),
    )


class FrozenFormError(ValueError):
    """An attempt to change the items of a published form."""


@event.listens_for(Session, "before_flush")
def _published_forms_stay_frozen(session: Session, flush_context: Any, instances: Any) -> None:
    """No item of a published form is changed or removed, whatever the code path (adding
    one is refused by the services, which check the form first)."""
    touched = [
        obj
        for obj in (*session.dirty, *session.deleted)
        if isinstance(obj, FormItem) and (obj in session.deleted or session.is_modified(obj))
    ]
    for row in touched:
        form = session.get(Form, row.form_id)
        if form is not None and form.frozen and form not in session.deleted:
            raise FrozenFormError(f"form {form.id} is published: its items never change")
