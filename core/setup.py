"""First steps of a new installation: the first platform admin and the boards (idempotent)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts import find_user, grant_role, issue_token, normalise_email
from core.models import Board, Role, User

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")


class SetupError(ValueError):
    """A setup input a person can fix; the message says which and how."""


@dataclass(frozen=True)
class AdminSetup:
    user: User
    created: bool
    activation_token: str | None  # a one-time link's token when the account has no password


def create_platform_admin(
    session: Session, email: str, full_name: str, actor: User | None = None
) -> AdminSetup:
    """Make `email` a platform admin, creating the account when needed; audited."""
    if "@" not in email:
        raise SetupError(f"'{email}' is not an email address.")
    user = find_user(session, email)
    created = user is None
    if user is None:
        user = User(email=normalise_email(email), full_name=full_name.strip() or email)
        session.add(user)
        session.flush()
    if not user.is_platform_admin:
        grant_role(session, user, Role.PLATFORM_ADMIN, None)
        audit.record(session, actor, "platform_admin.created", user, after={"user_id": user.id})
    token = None if user.activated_at is not None else issue_token(session, user, "activation")
    return AdminSetup(user, created, token)


def create_board(
    session: Session,
    actor: User | None,
    slug: str,
    name: str,
    jurisdiction: str,
    contact_email: str | None = None,
) -> tuple[Board, bool]:
    """A new board, or the existing one with that slug (created=False); audited."""
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise SetupError(
            f"'{slug}' cannot be a board's short name: use 3-40 lowercase letters, digits "
            "and hyphens, e.g. 'ne-dbh'."
        )
    existing = session.execute(select(Board).where(Board.slug == slug)).scalar()
    if existing is not None:
        return existing, False
    if not name.strip() or not jurisdiction.strip():
        raise SetupError("A board needs a name and a jurisdiction.")
    board = Board(
        slug=slug,
        name=name.strip(),
        jurisdiction=jurisdiction.strip(),
        contact_email=(contact_email or "").strip(),
    )
    session.add(board)
    session.flush()
    audit.record(session, actor, "board.created", board, after={"slug": slug, "name": board.name})
    return board, True
