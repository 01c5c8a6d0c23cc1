"""axe-core on the key pages of every demo role, on a desktop and on a phone (390 x 844).

axe-core is the copy bundled by axe-playwright-python, injected into the page: no network.
Violations of impact "serious" or "critical" fail the test, listed by page, rule and target
selectors; every violation of any impact is written to test-artifacts/axe-<name>.json.
"""

from __future__ import annotations

import json
from typing import Any

import axe_playwright_python.sync_playwright as axe_playwright
import pytest
from sqlalchemy import select

from certify.models import Credential, CredentialType
from ceu import demo as ce_demo
from core import demo
from core.extensions import db
from core.models import Board
from exams import demo as exam_demo
from exams.models import ExamWindow, Form, Item, ResultImport, StandardSetting
from rds.models import Study
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD, create_user

FAILING = {"serious", "critical"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORDS = {email: password for email, _, _, _, password in demo.PEOPLE}
PASSWORDS[ce_demo.PROVIDER_EMAIL] = ce_demo.PROVIDER_PASSWORD
PASSWORDS.update({email: password for email, _, _, password in exam_demo.STAFF})
PASSWORDS[exam_demo.JUDGE[0]] = exam_demo.JUDGE[3]
CANDIDATE = "axe.candidate@demo.peercert"  # made below: registered and sitting the exam
PASSWORDS[CANDIDATE] = PASSWORD


def _exam_scenes(lakes: Board, form_id: int) -> dict[str, int]:
    """Beyond the demo's closed panel and scored results: an open panel (the judge's rating
    page) and a candidate in the middle of a sitting who also has a result."""
    from datetime import date

    import numpy as np

    from certify.models import Application, TraineeProfile
    from core.models import Role, User, utcnow
    from exams.delivery import services as delivery
    from exams.resultfile import ResponseSheet
    from exams.results.services import form_key, store_results
    from exams.standards import services as standards

    session = db.session
    form = db.session.get(Form, form_id)
    assert form is not None
    manager = session.execute(select(User).where(User.email == "exams@demo.peercert")).scalar_one()
    done = session.execute(select(StandardSetting.id).where(StandardSetting.form_id == form_id))
    judges = [u.id for u in standards.board_judges(session, lakes.id)]
    panel, _ = standards.start(session, manager, form, judges)
    candidate = create_user(session, CANDIDATE, [(Role.TRAINEE, lakes)])
    session.add(TraineeProfile(board_id=lakes.id, user_id=candidate.id))
    session.add(
        Application(
            board_id=lakes.id,
            trainee_id=candidate.id,
            credential_type_id=form.credential_type_id,
            status="approved_for_exam",
        )
    )
    session.flush()
    window = session.execute(select(ExamWindow).where(ExamWindow.form_id == form_id)).scalar_one()
    registration = delivery.register(session, candidate, window, date.today())
    delivery.start(session, registration, utcnow(), date.today())
    fk = form_key(session, form)
    answers = np.array([list(fk.answer_key.key)], dtype=np.int8)
    answers[0, ::3] = (answers[0, ::3] + 1) % 4  # a third wrong
    sheet = ResponseSheet((CANDIDATE,), fk.answer_key.item_ids, answers)
    store_results(
        session, manager, form, "responses", "axe.csv", date.today(), [CANDIDATE],
        [candidate.id], sheet, None,
    )  # fmt: skip
    scored = session.execute(
        select(ResultImport.id).where(ResultImport.file_name == exam_demo.VENDOR_FILE)
    ).scalar_one()
    return {
        "exam_setting": min(done.scalars()),
        "exam_panel": panel.id,
        "exam_import": scored,
        "exam_window": window.id,
        "exam_sitting": registration.id,
    }


@pytest.fixture
def demo_ids(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Load the demo; return the ids and tokens the pages' URLs need."""
    with app.app_context():
        demo.load(db.session)
        db.session.commit()
        credential = (
            db.session.execute(select(Credential).where(Credential.status == "active"))
            .scalars()
            .first()
        )
        study = (
            db.session.execute(select(Study).where(Study.public_token.is_not(None)))
            .scalars()
            .first()
        )
        board = db.session.execute(select(Board).where(Board.slug == "ne-dbh")).scalar_one()
        assert credential is not None and study is not None
        slug = db.session.get(Board, credential.board_id).slug
        cpss = db.session.execute(
            select(CredentialType.id).where(
                CredentialType.board_id == board.id, CredentialType.code == "CPSS"
            )
        ).scalar_one()
        lakes = db.session.execute(select(Board).where(Board.slug == "icrc-lakes")).scalar_one()
        exam_item = db.session.execute(
            select(Item.id).where(Item.board_id == lakes.id).order_by(Item.id)
        ).scalar()
        exam_form = db.session.execute(select(Form.id).where(Form.board_id == lakes.id)).scalar()
        assert exam_form is not None
        exams = _exam_scenes(lakes, exam_form)
        db.session.commit()
        return {
            **exams,
            "lakes": lakes.id,
            "exam_item": exam_item,
            "exam_form": exam_form,
            "ne": board.id,
            "credential": credential.id,
            "cpss": cpss,
            "verify": f"/verify/{slug}/{credential.number}",
            "study": study.id,
            "token": study.public_token,
        }


class Audit:
    """One browser page that runs axe wherever it goes and gathers the failures."""

    def __init__(self, browser, live_server: str, name: str) -> None:  # type: ignore[no-untyped-def]
        self.name = name
        self.axe = axe_playwright.Axe()
        self.failures: list[str] = []
        self.report: list[dict[str, Any]] = []
        self.context = browser.new_context(base_url=live_server, viewport=DESKTOP)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)

    def phone(self) -> None:
        self.page.set_viewport_size(PHONE)

    def check(self) -> None:
        """Run axe on the page as it is now."""
        self.page.wait_for_load_state("load")
        path = "/" + self.page.url.split("//", 1)[-1].split("/", 1)[-1]
        where = f"{path} at {self.page.viewport_size['width']}px"  # type: ignore[index]
        for v in self.axe.run(self.page).response["violations"]:
            targets = [" >> ".join(map(str, node["target"])) for node in v["nodes"]]
            self.report.append(
                {"page": where, "rule": v["id"], "impact": v["impact"], "targets": targets}
            )
            if v["impact"] in FAILING:
                shown = "\n        ".join(targets[:10]) + (
                    "\n        …" if len(targets) > 10 else ""
                )
                self.failures.append(
                    f"{where}: {v['id']} ({v['impact']}) {v['help']}\n        {shown}"
                )

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        self.check()

    def login(self, email: str) -> None:
        self.page.goto("/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(PASSWORDS[email])
        self.page.get_by_role("button", name="Log in").click()
        self.page.get_by_test_id("whoami").wait_for(state="attached")

    def finish(self) -> None:
        self.context.close()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"axe-{self.name}.json").write_text(json.dumps(self.report, indent=1))
        assert not self.failures, (
            f"axe: {len(self.failures)} serious or critical violation(s) "
            "(page: rule (impact) help, then the target selectors):\n  "
            + "\n  ".join(self.failures)
        )


def test_public_pages(browser, live_server, demo_ids) -> None:  # type: ignore[no-untyped-def]
    survey = f"/survey/{demo_ids['token']}"
    for size in ("desktop", "phone"):  # a fresh visitor each time: the survey keeps a session
        audit = Audit(browser, live_server, f"public-{size}")
        if size == "phone":
            audit.phone()
        ce = ("/ce/ne-dbh/courses", "/ce/ne-dbh/providers/apply")  # the CE catalog, applying
        for path in ("/login", "/register", demo_ids["verify"], *ce, survey):
            audit.visit(path)
        audit.page.get_by_test_id("start-survey").click()
        audit.check()  # the demographics page
        audit.visit(f"{survey}/page/1")  # the first performance domain
        # the form as it comes back with errors, each message next to its field
        audit.page.goto("/register")
        audit.page.get_by_role("button", name="Create account").click()
        audit.page.locator(".invalid-feedback").first.wait_for()
        audit.check()
        audit.finish()


# role: (email, pages on a desktop, pages on a phone)
ROLES = {
    "trainee": (
        "trainee@demo.peercert",
        ["/dashboard", "/me/certification", "/me/hours", "/me/training", "/me/credentials"],
        ["/dashboard", "/me/certification", "/me/hours", "/me/training"],
    ),
    "certified": (
        "certified@demo.peercert",
        ["/me/credentials", "/me/ce", "/me/ce/add", "/me/credentials/{credential}/renew"],
        ["/me/credentials", "/me/ce", "/me/ce/add", "/me/credentials/{credential}/renew"],
    ),
    # continuing education and renewal, for the board's staff
    "board_admin_ce": (
        "ne.admin@demo.peercert",
        [
            "/boards/{ne}/ce",
            "/boards/{ne}/ce/report",
            "/boards/{ne}/ce/rules",
            "/boards/{ne}/ce/audits",
            "/boards/{ne}/ce/review",
            "/boards/{ne}/ce/providers",
            "/boards/{ne}/ce/courses",
            "/boards/{ne}/ce/rosters",
            "/boards/{ne}/renewals",
            "/boards/{ne}/renewals/rules/{cpss}",
        ],
        ["/boards/{ne}/ce/report", "/boards/{ne}/renewals"],
    ),
    "ce_provider": (
        ce_demo.PROVIDER_EMAIL,
        [
            "/dashboard",
            "/boards/{ne}/ce/provider",
            "/boards/{ne}/ce/provider/rosters",
            "/boards/{ne}/ce/provider/review",
        ],
        ["/boards/{ne}/ce/provider", "/boards/{ne}/ce/provider/rosters"],
    ),
    "board_admin": (
        "ne.admin@demo.peercert",
        [
            "/dashboard",
            "/boards/{ne}",
            "/boards/{ne}/applications",
            "/boards/{ne}/credentials",
            "/boards/{ne}/config/credential-types",
        ],
        ["/boards/{ne}/applications", "/boards/{ne}/credentials"],
    ),
    "psychometrician": (
        "psychometrician@demo.peercert",
        [
            "/dashboard",
            "/studies/{study}/scope",
            "/studies/{study}/survey",
            "/studies/{study}/analysis",
        ],
        ["/studies/{study}/survey", "/studies/{study}/analysis"],
    ),
    "supervisor": ("supervisor@demo.peercert", ["/dashboard", "/supervise"], ["/supervise"]),
    # the item bank and forms (exams)
    "exam_manager": (
        "exams@demo.peercert",
        [
            "/dashboard",
            "/exams",
            "/boards/{lakes}/exams",
            "/boards/{lakes}/exams/items",
            "/boards/{lakes}/exams/items/{exam_item}",
            "/boards/{lakes}/exams/items/{exam_item}/edit",
            "/boards/{lakes}/exams/items/import",
            "/boards/{lakes}/exams/review",
            "/boards/{lakes}/exams/assignments",
            "/boards/{lakes}/exams/forms",
            "/boards/{lakes}/exams/forms/new",
            "/boards/{lakes}/exams/forms/{exam_form}",
            # standard setting, windows, results with the item analysis, the scale
            "/boards/{lakes}/exams/standard-setting",
            "/boards/{lakes}/exams/forms/{exam_form}/standard-setting",
            "/boards/{lakes}/exams/standard-setting/{exam_setting}",
            "/boards/{lakes}/exams/standard-setting/{exam_panel}",
            "/boards/{lakes}/exams/forms/{exam_form}/windows",
            "/boards/{lakes}/exams/windows/{exam_window}",
            "/boards/{lakes}/exams/forms/{exam_form}/results",
            "/boards/{lakes}/exams/results/{exam_import}",
            "/boards/{lakes}/exams/scale",
        ],
        [
            "/boards/{lakes}/exams/items",
            "/boards/{lakes}/exams/items/{exam_item}",
            "/boards/{lakes}/exams/forms/{exam_form}",
            "/boards/{lakes}/exams/standard-setting/{exam_setting}",
            "/boards/{lakes}/exams/results/{exam_import}",
        ],
    ),
    # an Angoff judge: their panels and the rating page of an open round
    "sme_judge": (
        exam_demo.JUDGE[0],
        ["/dashboard", "/exams/panels", "/boards/{lakes}/exams/panels/{exam_panel}"],
        ["/exams/panels", "/boards/{lakes}/exams/panels/{exam_panel}"],
    ),
    # a candidate: the exam windows, a sitting (a question, the review page), the results
    "exam_candidate": (
        CANDIDATE,
        [
            "/me/exams",
            "/me/exams/sittings/{exam_sitting}",
            "/me/exams/sittings/{exam_sitting}?q=review",
            "/me/exam-results",
        ],
        [
            "/me/exams",
            "/me/exams/sittings/{exam_sitting}",
            "/me/exams/sittings/{exam_sitting}?q=review",
            "/me/exam-results",
        ],
    ),
    "item_writer": (
        "writer@demo.peercert",
        ["/exams", "/boards/{lakes}/exams/items/new", "/boards/{lakes}/exams/assignments"],
        ["/boards/{lakes}/exams/items/new", "/boards/{lakes}/exams/items"],
    ),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_signed_in_pages(browser, live_server, demo_ids, role: str) -> None:  # type: ignore[no-untyped-def]
    email, desktop, phone = ROLES[role]
    audit = Audit(browser, live_server, role)
    audit.login(email)
    for path in desktop:
        audit.visit(path.format(**demo_ids))
    audit.phone()
    for path in phone:
        audit.visit(path.format(**demo_ids))
    audit.finish()


def test_exam_pages_with_errors(browser, live_server, demo_ids) -> None:  # type: ignore[no-untyped-def]
    """The exam forms as they come back with errors: the reporting scale out of order, a
    results file with bad rows, a rating that is not a percentage."""
    manager = Audit(browser, live_server, "exam-errors")
    manager.login("exams@demo.peercert")
    manager.page.goto(f"/boards/{demo_ids['lakes']}/exams/scale")
    manager.page.get_by_label("Passing scaled score").fill("900")
    manager.page.get_by_role("button", name="Save the scale").click()
    manager.page.locator(".invalid-feedback").first.wait_for()
    manager.check()
    manager.page.goto(f"/boards/{demo_ids['lakes']}/exams/forms/{demo_ids['exam_form']}/results")
    manager.page.get_by_label("Results file (CSV or XLSX)").set_input_files(
        files=[
            {
                "name": "vendor.csv",
                "mimeType": "text/csv",
                "buffer": b"candidate_id,total\nnobody@example.org,7\nx,y\n",
            }
        ]
    )
    manager.page.get_by_label("The file holds").select_option("totals")
    manager.page.get_by_role("button", name="Import and score").click()
    manager.page.locator("#import-problems").wait_for()
    manager.check()
    manager.phone()
    manager.check()
    manager.finish()

    judge = Audit(browser, live_server, "exam-rating-errors")
    judge.login(exam_demo.JUDGE[0])
    judge.page.goto(f"/boards/{demo_ids['lakes']}/exams/panels/{demo_ids['exam_panel']}")
    judge.page.get_by_label("Item 1: Chance a minimally competent candidate").fill("150")
    judge.page.get_by_role("button", name="Save").first.click()
    judge.page.locator(".invalid-feedback").first.wait_for()
    judge.check()
    judge.finish()
