"""Demo certification records: endorsements, approved trainings, trainees part-way, credentials."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.credentials import services as credentials
from certify.models import (
    SUPERVISOR_LICENSES,
    Credential,
    CredentialType,
    Endorsement,
    RequirementSet,
    SupervisedHoursEntry,
    SupervisorProfile,
    TraineeProfile,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from core import audit
from core.accounts import grant_role
from core.models import Board, Role, User, utcnow
from core.modules import DemoContext

H = 60
ENDORSEMENTS = {
    "ne-dbh": [
        ("A", "Adult", False),
        ("F", "Family", False),
        ("V", "Veteran", False),
        ("Y", "Young adult", False),
    ],
    "icrc-lakes": [
        ("A", "Adult", False),
        ("FOR", "Forensic", True),
        ("BRG", "Bridger", True),
        ("HO", "Homeless outreach", True),
    ],
}
# (title, hours, category, performance domain): seed 004's common training elements
CURRICULA: dict[str, tuple[str, str, list[tuple[str, float, str | None, str]]]] = {
    "ne-dbh": (
        "Peer Support Specialist 40-hour training",
        "Heartland Peer Academy",
        [
            ("History of the peer movement", 4, None, "Advocacy"),
            ("Recovery and resiliency; sharing your recovery story", 6, None, "Mentoring"),
            ("Stages of change and motivational interviewing", 6, None, "Recovery support"),
            ("Wellness Recovery Action Plan (WRAP)", 8, None, "Recovery support"),
            ("Ethics and boundaries", 6, None, "Professional responsibility"),
            ("Trauma-informed support and cultural humility", 6, None, "Mentoring"),
            ("Crisis support and self-care", 4, None, "Recovery support"),
        ],
    ),
    "icrc-lakes": (
        "Peer Recovery 46-hour training",
        "Great Lakes Recovery Institute",
        [
            ("Advocacy and the peer movement", 10, "Advocacy", "Advocacy"),
            ("Mentoring and education", 10, "Mentoring/Education", "Mentoring"),
            ("Recovery and wellness support", 10, "Recovery/Wellness Support", "Recovery support"),
            ("Ethical responsibility", 16, "Ethical Responsibility", "Professional responsibility"),
        ],
    ),
}


def _get(session: Session, model: type, defaults: dict[str, Any] | None = None, **keys: Any) -> Any:
    row = session.execute(select(model).filter_by(**keys)).scalar()
    if row is None:
        row = model(**keys, **(defaults or {}))
        session.add(row)
        session.flush()
    return row


def _program(session: Session, board: Board) -> tuple[TrainingCohort, list[TrainingModule]]:
    name, provider, modules = CURRICULA[board.slug]
    program = _get(
        session,
        TrainingProgram,
        {"provider": provider, "approved": True, "approved_at": utcnow()},
        board_id=board.id,
        name=name,
    )
    rows = []
    for position, (title, hours, category, domain) in enumerate(modules):
        rows.append(
            _get(
                session,
                TrainingModule,
                {
                    "minutes": int(hours * H),
                    "category": category,
                    "performance_domain": domain,
                    "position": position,
                },
                board_id=board.id,
                program_id=program.id,
                title=title,
            )
        )
    cohort = _get(
        session,
        TrainingCohort,
        {"starts_on": date(2026, 3, 2)},
        board_id=board.id,
        program_id=program.id,
        name="Spring 2026 cohort",
    )
    return cohort, rows


def _attend(
    session: Session,
    cohort: TrainingCohort,
    modules: list[TrainingModule],
    trainee: User,
    short_by: int = 0,
) -> None:
    for i, module in enumerate(modules):
        minutes = module.minutes - (short_by if i == 0 else 0)
        _get(
            session,
            TrainingAttendance,
            {"attended_on": cohort.starts_on + timedelta(days=i), "minutes": minutes},
            board_id=cohort.board_id,
            cohort_id=cohort.id,
            module_id=module.id,
            trainee_id=trainee.id,
        )


def _hours(
    session: Session,
    board: Board,
    trainee: User,
    supervisor: User,
    kind: str,
    days: int,
    minutes: int,
    start: date,
    status: str = "confirmed",
) -> None:
    for d in range(days):
        _get(
            session,
            SupervisedHoursEntry,
            {
                "paid": True,
                "status": status,
                "decided_at": None if status == "pending" else utcnow(),
                "performance_domain": "Recovery support",
            },
            board_id=board.id,
            trainee_id=trainee.id,
            supervisor_id=supervisor.id,
            kind=kind,
            worked_on=start + timedelta(days=d),
            minutes=minutes,
            setting="Peer-run organization",
        )


# The demo boards' credential types and rules, by board slug.
CREDENTIAL_TYPES: dict[str, list[dict[str, Any]]] = {
    "ne-dbh": [
        {
            "code": "CPSS",
            "name": "Certified Peer Support Specialist",
            "cycle_months": 24,
            "rules": dict(
                min_age=19,
                education="hs_diploma_or_ged",
                lived_experience=True,
                recovery_months=24,
                training_minutes=40 * H,
                supervisor_licenses=[k for k, (_, sud) in SUPERVISOR_LICENSES.items() if not sud],
                ethics_attestation=True,
                exam_required=True,
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
                training_minutes=40 * H,
                ethics_attestation=True,
                exam_required=True,
            ),
        },
    ],
    "icrc-lakes": [
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
                training_minutes=40 * H,
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
                training_minutes=46 * H,
                training_category_minutes={
                    "Advocacy": 10 * H,
                    "Mentoring/Education": 10 * H,
                    "Recovery/Wellness Support": 10 * H,
                    "Ethical Responsibility": 16 * H,
                },
                training_lookback_years=5,
                approved_training_only=True,
                experience_minutes=500 * H,
                supervision_minutes=25 * H,
                supervisor_licenses=list(SUPERVISOR_LICENSES),
                residency_attestation=True,
                ethics_attestation=True,
                background_check=True,
                exam_required=True,
                fee_required=True,
                reciprocity_allowed=True,
            ),
        },
    ],
}


def _credential_types(session: Session, board: Board) -> None:
    for cred in CREDENTIAL_TYPES[board.slug]:
        existing = session.execute(
            select(CredentialType).where(
                CredentialType.board_id == board.id, CredentialType.code == cred["code"]
            )
        ).scalar()
        if existing is not None:
            continue
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


def load(session: Session, context: DemoContext) -> None:
    """Give the demo boards credential types and realistic records (safe to run twice)."""
    boards, users = context.boards, context.users
    for board in boards.values():
        _credential_types(session, board)
    for slug, items in ENDORSEMENTS.items():
        for code, name, enhanced in items:
            _get(
                session,
                Endorsement,
                {"name": name, "enhanced": enhanced},
                board_id=boards[slug].id,
                code=code,
            )
    ne, lakes = boards["ne-dbh"], boards["icrc-lakes"]
    supervisor = users["supervisor@demo.peercert"]
    grant_role(session, supervisor, Role.SUPERVISOR, boards["icrc-lakes"])
    _get(
        session,
        SupervisorProfile,
        {
            "license_type": "limhp",
            "license_number": "LIMHP-4471",
            "license_state": "NE",
            "verified_at": utcnow(),
        },
        board_id=ne.id,
        user_id=supervisor.id,
    )
    _get(
        session,
        SupervisorProfile,
        {"license_type": "ladc", "license_number": "LADC-0932", "license_state": "NE"},
        board_id=lakes.id,
        user_id=supervisor.id,
    )

    taylor, jordan = users["trainee@demo.peercert"], users["lakes.trainee@demo.peercert"]
    casey = users["certified@demo.peercert"]
    profile = {
        "birth_date": date(1988, 4, 12),
        "education": "hs_diploma_or_ged",
        "lived_experience": True,
        "recovery_since": date(2019, 6, 1),
        "ethics_attested": True,
        "residency_attested": True,
    }
    for board, person in ((ne, taylor), (lakes, jordan), (ne, casey)):
        _get(session, TraineeProfile, profile, board_id=board.id, user_id=person.id)
    ne_cohort, ne_modules = _program(session, ne)
    lakes_cohort, lakes_modules = _program(session, lakes)
    _attend(session, ne_cohort, ne_modules, taylor, short_by=90)  # 38.5 of 40 hours
    _attend(session, ne_cohort, ne_modules, casey)
    _attend(session, lakes_cohort, lakes_modules, jordan)
    _hours(session, lakes, jordan, supervisor, "experience", 40, 8 * H, date(2026, 5, 4))
    _hours(session, lakes, jordan, supervisor, "supervision", 10, H, date(2026, 5, 4))
    _hours(session, ne, taylor, supervisor, "experience", 3, 6 * H, date(2026, 11, 2), "pending")

    if session.execute(select(Credential).where(Credential.holder_id == casey.id)).first():
        return
    cpss = session.execute(
        select(CredentialType).where(
            CredentialType.board_id == ne.id, CredentialType.code == "CPSS"
        )
    ).scalar_one()
    credential = credentials.issue(
        session,
        casey,
        cpss,
        users["ne.admin@demo.peercert"],
        date(2026, 1, 15),
        endorsements=("A", "V"),
    )
    provisional = session.execute(
        select(CredentialType).where(
            CredentialType.board_id == lakes.id, CredentialType.code == "CRPS-P"
        )
    ).scalar_one()
    credentials.issue(
        session, jordan, provisional, users["lakes.admin@demo.peercert"], date(2026, 4, 1)
    )
    assert credential.number
