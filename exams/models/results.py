"""Exam results: a vendor's file imported for a form, each candidate's score, item statistics.

A :class:`ResultImport` is one file (candidates' item responses, or their total scores)
scored against the form's adopted cut; :class:`ExamResult` is one candidate's outcome (raw
score, pass/fail, sub-scores by domain: numbers only, never item content);
:class:`ItemStatistic` holds the classical statistics of one item version from one import
(statistics stay with the version, never the item). :class:`ExamScale` is a board's reporting
scale (see ``ReportingScale`` in exams/scoring.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
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
from exams.models.forms import Form

IMPORT_KINDS = ("responses", "totals")
REVIEW_ACTIONS = ("kept", "sent_back", "retired")


class ResultImport(BoardOwned, Base):
    """One vendor file of results for a form, scored against the cut in force then."""

    __tablename__ = "exam_result_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("exam_form.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    file_name: Mapped[str] = mapped_column(String(255))
    taken_on: Mapped[date] = mapped_column(Date)
    cut_score_id: Mapped[int | None] = mapped_column(
        ForeignKey("exam_cut_score.id", ondelete="SET NULL")
    )
    raw_cut: Mapped[float] = mapped_column(Float)
    raw_needed: Mapped[int] = mapped_column(Integer)
    n_candidates: Mapped[int] = mapped_column(Integer)
    n_passed: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # form statistics
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    form: Mapped[Form] = relationship()
    imported_by: Mapped[User | None] = relationship(foreign_keys=[imported_by_id])

    __table_args__ = (CheckConstraint(among("kind", IMPORT_KINDS), name="kind_known"),)


class ExamResult(BoardOwned, Base):
    """One candidate's result on a form: raw score, pass/fail and domain sub-scores.

    ``domains`` is a list of ``[domain, correct, items]``; ``responses`` the chosen options
    in form order (letters, "-" for omitted), kept for item analysis and never shown.
    """

    __tablename__ = "exam_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("exam_result_import.id", ondelete="CASCADE"), index=True
    )
    form_id: Mapped[int] = mapped_column(ForeignKey("exam_form.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    candidate_ref: Mapped[str] = mapped_column(String(254))
    taken_on: Mapped[date] = mapped_column(Date)
    raw: Mapped[int] = mapped_column(Integer)
    raw_needed: Mapped[int] = mapped_column(Integer)
    n_items: Mapped[int] = mapped_column(Integer)
    scaled: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    domains: Mapped[list[Any] | None] = mapped_column(JSON)
    responses: Mapped[str | None] = mapped_column(String(1000))

    form: Mapped[Form] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("import_id", "user_id", name="uq_exam_result_import_user"),
        CheckConstraint("raw >= 0", name="raw_nonneg"),
        # the applicant-facts hook: has this person passed on this board?
        Index("ix_exam_result_board_user_passed", "board_id", "user_id", "passed"),
    )


class ItemStatistic(BoardOwned, Base):
    """Classical statistics of one item version on one import (see exams/scoring.py)."""

    __tablename__ = "exam_item_statistic"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("exam_result_import.id", ondelete="CASCADE"), index=True
    )
    form_item_id: Mapped[int] = mapped_column(ForeignKey("exam_form_item.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("exam_item.id", ondelete="CASCADE"))
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("exam_item_version.id", ondelete="CASCADE"), index=True
    )
    scored: Mapped[bool] = mapped_column(Boolean)
    n: Mapped[int] = mapped_column(Integer)
    p: Mapped[float | None] = mapped_column(Float)
    r_corrected: Mapped[float | None] = mapped_column(Float)
    discrimination: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    review_action: Mapped[str | None] = mapped_column(String(12))
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("import_id", "form_item_id", name="uq_exam_item_statistic_import_item"),
        CheckConstraint(
            "review_action IS NULL OR " + among("review_action", REVIEW_ACTIONS),
            name="review_action_known",
        ),
    )


class ExamScale(BoardOwned, Base):
    """A board's reporting scale: scaled scores from ``low`` to ``high``, the lowest passing
    raw score of every form reporting as ``passing`` (exams/scoring.py ``ReportingScale``)."""

    __tablename__ = "exam_scale"

    id: Mapped[int] = mapped_column(primary_key=True)
    low: Mapped[int] = mapped_column(Integer)
    passing: Mapped[int] = mapped_column(Integer)
    high: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("board_id", name="uq_exam_scale_board"),
        CheckConstraint("low >= 0 AND low < passing AND passing < high", name="scale_ordered"),
    )
