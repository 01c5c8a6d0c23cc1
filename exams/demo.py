"""Demo exams: the Great Lakes board's item bank keyed to the demo study's approved blueprint
(enough approved items for a form, plus drafts and items in review) and a published form,
then the rest of the chain on that form: a modified-Angoff panel of eight judges (two rounds
of ratings) and the cut the board adopted, a reporting scale (200-800, 500 to pass), and a
testing vendor's results of 150 candidates scored with their item analysis.

The vendor's candidates are accounts made for the demo without a trainee record on the board
(they sat the exam at the vendor's centres), so the board's pipeline and the trainees'
journeys keep their numbers; their answers are simulated (seeded, a one-parameter logistic
model) with two weak items for the item analysis to flag.

The RDS demo leaves its study's blueprint proposed; the exam needs an approved one, so this
loader ties the study to the board's Certified Recovery Peer Specialist credential and the
board administrator approves the proposed version (once). Idempotent.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from certify.models import Application, CredentialType
from core.accounts import find_user, grant_role
from core.models import Role, User, utcnow
from core.modules import DemoContext
from exams.bank.services import ItemContent, approve, create_item, submit
from exams.delivery.services import create_window, register
from exams.forms.services import build_form, publish
from exams.models import ExamWindow, Form, FormItem, Item, ResultImport, StandardSetting
from exams.resultfile import ResponseSheet
from exams.results.services import board_scale, form_key, set_scale, store_results
from exams.standards import services as standards
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
    _standard_setting(session, context, board.id, people[Role.EXAM_MANAGER])
    _results(session, context, board.id, people[Role.EXAM_MANAGER])


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


# the Angoff panel: the judge who logs in, then seven who only appear in the panel
JUDGE = ("judge@demo.peercert", "Jesse Judge", Role.SME_JUDGE, "demo-judge")
PANEL = [
    "Avery Lin",
    "Blake Okafor",
    "Dana Ruiz",
    "Emery Novak",
    "Harper Sato",
    "Kendall Price",
    "Logan Mbeki",
]
VENDOR_FILE = "vendor-results-demo.csv"
CANDIDATES = 150


def _published_form(session: Session, board_id: int) -> Form | None:
    form = session.execute(
        select(Form).where(Form.board_id == board_id, Form.name == FORM_NAME)
    ).scalar()
    return form if form is not None and form.status == "published" else None


def _judges(session: Session, context: DemoContext, board_id: int) -> list[User]:
    board = context.boards[BOARD]
    email, name, role, password = JUDGE
    first = find_user(session, email)
    if first is None:
        first = User(email=email, full_name=name, activated_at=utcnow())
        first.set_password(password)
        session.add(first)
        session.flush()
    grant_role(session, first, role, board)
    context.add_account(email, password, role, board)
    judges = [first]
    for n, full_name in enumerate(PANEL, start=2):
        address = f"judge{n}@demo.peercert"
        user = find_user(session, address)
        if user is None:  # no password: they sit on the panel, the demo does not log them in
            user = User(email=address, full_name=full_name, activated_at=utcnow())
            session.add(user)
            session.flush()
        grant_role(session, user, Role.SME_JUDGE, board)
        judges.append(user)
    return judges


def _standard_setting(session: Session, context: DemoContext, board_id: int, manager: User) -> None:
    """Eight judges rate every item in two rounds; the board adopts the round-2 cut."""
    form = _published_form(session, board_id)
    if form is None:
        return
    judges = _judges(session, context, board_id)
    done = session.execute(
        select(StandardSetting.id).where(StandardSetting.form_id == form.id)
    ).first()
    if done is not None:
        return
    setting, _ = standards.start(session, manager, form, [j.id for j in judges])
    items = list(
        session.execute(
            select(FormItem.id).where(FormItem.form_id == form.id).order_by(FormItem.position)
        ).scalars()
    )
    rng = random.Random(1414)
    # each item's "true" share of minimally competent candidates answering it correctly
    truth = [min(0.9, max(0.4, rng.gauss(0.66, 0.1))) for _ in items]
    leniency = [rng.gauss(0.0, 0.05) for _ in judges]

    def rating(value: float) -> float:
        return round(min(0.95, max(0.25, value)) * 20) / 20  # steps of 5%

    first = [
        {i: rating(t + lean + rng.gauss(0.0, 0.08)) for i, t in zip(items, truth, strict=True)}
        for lean in leniency
    ]
    for judge, values in zip(judges, first, strict=True):
        standards.save_ratings(session, judge, setting, values, submit=True)
    standards.open_round2(session, manager, setting)
    mean = {i: sum(r[i] for r in first) / len(first) for i in items}
    for judge, values in zip(judges, first, strict=True):  # halfway to the panel's mean
        moved = {i: rating((v + mean[i]) / 2) for i, v in values.items()}
        standards.save_ratings(session, judge, setting, moved, submit=True)
    standards.adopt(session, manager, setting, 2, None, "")


def _results(session: Session, context: DemoContext, board_id: int, manager: User) -> None:
    """A vendor's file of 150 candidates' answers, scored on the board's scale."""
    form = _published_form(session, board_id)
    if form is None or standards.current_cut(session, form.id) is None:
        return
    if board_scale(session, board_id) is None:
        set_scale(session, manager, board_id, 200, 500, 800)
    done = session.execute(select(ResultImport.id).where(ResultImport.form_id == form.id)).first()
    if done is not None:
        return
    prefix = "candidate"
    emails = [f"{prefix}{n:03d}@demo.peercert" for n in range(1, CANDIDATES + 1)]
    rng = random.Random(2714)
    if find_user(session, emails[0]) is None:
        now = utcnow()
        session.execute(
            insert(User),
            [
                {
                    "email": address,
                    "full_name": f"{rng.choice(PEOPLE)} {chr(65 + n % 26)}. Candidate",
                    "activated_at": now,
                    "created_at": now,
                }
                for n, address in enumerate(emails)
            ],
        )
    ids: dict[str, int] = {
        address: user_id
        for address, user_id in session.execute(
            select(User.email, User.id).where(User.email.in_(emails))
        )
    }
    fk = form_key(session, form)
    key = np.array(fk.answer_key.key, dtype=np.int64)
    n_options = np.array(fk.answer_key.n_options, dtype=np.int64)
    k = len(key)
    ability = np.array([rng.gauss(0.3, 1.0) for _ in emails])
    difficulty = np.array([rng.gauss(-0.9, 0.8) for _ in range(k)])
    slope = np.ones(k)
    slope[[3, 11 % k]] = 0.0  # two items that tell nobody apart: flagged low r
    p = 1.0 / (1.0 + np.exp(-(slope[None, :] * ability[:, None] - difficulty[None, :])))
    right = np.array([[rng.random() for _ in range(k)] for _ in emails]) < p
    matrix = np.empty((len(emails), k), dtype=np.int8)
    for row in range(len(emails)):
        for col in range(k):
            if right[row, col]:
                matrix[row, col] = key[col]
            elif rng.random() < 0.01:
                matrix[row, col] = -1  # left blank
            else:
                wrong = [o for o in range(int(n_options[col])) if o != key[col]]
                matrix[row, col] = rng.choice(wrong)
    sheet = ResponseSheet(tuple(emails), fk.answer_key.item_ids, matrix)
    taken_on = context.today - timedelta(days=21)
    store_results(
        session,
        manager,
        form,
        "responses",
        VENDOR_FILE,
        taken_on,
        emails,
        [ids[e] for e in emails],
        sheet,
        None,
    )
