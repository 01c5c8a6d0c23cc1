"""Shared models: the declarative Base, boards, users and their roles, tokens, audit, outbox."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and returns them aware, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations get stable constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BoardOwned:
    """Mixin for rows a board owns: an indexed board_id, deleted with the board."""

    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)


class Role(enum.StrEnum):
    """Roles a person can hold; board-scoped unless listed in GLOBAL_ROLES."""

    PLATFORM_ADMIN = "platform_admin"
    BOARD_ADMIN = "board_admin"
    BOARD_REVIEWER = "board_reviewer"
    PSYCHOMETRICIAN = "psychometrician"
    SUPERVISOR = "supervisor"
    TRAINEE = "trainee"
    EMPLOYER = "employer"
    TRAINER = "trainer"
    CE_PROVIDER = "ce_provider"
    ITEM_WRITER = "item_writer"
    ITEM_REVIEWER = "item_reviewer"
    EXAM_MANAGER = "exam_manager"
    SME_JUDGE = "sme_judge"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.PLATFORM_ADMIN: "Platform administrator",
    Role.BOARD_ADMIN: "Board administrator",
    Role.BOARD_REVIEWER: "Board reviewer",
    Role.PSYCHOMETRICIAN: "Psychometrician",
    Role.SUPERVISOR: "Supervisor",
    Role.TRAINEE: "Trainee / certificant",
    Role.EMPLOYER: "Employer",
    Role.TRAINER: "Trainer",
    Role.CE_PROVIDER: "CE provider",
    Role.ITEM_WRITER: "Item writer",
    Role.ITEM_REVIEWER: "Item reviewer",
    Role.EXAM_MANAGER: "Exam manager",
    Role.SME_JUDGE: "SME judge",
}
GLOBAL_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.EMPLOYER})
STAFF_ROLES = frozenset({Role.BOARD_ADMIN, Role.BOARD_REVIEWER, Role.PSYCHOMETRICIAN})


class Board(Base):
    """A state certification board (jurisdiction); owns its rules and data."""

    __tablename__ = "board"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """A person with an account; identified by email, holding roles per board."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session's id: raising it ends all of the person's sessions at once.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # searches by part of a name or email (ILIKE '%...%'): trigram indexes on PostgreSQL
    __table_args__ = (
        Index(
            "ix_user_account_full_name_trgm",
            "full_name",
            postgresql_using="gin",
            postgresql_ops={"full_name": "gin_trgm_ops"},
        ),
        Index(
            "ix_user_account_email_trgm",
            "email",
            postgresql_using="gin",
            postgresql_ops={"email": "gin_trgm_ops"},
        ),
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.activated_at is not None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: "id:session_version"."""
        return f"{self.id}:{self.session_version}"

    def end_all_sessions(self) -> None:
        """Every session opened before now stops working (logout, password change)."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role, board_id: int | None = None) -> bool:
        """Whether the person holds any of roles (on board_id, when given)."""
        for assignment in self.roles:
            if assignment.role in roles and (
                board_id is None or assignment.board_id in (board_id, None)
            ):
                return True
        return False

    def board_ids(self, *roles: Role) -> set[int]:
        """Boards where the person holds any of roles (all roles when none given)."""
        return {
            a.board_id
            for a in self.roles
            if a.board_id is not None and (not roles or a.role in roles)
        }

    @property
    def is_platform_admin(self) -> bool:
        return self.has_role(Role.PLATFORM_ADMIN)


class RoleAssignment(Base):
    """One role held by one person, scoped to a board unless the role is global."""

    __tablename__ = "role_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))
    board_id: Mapped[int | None] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")
    board: Mapped[Board | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("user_id", "role", "board_id", name="uq_role_assignment_user_role_board"),
        # a board's people in one role (its trainees, in id order)
        Index("ix_role_assignment_board_role_user", "board_id", "role", "user_id"),
        # a board's staff, every role but trainee (the staff page: a thousand, not 50,000)
        Index(
            "ix_role_assignment_board_staff",
            "board_id",
            "user_id",
            postgresql_where=text("role <> 'trainee'"),
            sqlite_where=text("role <> 'trainee'"),
        ),
    )


class UserToken(Base):
    """A one-time token (account activation, password reset); only its hash is stored."""

    __tablename__ = "user_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("purpose IN ('activation', 'password_reset')", name="purpose_known"),
    )


class LoginThrottle(Base):
    """Failed logins on one account from one address; that address alone waits longer each time.

    The owner logging in from anywhere else is never slowed down by someone guessing.
    """

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    ip: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "ip", name="uq_login_throttle_user_ip"),
        CheckConstraint("failures >= 0", name="failures_nonneg"),
    )


class AuditEvent(Base):
    """An append-only record of a state change, chained to the previous one by keyed hash.

    On PostgreSQL a trigger refuses UPDATE and DELETE on this table (migration c2f4a9e7b1d3).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("board.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship()

    # a board's log by date, and newest first (read by key)
    __table_args__ = (Index("ix_audit_event_board_created", "board_id", "created_at"),)


Index("ix_audit_event_board_id_desc", AuditEvent.board_id, AuditEvent.id.desc())


class AuditHead(Base):
    """The newest event of the chain, so that deleting the last events is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)


class AuditCheckpoint(Base):
    """A signed note of how the chain stood (events, newest id and hash), made daily.

    Signed with AUDIT_KEY, which the database never holds: cutting events from the end and
    fixing the head, or rewriting the chain, no longer matches a checkpoint made before.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_event_id: Mapped[int] = mapped_column(Integer)
    event_count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """An email waiting to be sent (or sent); every message goes through here."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("board.id"))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
    )
