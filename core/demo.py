"""Demo data: two boards, staff and trainees, then each module's demo loader (idempotent)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts import find_user, grant_role
from core.models import Board, Role, User, utcnow
from core.modules import DemoAccount, DemoContext, registry

HOUR = 60

BOARDS: list[dict[str, Any]] = [
    {
        "slug": "ne-dbh",
        "name": "Nebraska Peer Support Certification (demo)",
        "jurisdiction": "Nebraska",
        "description": "Modelled on a state service definition: age 19, "
        "two years of lived recovery.",
    },
    {
        "slug": "icrc-lakes",
        "name": "Great Lakes Certification Board (IC&RC member, demo)",
        "jurisdiction": "Great Lakes region",
        "description": "IC&RC Peer Recovery: 46 training hours, 500 experience hours, "
        "25 supervision hours; provisional credential first.",
    },
]

# (email, name, role, board slug or None, password)
PEOPLE: list[tuple[str, str, Role, str | None, str]] = [
    ("admin@demo.peercert", "Pat Platform", Role.PLATFORM_ADMIN, None, "demo-platform-admin"),
    ("ne.admin@demo.peercert", "Nora Admin", Role.BOARD_ADMIN, "ne-dbh", "demo-ne-admin"),
    (
        "ne.reviewer@demo.peercert",
        "Rafael Reviewer",
        Role.BOARD_REVIEWER,
        "ne-dbh",
        "demo-ne-reviewer",
    ),
    ("lakes.admin@demo.peercert", "Lena Admin", Role.BOARD_ADMIN, "icrc-lakes", "demo-lakes-admin"),
    (
        "lakes.reviewer@demo.peercert",
        "Ravi Reviewer",
        Role.BOARD_REVIEWER,
        "icrc-lakes",
        "demo-lakes-reviewer",
    ),
    (
        "psychometrician@demo.peercert",
        "Priya Psychometrician",
        Role.PSYCHOMETRICIAN,
        "icrc-lakes",
        "demo-psychometrician",
    ),
    (
        "supervisor@demo.peercert",
        "Sam Supervisor (LIMHP)",
        Role.SUPERVISOR,
        "ne-dbh",
        "demo-supervisor",
    ),
    ("trainee@demo.peercert", "Taylor Trainee", Role.TRAINEE, "ne-dbh", "demo-trainee"),
    (
        "lakes.trainee@demo.peercert",
        "Jordan Trainee",
        Role.TRAINEE,
        "icrc-lakes",
        "demo-lakes-trainee",
    ),
    ("certified@demo.peercert", "Casey Certified", Role.TRAINEE, "ne-dbh", "demo-certified"),
    ("trainer@demo.peercert", "Terry Trainer", Role.TRAINER, "ne-dbh", "demo-trainer"),
    ("employer@demo.peercert", "Erin Employer", Role.EMPLOYER, None, "demo-employer"),
]


def _board(session: Session, spec: dict[str, Any]) -> Board:
    board = session.execute(select(Board).where(Board.slug == spec["slug"])).scalar()
    if board is None:
        board = Board(
            slug=spec["slug"],
            name=spec["name"],
            jurisdiction=spec["jurisdiction"],
            description=spec["description"],
            contact_email=f"{spec['slug']}@demo.peercert",
        )
        session.add(board)
        session.flush()
        audit.record(session, None, "board.created", board, after={"slug": board.slug})
    return board


def load(session: Session, crowd: int = 0) -> list[DemoAccount]:
    """Create the demo boards and accounts unless they exist; return the accounts to print.

    `crowd` people per board are added in bulk by the loaders that make crowds (the command
    asks for a few hundred; tests for none or a few).
    """
    boards = {spec["slug"]: _board(session, spec) for spec in BOARDS}
    accounts = []
    users = {}
    for email, name, role, slug, password in PEOPLE:
        user = find_user(session, email)
        if user is None:
            user = User(email=email, full_name=name, activated_at=utcnow())
            user.set_password(password)
            session.add(user)
            session.flush()
        board = boards[slug] if slug else None
        grant_role(session, user, role, board)
        accounts.append(DemoAccount(email, password, role.label, board.name if board else None))
        users[email] = user
    context = DemoContext(
        boards=boards, users=users, today=date.today(), accounts=accounts, crowd=crowd
    )
    for step in registry().ordered_demo_steps():
        step.load(session, context)  # a step may add accounts of its own
    return accounts
