"""Demo exams: the Great Lakes board's item bank keyed to the demo study's approved blueprint
(enough approved items for a form, plus drafts and items in review) and a published form.

The RDS demo leaves its study's blueprint proposed; the exam needs an approved one, so this
loader ties the study to the board's Certified Recovery Peer Specialist credential and the
board administrator approves the proposed version (once). Idempotent.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import Application, CredentialType
from core.accounts import find_user, grant_role
from core.models import Role, User, utcnow
from core.modules import DemoContext
from exams.bank.services import ItemContent, approve, create_item, submit
from exams.delivery.services import create_window, register
from exams.forms.services import build_form, publish
from exams.models import ExamWindow, Form, Item
from rds.analysis.services import approve as approve_blueprint
from rds.analysis.services import approved_blueprint, versions
from rds.demo import TITLE
from rds.exam_blueprint import Blueprint
from rds.models import Study

BOARD = "icrc-lakes"
CREDENTIAL = "PR"
FORM_NAME = "CRPS 2027 Form A"
FORM_SEED = 2027
# (email, name, role, password): the board's exam staff
STAFF = [
    ("exams@demo.peercert", "Morgan Exam-Manager", Role.EXAM_MANAGER, "demo-exam-manager"),
    ("writer@demo.peercert", "Wren Writer", Role.ITEM_WRITER, "demo-item-writer"),
    (
        "item.reviewer@demo.peercert",
        "Rowan Item-Reviewer",
        Role.ITEM_REVIEWER,
        "demo-item-reviewer",
    ),
]
# scenario openings and answer patterns, varied per item (seeded)
SETTINGS = [
    "at a community recovery center",
    "during a hospital discharge visit",
    "in a peer-run drop-in group",
    "on a follow-up phone call",
    "at a housing program",
    "in a crisis respite",
]
PEOPLE = ["Alex", "Jordan", "Sam", "Riley", "Casey", "Morgan", "Jamie", "Quinn"]
LEVELS = ("recall", "application", "analysis")


def _staff(session: Session, context: DemoContext) -> dict[Role, User]:
    board = context.boards[BOARD]
    people = {}
    for email, name, role, password in STAFF:
        user = find_user(session, email)
        if user is None:
            user = User(email=email, full_name=name, activated_at=utcnow())
            user.set_password(password)
            session.add(user)
            session.flush()
        grant_role(session, user, role, board)
        context.add_account(email, password, role, board)
        people[role] = user
    return people


def _blueprint(session: Session, context: DemoContext, ctype: CredentialType) -> Blueprint | None:
    board = context.boards[BOARD]
    found = approved_blueprint(session, board.id, ctype.id)
    if found is not None:
        return found
    study = session.execute(
        select(Study).where(Study.board_id == board.id, Study.title == TITLE)
    ).scalar()
    if study is None:
        return None
    if study.credential_type_id is None:
        study.credential_type_id = ctype.id
        session.flush()
    proposed = [v for v in versions(session, study) if v.status == "proposed"]
    if not proposed:
        return None
    admin = context.users["lakes.admin@demo.peercert"]
    approve_blueprint(
        session,
        admin,
        proposed[-1],
        "Approved for the demo exam (issue 14).",
        datetime.combine(context.today, time(9), UTC),
        acknowledgement="Demo data: the survey sample is synthetic; approved so that the "
        "exam demo has a blueprint to follow.",
    )
    return approved_blueprint(session, board.id, ctype.id)


def _content(rng: random.Random, domain: str, code: str, statement: str, n: int) -> ItemContent:
    person = rng.choice(PEOPLE)
    setting = rng.choice(SETTINGS)
    task = statement[0].lower() + statement[1:]
    stem = (
        f"{person}, whom you support {setting}, asks for your help. Your task is to "
        f"{task}. Which response shows this best? ({code}, item {n})"
    )
    options = [
        "Ask what matters most to them and plan the next step together",
        "Decide on the next step for them, since you have been there yourself",
        "Refer them on straight away without talking it through",
        "Tell them to wait until their clinician raises it",
    ]
    key = rng.randrange(4)
    options[0], options[key] = options[key], options[0]
    return ItemContent(
        domain=domain,
        task_code=code,
        cognitive_level=LEVELS[n % 3],
        stem=stem,
        options=tuple(options),
        key=key,
        rationale="Peer support follows the person's own choices (shared decision making).",
        references="Demo reference: the board's peer recovery specialist curriculum.",
    )


def load(session: Session, context: DemoContext) -> None:
    board = context.boards[BOARD]
    people = _staff(session, context)
    ctype = session.execute(
        select(CredentialType).where(
            CredentialType.board_id == board.id, CredentialType.code == CREDENTIAL
        )
    ).scalar()
    if ctype is None:
        return
    blueprint = _blueprint(session, context, ctype)
    if blueprint is None:
        return
    if session.execute(select(Item.id).where(Item.board_id == board.id)).first() is None:
        writer, reviewer = people[Role.ITEM_WRITER], people[Role.ITEM_REVIEWER]
        rng = random.Random(14)
        for domain in blueprint.domains:
            for task in domain.tasks:
                for n in range(task.items + 2):  # two spares per task
                    content = _content(rng, domain.name, task.code, task.statement, n + 1)
                    item = create_item(
                        session, writer, board.id, ctype.id, content, blueprint=blueprint
                    )
                    if n == task.items + 1 and task.items % 2:
                        continue  # a draft left with its writer
                    submit(session, writer, item)
                    if n == task.items and task.items % 3 == 0:
                        continue  # waiting for review
                    approve(session, reviewer, item)
    exists = session.execute(
        select(Form.id).where(Form.board_id == board.id, Form.name == FORM_NAME)
    ).first()
    if exists is None:
        manager = people[Role.EXAM_MANAGER]
        form = build_form(session, manager, board.id, ctype.id, FORM_NAME, FORM_SEED)
        if form.report.get("meets_domains"):
            publish(session, manager, form, confirm=True)
    _window(session, context, board.id, ctype, people[Role.EXAM_MANAGER])


WINDOW_NAME = "Winter testing window"


def _window(
    session: Session, context: DemoContext, board_id: int, ctype: CredentialType, manager: User
) -> None:
    """An open exam window on the published form, with a few of the board's applicants
    approved for the exam registered (issue 16: a demo that shows every journey)."""
    form = session.execute(
        select(Form).where(Form.board_id == board_id, Form.name == FORM_NAME)
    ).scalar()
    if form is None or form.status != "published":
        return
    if session.execute(select(ExamWindow.id).where(ExamWindow.form_id == form.id)).first():
        return
    today = context.today
    window = create_window(
        session,
        manager,
        form,
        WINDOW_NAME,
        today - timedelta(days=7),
        today + timedelta(days=30),
        120,
    )
    waiting = session.execute(
        select(User)
        .join(Application, Application.trainee_id == User.id)
        .where(
            Application.board_id == board_id,
            Application.credential_type_id == ctype.id,
            Application.status == "approved_for_exam",
        )
        .order_by(User.id)
        .limit(5)
    ).scalars()
    for person in waiting:
        register(session, person, window, today)
