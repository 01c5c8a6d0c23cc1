"""A demo Role Delineation Study: seed vocabulary for the scope, synthetic survey answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import CredentialType
from core.accounts import grant_role
from core.models import Role, User
from core.modules import DemoContext
from rds.analysis.services import DEFAULT_SETTINGS, approve, run_analysis
from rds.models import Domain, Study, SurveyResponse, Task
from rds.survey.services import (
    DEFAULT_QUESTIONS,
    add_default_questions,
    close_survey,
    missing_responses,
    open_survey,
    survey_progress,
)
from rds.workshop.services import add_sme, save_votes, set_status

TITLE = "Peer Recovery Specialist Role Delineation Study"
# Task statements in the seeds' words (seeds 000-002, 004): domain -> tasks
SCOPE = {
    "Advocacy": [
        "Advocate with the individual for needed services and supports",
        "Help the individual identify and exercise their rights",
        "Assist with system navigation and accessing community resources",
    ],
    "Mentoring and Education": [
        "Share lived experience of recovery to inspire hope",
        "Teach skills for healthy personal boundaries and self-management",
        "Facilitate peer support groups of three to twelve participants",
    ],
    "Recovery and Wellness Support": [
        "Support the development of a Wellness and Recovery Service Plan",
        "Help the individual set recovery goals through shared decision making",
        "Support the individual's physical health conditions or concerns",
    ],
    "Ethical Responsibility": [
        "Maintain confidentiality and healthy professional boundaries",
        "Seek supervision and clinical consultation when needed",
    ],
    "Crisis Support": [
        "Set a plan to provide aid and comfort to a person in crisis",
        "Identify early warning signs and triggers with the individual",
    ],
    "Documentation and Collaboration": [
        "Document services and progress toward goals",
        "Collaborate as a member of the individual's care team",
    ],
}
RESPONDENTS = 160


def _scope(session: Session, study: Study) -> None:
    for d_pos, (name, statements) in enumerate(SCOPE.items()):
        domain = Domain(board_id=study.board_id, study_id=study.id, position=d_pos, name=name)
        session.add(domain)
        session.flush()
        prefix = "".join(w[0] for w in name.split() if w[0].isupper())
        for t_pos, statement in enumerate(statements):
            session.add(
                Task(
                    board_id=study.board_id,
                    study_id=study.id,
                    domain_id=domain.id,
                    code=f"{prefix}{t_pos + 1:02d}",
                    position=t_pos,
                    statement=statement,
                    sme_resolution="keep",
                )
            )
    session.flush()


def _responses(session: Session, study: Study, today: date) -> None:
    """Ratings with a stable profile per task plus noise (seeded, so the demo is repeatable)."""
    rng = np.random.default_rng(2026)
    tasks = list(
        session.execute(
            select(Task).where(Task.study_id == study.id).order_by(Task.domain_id, Task.position)
        ).scalars()
    )
    base_imp = rng.uniform(1.6, 3.6, len(tasks))
    base_freq = rng.uniform(0.8, 3.4, len(tasks))
    options = {key: opts for key, _label, opts in DEFAULT_QUESTIONS}
    for _ in range(RESPONDENTS):
        person = rng.normal(0, 0.4)
        imp = np.clip(np.rint(base_imp + person + rng.normal(0, 0.7, len(tasks))), 0, 4)
        freq = np.clip(np.rint(base_freq + person + rng.normal(0, 0.8, len(tasks))), 0, 4)
        session.add(
            SurveyResponse(
                board_id=study.board_id,
                study_id=study.id,
                status="submitted",
                source="web",
                demographics={k: v[int(rng.integers(len(v)))] for k, v in options.items()},
                ratings={
                    t.code: [int(a), int(b)] for t, a, b in zip(tasks, imp, freq, strict=True)
                },
                submitted_on=today - timedelta(days=int(rng.integers(1, 20))),
            )
        )
    session.flush()


def load(session: Session, context: DemoContext) -> None:
    """Create the demo study with an open survey, answers and a proposed blueprint (once)."""
    board = context.boards["icrc-lakes"]
    psychometrician = context.users["psychometrician@demo.peercert"]
    today = context.today
    if session.execute(
        select(Study).where(Study.board_id == board.id, Study.title == TITLE)
    ).first():
        return
    study = Study(
        board_id=board.id,
        title=TITLE,
        started_on=date(2026, 9, 1),
        incumbents=800,
        survey_opens_on=date(2026, 10, 1),
        survey_closes_on=today + timedelta(days=30),
        created_by_id=psychometrician.id,
        purpose="Define the tasks of peer recovery specialists and derive the exam "
        "blueprint for the Certified Recovery Peer Specialist exam.",
        target_audience="Peer recovery specialists working in behavioral health.",
        minimum_requirements="18 or older; high school diploma or GED; one year of "
        "recovery; 46 hours of training.",
    )
    session.add(study)
    session.flush()
    _scope(session, study)
    _workshop(session, psychometrician, study)
    add_default_questions(session, psychometrician, study)
    open_survey(session, psychometrician, study, today)
    _responses(session, study, today)
    run_analysis(session, psychometrician, study, {**DEFAULT_SETTINGS, "items": 100})


# the SME panel of a demo study: (name, background, years of experience)
SMES = [
    ("Alma Ortiz", "Peer supervisor, community mental health center", 12),
    ("Ben Whitehorse", "Peer recovery coach, tribal health program", 7),
    ("Carla Jensen", "Family peer specialist", 9),
    ("Dev Patel", "Trainer of peer specialists", 15),
    ("Erin Moss", "Peer specialist, crisis respite", 4),
]
CLOSED_TITLE = "Peer Support Specialist Role Delineation Study"


def _workshop(session: Session, actor: User, study: Study) -> None:
    """The SME panel votes on every task (mostly keep, a few revise) in the workshop."""
    rng = np.random.default_rng(study.board_id)
    set_status(session, actor, study, "workshop")
    slug = "".join(ch for ch in study.board.slug if ch.isalnum())
    for number, (name, background, years) in enumerate(SMES, start=1):
        sme = add_sme(
            session, actor, study, name, f"sme{number}.{slug}@demo.peercert", background, years
        )
        choices = {
            f"choice-{task.id}": "keep" if rng.random() < 0.85 else "revise" for task in study.tasks
        }
        save_votes(session, sme, choices)


def load_closed_study(session: Session, context: DemoContext) -> None:
    """The Nebraska board's finished study: SME votes, a closed survey, an approved blueprint."""
    board = context.boards["ne-dbh"]
    psychometrician = context.users["psychometrician@demo.peercert"]
    admin = context.users["ne.admin@demo.peercert"]
    today = context.today
    grant_role(session, psychometrician, Role.PSYCHOMETRICIAN, board)
    if session.execute(
        select(Study).where(Study.board_id == board.id, Study.title == CLOSED_TITLE)
    ).first():
        return
    ctype = session.execute(
        select(CredentialType).where(
            CredentialType.board_id == board.id, CredentialType.code == "CPSS"
        )
    ).scalar()
    study = Study(
        board_id=board.id,
        title=CLOSED_TITLE,
        credential_type_id=ctype.id if ctype else None,
        started_on=today - timedelta(days=200),
        incumbents=400,
        survey_opens_on=today - timedelta(days=60),
        survey_closes_on=today,
        created_by_id=psychometrician.id,
        purpose="Define the tasks of certified peer support specialists and the blueprint "
        "of the CPSS exam.",
        target_audience="Certified peer support specialists in Nebraska.",
        minimum_requirements="19 or older; high school diploma or GED; two years of "
        "recovery; 40 hours of training.",
    )
    session.add(study)
    session.flush()
    _scope(session, study)
    _workshop(session, psychometrician, study)
    add_default_questions(session, psychometrician, study)
    open_survey(session, psychometrician, study, today)
    _responses(session, study, today)
    missing = missing_responses(survey_progress(session, study))
    close_survey(
        session,
        psychometrician,
        study,
        today,
        "The survey period ended.",
        missing_confirmed=missing,
    )
    version = run_analysis(session, psychometrician, study, {**DEFAULT_SETTINGS, "items": 100})
    approve(
        session,
        admin,
        version,
        "Approved as the blueprint of the CPSS exam.",
        datetime.combine(today, time(9), UTC),
        acknowledgement="Demo data: the survey sample is synthetic and smaller than the "
        "required sample; approved so that the demo shows a finished study.",
    )
