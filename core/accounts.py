"""Account services: registration, invitations, one-time tokens, login with lockout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit, mail
from core.models import Board, LoginThrottle, Role, RoleAssignment, User, UserToken, utcnow
from core.urls import external_url

SELF_REGISTER_ROLES = (Role.TRAINEE, Role.EMPLOYER)
INVITABLE_ROLES = (
    Role.BOARD_ADMIN,
    Role.BOARD_REVIEWER,
    Role.PSYCHOMETRICIAN,
    Role.SUPERVISOR,
    Role.TRAINER,
    Role.EXAM_MANAGER,
    Role.ITEM_WRITER,
    Role.ITEM_REVIEWER,
    Role.SME_JUDGE,
)


class AccountError(ValueError):
    """A problem the person can fix; the message says what."""


class AlreadyHoldsRole(AccountError):
    """An invitation to someone who already holds the role: nothing to do, nothing sent."""


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


ALREADY_ACTIVE = "This account is already active. Log in, or ask for a password reset link."


def _usable_token(session: Session, token: str, purpose: str, lock: bool = False) -> UserToken:
    """The token's row; AccountError when it is unknown, used or expired."""
    query = select(UserToken).where(
        UserToken.token_hash == _hash(token), UserToken.purpose == purpose
    )
    row = session.execute(query.with_for_update() if lock else query).scalar()
    if row is None:
        raise AccountError("This link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise AccountError("This link has already been used. Ask for a new one.")
    if row.expires_at < utcnow():
        raise AccountError("This link has expired. Ask for a new one.")
    return row


def check_token(session: Session, token: str, purpose: str) -> User:
    """The person a link belongs to, without using it up: checked before any form is shown.

    An activation link of an account that is already active is refused here too.
    """
    user = _usable_token(session, token, purpose).user
    if purpose == "activation" and user.activated_at is not None:
        raise AccountError(ALREADY_ACTIVE)
    return user


def consume_token(session: Session, token: str, purpose: str) -> User:
    """Use a token once; raise AccountError when it is unknown, used or expired."""
    row = _usable_token(session, token, purpose, lock=True)
    row.used_at = utcnow()
    # the person's other links of this kind die with it: an older link never works later
    session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == row.user_id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
        )
        .values(used_at=row.used_at)
    )
    session.flush()
    return row.user


def register(
    session: Session, email: str, full_name: str, password: str, role: Role, board: Board | None
) -> User | None:
    """Self-registration for trainees (on a board) and employers; sends an activation link.

    When the email already has an account, nothing is created and its owner gets an email
    instead (None is returned); the person registering sees the same answer either way.
    """
    if role not in SELF_REGISTER_ROLES:
        raise AccountError("Only trainees and employers can register themselves.")
    if role is Role.TRAINEE and board is None:
        raise AccountError("Choose the board you want to be certified by.")
    existing = find_user(session, email)
    if existing is not None:
        # Answer as for a new account (same page, same hashing work); tell only the owner.
        generate_password_hash(password)
        _tell_owner_of_second_registration(session, existing)
        return None
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


def _tell_owner_of_second_registration(session: Session, user: User) -> None:
    if user.activated_at is None:
        send_activation(session, user)
        return
    mail.queue(
        session,
        user.email,
        "Someone tried to register with your email address",
        f"Hello {user.full_name},\n\nSomeone (perhaps you) tried to create an account with "
        f"this email address. You already have one: log in at {external_url('auth.login')}\n"
        f"If you forgot your password, ask for a new one at "
        f"{external_url('auth.forgot_password')}\n\nIf it was not you, ignore this message.\n",
    )


def send_activation(session: Session, user: User) -> None:
    """Email a one-time activation link: one click for an account that chose its password at
    registration, the password form for an invited one."""
    token = issue_token(session, user, "activation")
    link = external_url("auth.activate", token=token)
    what = (
        "Open this link to activate your account (one click; then log in with the password "
        "you chose)"
        if user.password_hash
        else "Open this link to activate your account and choose your password"
    )
    mail.queue(
        session,
        user.email,
        "Activate your peer certification account",
        f"Hello {user.full_name},\n\n{what}:\n{link}\n\nThe link works once and expires in "
        f"{current_app.config['TOKEN_HOURS']} hours. Need a new one? "
        f"{external_url('auth.resend_activation')}\n",
    )


def resend_activation(session: Session, email: str) -> None:
    """Email a new activation link when the account exists and is not active yet; say nothing
    either way (the page reads the same for every address)."""
    user = find_user(session, email)
    if user is not None and user.activated_at is None:
        send_activation(session, user)


def invite_staff(
    session: Session, inviter: User, board: Board, email: str, full_name: str, role: Role
) -> User:
    """A board admin invites staff; the person sets a password through a one-time link.

    Someone who already holds the role on this board is not invited again: the admin is told
    so and nobody is emailed.
    """
    if role not in INVITABLE_ROLES:
        raise AccountError(f"{role.label} cannot be invited as board staff.")
    user = find_user(session, email)
    if user is not None and user.has_role(role, board_id=board.id):
        raise AlreadyHoldsRole(
            f"{user.full_name} ({user.email}) is already {role.label} at {board.name}; "
            "no invitation was sent."
        )
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


def activate(session: Session, token: str, password: str | None = None) -> User:
    """Activate an account with its emailed link.

    An account that chose its password at registration is activated by the link alone (one
    click; ``password`` is ignored: activation never changes a password). An invited account
    has none yet: ``password`` becomes its first. An active account is never touched here.
    """
    user = check_token(session, token, "activation")
    if user.password_hash is None and not password:
        raise AccountError("Choose a password to activate your account.")
    consume_token(session, token, "activation")
    if user.password_hash is None:
        user.set_password(password or "")
    user.activated_at = utcnow()
    audit.record(session, user, "account.activated", user)
    return user


def request_password_reset(session: Session, email: str) -> None:
    """Email a reset link when the account exists; say nothing either way (no enumeration)."""
    user = find_user(session, email)
    if user is None:
        return
    if user.activated_at is None:  # no password to reset yet: the link it needs is this one
        send_activation(session, user)
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
    user.end_all_sessions()
    _forget_failures(session, user)
    audit.record(session, user, "account.password_reset", user)
    return user


LOGIN_FAILED = "Email or password is not right. After several failed tries, wait a few minutes."


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    message: str | None


def authenticate(session: Session, email: str, password: str, ip: str | None) -> LoginResult:
    """Check a login: the same answer and the same work whatever went wrong.

    Every failure gets one message, known account or not, and costs one password hash (a
    dummy one when there is nothing to check against), so neither the answer nor its time
    tells whether an account exists. Failures are counted per account and address: after
    LOGIN_MAX_FAILURES, that address waits before its next try, twice as long each time (up
    to LOGIN_LOCKOUT_MINUTES), while the owner logs in from elsewhere as usual.
    """
    user = find_user(session, email)
    if user is None or not user.password_hash:
        _check_dummy_password(password)
        _audit_failure(session, user, "no such account" if user is None else "no password yet")
        return LoginResult(None, LOGIN_FAILED)
    now = utcnow()
    address = ip or "unknown"
    failures = _count_attempt(session, user, address, now)
    if failures is None:
        _check_dummy_password(password)
        _audit_failure(session, user, "waiting after failed tries")
        return LoginResult(None, LOGIN_FAILED)
    if not user.check_password(password):
        if failures >= current_app.config["LOGIN_MAX_FAILURES"]:
            _make_wait(session, user, address, now + _wait_after(failures))
        _audit_failure(session, user, "wrong password", failures)
        return LoginResult(None, LOGIN_FAILED)
    _forget_failures(session, user, address)
    if user.activated_at is None:  # only someone who knows the password learns this
        return LoginResult(
            None,
            "This account is not activated yet. Use the link in your email, or ask for a new "
            "one on the “New activation link” page.",
        )
    audit.record(session, user, "auth.login", user)
    return LoginResult(user, None)


def logout(session: Session, user: User) -> None:
    """End every session of the person: a copy of the cookie taken earlier stops working."""
    user.end_all_sessions()
    audit.record(session, user, "auth.logout", user)


class WrongPassword(AccountError):
    """The current password given to change it is not right."""

    field = "current"


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change a password knowing the current one; every other session and reset link ends."""
    if not user.check_password(current):
        raise WrongPassword("This is not your current password.")
    user.set_password(new)
    user.end_all_sessions()
    session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == "password_reset",
            UserToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    audit.record(session, user, "account.password_changed", user)
    session.flush()


def sign_out_everywhere(session: Session, admin: User, user: User, board: Board) -> None:
    """A board admin ends every session of a person who works for the board."""
    if not (user.board_ids() & {board.id}) or (
        user.is_platform_admin and not admin.is_platform_admin
    ):
        raise AccountError(f"{user.full_name} does not work for {board.name}.")
    user.end_all_sessions()
    audit.record(session, admin, "account.signed_out_everywhere", user, board_id=board.id)
    session.flush()


_DUMMY_HASH: list[str] = []


def _check_dummy_password(password: str) -> None:
    """Spend the time of one password check (a hash of the same method and cost)."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(16)))
    check_password_hash(_DUMMY_HASH[0], password)


def _audit_failure(
    session: Session, user: User | None, reason: str, failures: int | None = None
) -> None:
    # the user id only: never the email typed nor the password
    after: dict[str, object] = {"reason": reason}
    if failures is not None:
        after["failures"] = failures
    audit.record(
        session, None, "auth.login_failed", ("User", None if user is None else user.id), after=after
    )


def _wait_after(failures: int) -> timedelta:
    config = current_app.config
    doublings = min(failures - config["LOGIN_MAX_FAILURES"], 16)
    return timedelta(minutes=min(2**doublings, config["LOGIN_LOCKOUT_MINUTES"]))


def _count_attempt(session: Session, user: User, ip: str, now: datetime) -> int | None:
    """Count one more try of ip on user in the database itself; None while ip must wait.

    One statement (INSERT ... ON CONFLICT DO UPDATE SET failures = failures + 1) so that
    concurrent tries never lose a count; on PostgreSQL the row stays locked until commit,
    so the tries of one address on one account are checked one after the other.
    """
    table = cast(Table, LoginThrottle.__table__)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(user_id=user.id, ip=ip, failures=1, next_try_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.ip],
            set_={"failures": table.c.failures + 1},
            where=table.c.next_try_at <= now,
        )
        .returning(table.c.failures)
    )
    return session.execute(statement).scalar()


def _make_wait(session: Session, user: User, ip: str, until: datetime) -> None:
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.user_id == user.id, LoginThrottle.ip == ip)
        .values(next_try_at=until)
    )


def _forget_failures(session: Session, user: User, ip: str | None = None) -> None:
    """A right password (from ip) or a password reset (everywhere) clears the count."""
    query = delete(LoginThrottle).where(LoginThrottle.user_id == user.id)
    if ip is not None:
        query = query.where(LoginThrottle.ip == ip)
    session.execute(query)
