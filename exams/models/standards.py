"""Standard setting (modified Angoff) and the cut scores a board adopts for a form.

A :class:`StandardSetting` is one panel on one published form: the exam manager invites
judges (people holding the SME judge role on the board), each judge rates every item of the
form in round 1 (the probability that a minimally competent candidate answers correctly),
then, once round 2 is opened, again with the panel's round-1 spread in view. The board then
adopts a cut score (:class:`CutScore`); the latest adopted is the form's cut. Ratings are
numbers about items, never item text: nothing here copies a stem or an option.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, BoardOwned, User, UTCDateTime, utcnow
from exams.models.bank import among
from exams.models.forms import Form, FormItem

SETTING_STATUSES = ("open", "closed")


class StandardSetting(BoardOwned, Base):
    """A modified-Angoff panel on one form; ``round`` is the round judges rate now (1 or 2)."""

    __tablename__ = "exam_standard_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("exam_form.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    round2_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    form: Mapped[Form] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    judges: Mapped[list[AngoffJudge]] = relationship(
        back_populates="setting", cascade="all, delete-orphan", order_by="AngoffJudge.id"
    )

    __table_args__ = (
        CheckConstraint("round IN (1, 2)", name="round_known"),
        CheckConstraint(among("status", SETTING_STATUSES), name="status_known"),
    )


class AngoffJudge(BoardOwned, Base):
    """A judge invited to a panel, with when each round was submitted."""

    __tablename__ = "exam_angoff_judge"

    id: Mapped[int] = mapped_column(primary_key=True)
    setting_id: Mapped[int] = mapped_column(
        ForeignKey("exam_standard_setting.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    round1_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round2_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    setting: Mapped[StandardSetting] = relationship(back_populates="judges")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("setting_id", "user_id", name="uq_exam_angoff_judge"),)

    def done(self, round_: int) -> datetime | None:
        """When the judge submitted round ``round_`` (None while not submitted)."""
        return self.round1_done_at if round_ == 1 else self.round2_done_at


class AngoffRating(BoardOwned, Base):
    """One judge's rating of one form item in one round: a probability in [0, 1]."""

    __tablename__ = "exam_angoff_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    setting_id: Mapped[int] = mapped_column(
        ForeignKey("exam_standard_setting.id", ondelete="CASCADE")
    )
    judge_id: Mapped[int] = mapped_column(ForeignKey("exam_angoff_judge.id", ondelete="CASCADE"))
    form_item_id: Mapped[int] = mapped_column(ForeignKey("exam_form_item.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    form_item: Mapped[FormItem] = relationship()

    __table_args__ = (
        UniqueConstraint("judge_id", "form_item_id", "round", name="uq_exam_angoff_rating"),
        CheckConstraint("round IN (1, 2)", name="round_known"),
        CheckConstraint("value >= 0 AND value <= 1", name="value_probability"),
        # a panel's ratings of one round, for the results
        Index("ix_exam_angoff_rating_setting_round", "setting_id", "round"),
    )


class CutScore(BoardOwned, Base):
    """A raw cut score the board adopted for a form; the latest adopted is in force.

    ``raw_cut`` may be fractional (an Angoff sum); a candidate passes with a raw score of at
    least ``raw_needed`` (the cut rounded up). ``setting_id``, ``round``, ``n_judges`` and
    ``se`` say where it came from when it came from a panel.
    """

    __tablename__ = "exam_cut_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("exam_form.id", ondelete="CASCADE"), index=True)
    setting_id: Mapped[int | None] = mapped_column(
        ForeignKey("exam_standard_setting.id", ondelete="SET NULL")
    )
    round: Mapped[int | None] = mapped_column(Integer)
    raw_cut: Mapped[float] = mapped_column(Float)
    raw_needed: Mapped[int] = mapped_column(Integer)
    panel_cut: Mapped[float | None] = mapped_column(Float)  # the panel's cut, if adjusted
    se: Mapped[float | None] = mapped_column(Float)
    n_judges: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000), default="")
    adopted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    adopted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    adopted_by: Mapped[User | None] = relationship(foreign_keys=[adopted_by_id])

    __table_args__ = (
        CheckConstraint("raw_cut >= 0", name="cut_nonneg"),
        CheckConstraint("raw_needed >= 0", name="needed_nonneg"),
    )
