"""Account services: registration, invitations, one-time tokens, login with lockout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, mail
from core.models import Board, Role, RoleAssignment, User, UserToken, utcnow
from core.urls import external_url

SELF_REGISTER_ROLES = (Role.TRAINEE, Role.EMPLOYER)
INVITABLE_ROLES = (
    Role.BOARD_ADMIN,
    Role.BOARD_REVIEWER,
    Role.PSYCHOMETRICIAN,
    Role.SUPERVISOR,
    Role.TRAINER,
)


class AccountError(ValueError):
    """A problem the person can fix; the message says what."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).scalar()


def grant_role(session: Session, user: User, role: Role, board: Board | None) -> RoleAssignment:
    """Give user a role (on board unless the role is global); granting twice is harmless."""
    board_id = None if board is None else board.id
    for existing in user.roles:
        if existing.role == role and existing.board_id == board_id:
            return existing
    assignment = RoleAssignment(user=user, role=str(role), board_id=board_id)
    session.add(assignment)
    session.flush()
    return assignment


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: str) -> str:
    """Create a one-time token and return its clear text (only the hash is stored)."""
    token = secrets.token_urlsafe(32)
    hours = current_app.config["TOKEN_HOURS"] if purpose == "activation" else 2
    session.add(
        UserToken(
            user=user,
            purpose=purpose,
            token_hash=_hash(token),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    session.flush()
    return token


def consume_token(session: Session, token: str, purpose: str) -> User:
    """Use a token once; raise AccountError when it is unknown, used or expired."""
    row = session.execute(
        select(UserToken)
        .where(UserToken.token_hash == _hash(token), UserToken.purpose == purpose)
        .with_for_update()
    ).scalar()
    if row is None:
        raise AccountError("This link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise AccountError("This link has already been used. Ask for a new one.")
    if row.expires_at < utcnow():
        raise AccountError("This link has expired. Ask for a new one.")
    row.used_at = utcnow()
    session.flush()
    return row.user


def register(
    session: Session, email: str, full_name: str, password: str, role: Role, board: Board | None
) -> User:
    """Self-registration for trainees (on a board) and employers; sends an activation link."""
    if role not in SELF_REGISTER_ROLES:
        raise AccountError("Only trainees and employers can register themselves.")
    if role is Role.TRAINEE and board is None:
        raise AccountError("Choose the board you want to be certified by.")
    if find_user(session, email) is not None:
        raise AccountError("An account with this email already exists. Log in or reset it.")
    user = User(email=normalise_email(email), full_name=full_name.strip())
    user.set_password(password)
    session.add(user)
    session.flush()
    grant_role(session, user, role, None if role in (Role.EMPLOYER,) else board)
    audit.record(
        session,
        user,
        "account.registered",
        user,
        after={"role": str(role)},
        board_id=None if board is None else board.id,
    )
    send_activation(session, user)
    return user


def send_activation(session: Session, user: User) -> None:
    token = issue_token(session, user, "activation")
    link = external_url("auth.activate", token=token)
    mail.queue(
        session,
        user.email,
        "Activate your peer certification account",
        f"Hello {user.full_name},\n\nOpen this link to activate your account"
        f" and choose your password:\n{link}\n\nThe link works once and expires in "
        f"{current_app.config['TOKEN_HOURS']} hours.\n",
    )


def invite_staff(
    session: Session, inviter: User, board: Board, email: str, full_name: str, role: Role
) -> User:
    """A board admin invites staff; the person sets a password through a one-time link."""
    if role not in INVITABLE_ROLES:
        raise AccountError(f"{role.label} cannot be invited as board staff.")
    user = find_user(session, email)
    if user is None:
        user = User(email=normalise_email(email), full_name=full_name.strip())
        session.add(user)
        session.flush()
    grant_role(session, user, role, board)
    audit.record(
        session,
        inviter,
        "staff.invited",
        user,
        after={"role": str(role), "email": user.email},
        board_id=board.id,
    )
    if user.activated_at is None:
        send_activation(session, user)
    else:
        mail.queue(
            session,
            user.email,
            f"You are now {role.label} at {board.name}",
            f"Hello {user.full_name},\n\n{inviter.full_name} gave you the role "
            f"{role.label} at {board.name}. Log in to see it.\n",
            board_id=board.id,
        )
    return user


def activate(session: Session, token: str, password: str) -> User:
    user = consume_token(session, token, "activation")
    user.set_password(password)
    user.activated_at = user.activated_at or utcnow()
    audit.record(session, user, "account.activated", user)
    return user


def request_password_reset(session: Session, email: str) -> None:
    """Email a reset link when the account exists; say nothing either way (no enumeration)."""
    user = find_user(session, email)
    if user is None or user.activated_at is None:
        return
    token = issue_token(session, user, "password_reset")
    link = external_url("auth.reset_password", token=token)
    mail.queue(
        session,
        user.email,
        "Reset your password",
        f"Hello {user.full_name},\n\nSomeone asked to reset your password. If it was you,"
        f" open this link within 2 hours:\n{link}\n\nIf not, ignore this message.\n",
    )


def reset_password(session: Session, token: str, password: str) -> User:
    user = consume_token(session, token, "password_reset")
    user.set_password(password)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, user, "account.password_reset", user)
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    message: str | None


def authenticate(session: Session, email: str, password: str) -> LoginResult:
    """Check a login; lock the account for a while after too many failures."""
    generic = "Email or password is not right."
    user = find_user(session, email)
    if user is None:
        return LoginResult(None, generic)
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        return LoginResult(
            None,
            f"Too many failed attempts. Try again in {minutes} minutes or reset your password.",
        )
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
            audit.record(session, None, "account.locked", user)
        session.flush()
        return LoginResult(None, generic)
    if user.activated_at is None:
        return LoginResult(None, "This account is not activated yet. Use the link in your email.")
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    return LoginResult(user, None)
