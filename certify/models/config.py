"""Board configuration: credential types, requirement sets, endorsements and the board's
office policy (data, not code)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Board, BoardOwned

# Seed 003's licensed clinical consultants; the last two for substance use only.
SUPERVISOR_LICENSES = {
    "psychiatrist": ("Psychiatrist", False),
    "psychologist": ("Licensed Psychologist", False),
    "provisional_psychologist": ("Provisionally Licensed Psychologist", False),
    "aprn_np_rn": ("APRN, Nurse Practitioner or Registered Nurse", False),
    "limhp": ("Licensed Independent Mental Health Practitioner (LIMHP)", False),
    "lmhp": ("Licensed Mental Health Practitioner (LMHP)", False),
    "plmhp": ("Provisionally Licensed Mental Health Professional (PLMHP)", False),
    "ladc": ("Licensed Alcohol and Drug Counselor (LADC) — substance use only", True),
    "pladc": (
        "Provisionally Licensed Alcohol and Drug Counselor (PLADC) — substance use only",
        True,
    ),
}


class CredentialType(BoardOwned, Base):
    """A credential a board issues, e.g. Certified Peer Support Specialist."""

    __tablename__ = "credential_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20), default="full")
    substance_use: Mapped[bool] = mapped_column(Boolean, default=False)
    cycle_months: Mapped[int] = mapped_column(Integer, default=24)
    # retired: holders keep their credentials, nobody new applies (None while it is open)
    retired_on: Mapped[date | None] = mapped_column(Date)

    board: Mapped[Board] = relationship()
    requirements: Mapped[RequirementSet | None] = relationship(
        back_populates="credential_type", cascade="all, delete-orphan", uselist=False
    )

    __table_args__ = (
        UniqueConstraint("board_id", "code", name="uq_credential_type_board_code"),
        CheckConstraint("level IN ('provisional', 'full')", name="level_known"),
        CheckConstraint("cycle_months > 0", name="cycle_positive"),
    )


class RequirementSet(BoardOwned, Base):
    """What an applicant must show for one credential type; empty fields are not required."""

    __tablename__ = "requirement_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_type_id: Mapped[int] = mapped_column(
        ForeignKey("credential_type.id", ondelete="CASCADE"), unique=True
    )
    min_age: Mapped[int | None] = mapped_column(Integer)
    education: Mapped[str | None] = mapped_column(String(40))
    lived_experience: Mapped[bool] = mapped_column(Boolean, default=False)
    recovery_months: Mapped[int | None] = mapped_column(Integer)
    training_minutes: Mapped[int | None] = mapped_column(Integer)
    training_category_minutes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    training_lookback_years: Mapped[int | None] = mapped_column(Integer)
    approved_training_only: Mapped[bool] = mapped_column(Boolean, default=False)
    experience_minutes: Mapped[int | None] = mapped_column(Integer)
    supervision_minutes: Mapped[int | None] = mapped_column(Integer)
    supervisor_licenses: Mapped[list[str]] = mapped_column(JSON, default=list)
    residency_attestation: Mapped[bool] = mapped_column(Boolean, default=False)
    ethics_attestation: Mapped[bool] = mapped_column(Boolean, default=False)
    background_check: Mapped[bool] = mapped_column(Boolean, default=False)
    exam_required: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_required: Mapped[bool] = mapped_column(Boolean, default=False)
    reciprocity_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Continuing education for renewal is the ceu module's (its CE rule versions).

    credential_type: Mapped[CredentialType] = relationship(back_populates="requirements")

    __table_args__ = (
        CheckConstraint("min_age IS NULL OR min_age BETWEEN 14 AND 100", name="min_age_range"),
        CheckConstraint(
            "training_minutes IS NULL OR training_minutes >= 0", name="training_nonneg"
        ),
        CheckConstraint(
            "experience_minutes IS NULL OR experience_minutes >= 0", name="experience_nonneg"
        ),
        CheckConstraint(
            "supervision_minutes IS NULL OR supervision_minutes >= 0", name="supervision_nonneg"
        ),
    )


class Endorsement(BoardOwned, Base):
    """A specialty a credential can carry: adult, family, veteran, young adult, forensic, ..."""

    __tablename__ = "endorsement"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    enhanced: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("board_id", "code", name="uq_endorsement_board_code"),)


class BoardPolicy(BoardOwned, Base):
    """How a board runs its office, beyond the credential rules: at most one row per board.

    four_eyes: a second person is needed to issue a credential (not the application's
    approver) and to revoke one (one staff member requests, another confirms).
    """

    __tablename__ = "board_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    four_eyes: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (UniqueConstraint("board_id", name="uq_board_policy_board"),)
