"""Demo data: two boards with different rules, staff and trainees (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import SUPERVISOR_LICENSES, CredentialType, RequirementSet
from core import audit
from core.accounts import find_user, grant_role
from core.models import Board, Role, User, utcnow

HOUR = 60

BOARDS: list[dict[str, Any]] = [
    {
        "slug": "ne-dbh",
        "name": "Nebraska Peer Support Certification (demo)",
        "jurisdiction": "Nebraska",
        "description": "Modelled on a state service definition: age 19, "
        "two years of lived recovery.",
        "credentials": [
            {
                "code": "CPSS",
                "name": "Certified Peer Support Specialist",
                "cycle_months": 24,
                "rules": dict(
                    min_age=19,
                    education="hs_diploma_or_ged",
                    lived_experience=True,
                    recovery_months=24,
                    training_minutes=40 * HOUR,
                    supervisor_licenses=[
                        k for k, (_, sud) in SUPERVISOR_LICENSES.items() if not sud
                    ],
                    ethics_attestation=True,
                    exam_required=True,
                    ce_minutes_per_cycle=36 * HOUR,
                    ce_ethics_minutes=6 * HOUR,
                ),
            },
            {
                "code": "CFPSS",
                "name": "Certified Family Peer Support Specialist",
                "cycle_months": 24,
                "rules": dict(
                    min_age=19,
                    education="hs_diploma_or_ged",
                    lived_experience=True,
                    recovery_months=24,
                    training_minutes=40 * HOUR,
                    ethics_attestation=True,
                    exam_required=True,
                    ce_minutes_per_cycle=36 * HOUR,
                    ce_ethics_minutes=6 * HOUR,
                ),
            },
        ],
    },
    {
        "slug": "icrc-lakes",
        "name": "Great Lakes Certification Board (IC&RC member, demo)",
        "jurisdiction": "Great Lakes region",
        "description": "IC&RC Peer Recovery: 46 training hours, 500 experience hours, "
        "25 supervision hours; provisional credential first.",
        "credentials": [
            {
                "code": "CRPS-P",
                "name": "Certified Recovery Peer Specialist — Provisional",
                "level": "provisional",
                "substance_use": True,
                "cycle_months": 12,
                "rules": dict(
                    min_age=18,
                    education="hs_diploma_or_ged",
                    lived_experience=True,
                    recovery_months=12,
                    training_minutes=40 * HOUR,
                    training_lookback_years=5,
                    approved_training_only=True,
                    ethics_attestation=True,
                    residency_attestation=True,
                ),
            },
            {
                "code": "PR",
                "name": "Certified Recovery Peer Specialist",
                "substance_use": True,
                "cycle_months": 24,
                "rules": dict(
                    min_age=18,
                    education="hs_diploma_or_ged",
                    lived_experience=True,
                    recovery_months=12,
                    training_minutes=46 * HOUR,
                    training_category_minutes={
                        "Advocacy": 10 * HOUR,
                        "Mentoring/Education": 10 * HOUR,
                        "Recovery/Wellness Support": 10 * HOUR,
                        "Ethical Responsibility": 16 * HOUR,
                    },
                    training_lookback_years=5,
                    approved_training_only=True,
                    experience_minutes=500 * HOUR,
                    supervision_minutes=25 * HOUR,
                    supervisor_licenses=list(SUPERVISOR_LICENSES),
                    residency_attestation=True,
                    ethics_attestation=True,
                    background_check=True,
                    exam_required=True,
                    fee_required=True,
                    reciprocity_allowed=True,
                    ce_minutes_per_cycle=20 * HOUR,
                    ce_ethics_minutes=6 * HOUR,
                ),
            },
        ],
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


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    board: str | None


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
    for cred in spec["credentials"]:
        existing = session.execute(
            select(CredentialType).where(
                CredentialType.board_id == board.id, CredentialType.code == cred["code"]
            )
        ).scalar()
        if existing is None:
            ctype = CredentialType(
                board_id=board.id,
                code=cred["code"],
                name=cred["name"],
                level=cred.get("level", "full"),
                substance_use=cred.get("substance_use", False),
                cycle_months=cred["cycle_months"],
            )
            ctype.requirements = RequirementSet(board_id=board.id, **cred["rules"])
            session.add(ctype)
            session.flush()
            audit.record(
                session,
                None,
                "credential_type.created",
                ctype,
                after={"code": ctype.code, **cred["rules"]},
            )
    return board


def load(session: Session) -> list[DemoAccount]:
    """Create the demo boards and accounts unless they exist; return the accounts to print."""
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
    from certify import demo as certify_demo

    certify_demo.load(session, boards, users)
    from rds import demo as rds_demo

    rds_demo.load(
        session, boards["icrc-lakes"], users["psychometrician@demo.peercert"], date.today()
    )
    return accounts
