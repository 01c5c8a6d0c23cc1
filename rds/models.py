"""Role Delineation Study records: scope of service, SME workshop, survey, blueprints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Board, BoardOwned, User, UTCDateTime, utcnow
from rds.analysis.engine import AnalysisResult

DEFAULT_IMPORTANCE_ANCHORS = [
    "Not important",
    "Slightly important",
    "Moderately important",
    "Very important",
    "Extremely important",
]
DEFAULT_FREQUENCY_ANCHORS = [
    "Never (I do not perform this task)",
    "Rarely",
    "Sometimes",
    "Often",
    "Repeatedly",
]
STUDY_STATUSES = ("draft", "workshop", "survey_open", "survey_closed", "analyzed", "archived")
DEFAULT_MIN_RESPONDENTS = 100


class Study(BoardOwned, Base):
    """One version of a Role Delineation Study for a board's credential."""

    __tablename__ = "rds_study"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_type_id: Mapped[int | None] = mapped_column(ForeignKey("credential_type.id"))
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("rds_study.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    started_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    target_audience: Mapped[str] = mapped_column(Text, default="")
    minimum_requirements: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    # survey settings
    survey_opens_on: Mapped[date | None] = mapped_column(Date)
    survey_closes_on: Mapped[date | None] = mapped_column(Date)
    incumbents: Mapped[int | None] = mapped_column(Integer)
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # fewer respondents than this: approving a blueprint needs an acknowledged reason
    min_respondents: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_MIN_RESPONDENTS, server_default=str(DEFAULT_MIN_RESPONDENTS)
    )
    # data screening: which rules exclude what they flag, and why (rds.survey.screening)
    screening: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    scale_min: Mapped[int] = mapped_column(Integer, default=0)
    scale_max: Mapped[int] = mapped_column(Integer, default=4)
    importance_anchors: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_IMPORTANCE_ANCHORS)
    )
    frequency_anchors: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_FREQUENCY_ANCHORS)
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    board: Mapped[Board] = relationship()
    domains: Mapped[list[Domain]] = relationship(
        back_populates="study", order_by="Domain.position", cascade="all, delete-orphan"
    )
    tasks: Mapped[list[Task]] = relationship(
        back_populates="study", order_by="Task.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("board_id", "title", "version", name="uq_rds_study_board_title_version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("scale_max > scale_min", name="scale_order"),
        CheckConstraint("incumbents IS NULL OR incumbents > 0", name="incumbents_positive"),
        CheckConstraint("min_respondents >= 1", name="min_respondents_positive"),
    )


class Domain(BoardOwned, Base):
    """A performance domain of the scope of service, in the study's order."""

    __tablename__ = "rds_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("rds_study.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    # the SME panel's post-survey review: a change to the domain's empirical weight, in
    # percentage points within rds.workshop.review.MAX_WEIGHT_CHANGE, and why
    weight_change: Mapped[float | None] = mapped_column(Float)
    weight_reason: Mapped[str | None] = mapped_column(Text)
    # the panel's cognitive levels: {"recall": 30, "application": 50, "analysis": 20} (percent)
    cognitive_levels: Mapped[dict[str, int] | None] = mapped_column(JSON)

    study: Mapped[Study] = relationship(back_populates="domains")
    tasks: Mapped[list[Task]] = relationship(back_populates="domain", order_by="Task.position")

    __table_args__ = (UniqueConstraint("study_id", "name", name="uq_rds_domain_study_name"),)


ksa_task = Table(
    "rds_ksa_task",
    Base.metadata,
    Column("ksa_id", ForeignKey("rds_ksa.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", ForeignKey("rds_task.id", ondelete="CASCADE"), primary_key=True),
)


class Task(BoardOwned, Base):
    """A task statement; the SME panel resolves it and the analysis may retain it."""

    __tablename__ = "rds_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("rds_study.id", ondelete="CASCADE"))
    domain_id: Mapped[int] = mapped_column(ForeignKey("rds_domain.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    statement: Mapped[str] = mapped_column(Text)
    sme_resolution: Mapped[str | None] = mapped_column(String(10))
    sme_note: Mapped[str | None] = mapped_column(Text)
    retention_override: Mapped[bool | None] = mapped_column(Boolean)
    override_reason: Mapped[str | None] = mapped_column(Text)

    study: Mapped[Study] = relationship(back_populates="tasks")
    domain: Mapped[Domain] = relationship(back_populates="tasks")
    ksas: Mapped[list[KSA]] = relationship(secondary=ksa_task, back_populates="tasks")

    __table_args__ = (
        UniqueConstraint("study_id", "code", name="uq_rds_task_study_code"),
        CheckConstraint(
            "sme_resolution IS NULL OR sme_resolution IN ('keep', 'revise', 'drop')",
            name="resolution_known",
        ),
    )


class KSA(BoardOwned, Base):
    """A knowledge, skill or ability statement linked to the tasks that need it."""

    __tablename__ = "rds_ksa"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("rds_study.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), default="knowledge")
    statement: Mapped[str] = mapped_column(Text)

    tasks: Mapped[list[Task]] = relationship(secondary=ksa_task, back_populates="ksas")

    __table_args__ = (
        UniqueConstraint("study_id", "code", name="uq_rds_ksa_study_code"),
        CheckConstraint("kind IN ('knowledge', 'skill', 'ability')", name="kind_known"),
    )


class SubjectMatterExpert(BoardOwned, Base):
    """A member of the SME panel (12-15 in a 2-day workshop); votes through a private link."""

    __tablename__ = "rds_sme"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("rds_study.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    background: Mapped[str] = mapped_column(Text, default="")
    years_experience: Mapped[int | None] = mapped_column(Integer)
    vote_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (UniqueConstraint("study_id", "email", name="uq_rds_sme_study_email"),)


class WeightJudgment(BoardOwned, Base):
    """One judge's direct judgment of the domain weights: a percent per domain, adding up to
    100, compared with the empirical weights (the judge is an SME or a survey respondent)."""

    __tablename__ = "rds_weight_judgment"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(
        ForeignKey("rds_study.id", ondelete="CASCADE"), index=True
    )
    judge: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(12), default="sme")
    percents: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # domain name: %
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("source IN ('sme', 'respondent')", name="source_known"),)


class SmeVote(BoardOwned, Base):
    """One SME's keep / revise / drop on one task, with a comment."""

    __tablename__ = "rds_sme_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    sme_id: Mapped[int] = mapped_column(ForeignKey("rds_sme.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("rds_task.id", ondelete="CASCADE"))
    choice: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("sme_id", "task_id", name="uq_rds_sme_vote_once"),
        CheckConstraint("choice IN ('keep', 'revise', 'drop')", name="choice_known"),
    )


class DemographicQuestion(BoardOwned, Base):
    """A choice-list question asked before the ratings (role, experience, setting, region)."""

    __tablename__ = "rds_demographic_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("rds_study.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("study_id", "key", name="uq_rds_demographic_question_key"),)


class SurveyInvitation(BoardOwned, Base):
    """An emailed one-time survey link; never linked to the answers it produced."""

    __tablename__ = "rds_survey_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("rds_study.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("study_id", "email", name="uq_rds_survey_invitation_study_email"),
    )


class SurveyResponse(BoardOwned, Base):
    """One respondent's anonymous answers; ratings as {task code: [importance, frequency]}."""

    __tablename__ = "rds_survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(
        ForeignKey("rds_study.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    source: Mapped[str] = mapped_column(String(10), default="web")
    # only while in progress: lets the respondent come back; cleared on submission
    resume_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    demographics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ratings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pages_done: Mapped[list[int]] = mapped_column(JSON, default=list)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    # web responses, for the screen for implausibly fast answers: the start time only while in
    # progress (cleared on submission, like the resume key), then the seconds it took
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds_taken: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("status IN ('in_progress', 'submitted')", name="status_known"),
        CheckConstraint("source IN ('web', 'import')", name="source_known"),
    )


class BlueprintVersion(BoardOwned, Base):
    """A proposed or approved exam blueprint: the engine's full result, frozen on approval."""

    __tablename__ = "rds_blueprint"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("rds_study.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_note: Mapped[str | None] = mapped_column(Text)
    # what the approver acknowledged (sample missed, alpha below 0.70, few respondents) and why
    approval_concerns: Mapped[list[str] | None] = mapped_column(JSON)
    acknowledgement: Mapped[str | None] = mapped_column(Text)

    study: Mapped[Study] = relationship()
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    __table_args__ = (
        UniqueConstraint("study_id", "version", name="uq_rds_blueprint_study_version"),
        CheckConstraint("status IN ('proposed', 'approved', 'superseded')", name="status_known"),
    )

    def analysis(self) -> AnalysisResult:
        """The stored engine result read back into its typed record (the JSON is unchanged)."""
        return AnalysisResult.from_dict(self.result)
