"""Counts for navigation links and panels: one statement each, never any item text."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.models import User
from exams.models import Form, Item, ItemVersion


def to_review(session: Session, board_id: int | None, user: User) -> int:
    """Items in review on the board that the person did not write."""
    if board_id is None:
        return 0
    query = (
        select(func.count())
        .select_from(Item)
        .join(
            ItemVersion,
            and_(ItemVersion.item_id == Item.id, ItemVersion.number == Item.current_number),
        )
        .where(
            Item.board_id == board_id,
            Item.status == "in_review",
            or_(ItemVersion.author_id.is_(None), ItemVersion.author_id != user.id),
        )
    )
    return int(session.execute(query).scalar_one())


@dataclass(frozen=True)
class BoardSummary:
    approved: int
    in_review: int
    published: int


def board_summary(session: Session, board_id: int) -> BoardSummary:
    items = session.execute(
        select(
            func.count().filter(Item.status == "approved"),
            func.count().filter(Item.status == "in_review"),
        ).where(Item.board_id == board_id)
    ).one()
    published = session.execute(
        select(func.count()).where(Form.board_id == board_id, Form.status == "published")
    ).scalar_one()
    return BoardSummary(int(items[0]), int(items[1]), int(published))
