"""Dashboards at 1366 x 900 and 390 x 844: the attention lines read what was built, and axe
finds no serious or critical violation on the dashboard or on any workspace's landing page.

The trainee, certificant, supervisor and board staff read lines about data this test builds
(so each number and sentence is known in advance); every other demo role's dashboard is opened
at both sizes and checked for its panel, sideways scrolling and axe.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import url_for
from playwright.sync_api import expect
from sqlalchemy import select

from certify.credentials import services as credentials
from certify.models import (
    Application,
    ApplicationDocument,
    SupervisedHoursEntry,
    SupervisorProfile,
)
from ceu import demo as ce_demo
from core import modules
from core.extensions import db
from core.models import Board, Role, User, utcnow
from tests.browser.test_accessibility import FAILING, PASSWORDS, axe_playwright
from tests.factories import PASSWORD, create_credential_type, create_ready_trainee, create_user

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
TODAY = date.today()


@pytest.fixture
def built(app, make_board, make_user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A board with a trainee short of training, hours waiting, an application sent, a
    document waiting, a supervisor whose license waits, and a suspended credential."""
    board = make_board("dash", "Prairie Test Board")
    tia = make_user("tia@example.org", [(Role.TRAINEE, board)])
    sam = make_user("sam@example.org", [(Role.SUPERVISOR, board)])
    ann = make_user("ann@example.org", [(Role.TRAINEE, board)])
    hal = make_user("hal@example.org", [(Role.TRAINEE, board)])
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    with app.app_context():
        row = db.session.get_one(Board, board.id)
        row.contact_email = "help@dash.example.org"
        ctype = create_credential_type(db.session, row)  # 40 training hours and the exam
        trainee = db.session.get_one(User, tia.id)
        short = 38 * 60 + 30  # 1.5 training hours short, and no exam
        create_ready_trainee(db.session, row, trainee, training_minutes=short, exam_passed=False)
        for day in (1, 2):  # two entries wait for the supervisor, whose license waits too
            db.session.add(
                SupervisedHoursEntry(
                    board_id=board.id,
                    trainee_id=tia.id,
                    supervisor_id=sam.id,
                    kind="experience",
                    worked_on=TODAY - timedelta(days=day),
                    minutes=180,
                    setting="Other",
                    status="pending",
                )  # fmt: skip
            )
        db.session.add(
            SupervisorProfile(
                board_id=board.id,
                user_id=sam.id,
                license_type="lmhp",
                license_number="L-9",
                license_state="NE",
            )  # fmt: skip
        )
        application = Application(
            board_id=board.id, trainee_id=ann.id, credential_type_id=ctype.id,
            status="submitted", submitted_at=utcnow() - timedelta(days=3),
        )  # fmt: skip
        db.session.add(application)
        db.session.flush()
        db.session.add(
            ApplicationDocument(
                board_id=board.id,
                application_id=application.id,
                kind="diploma",
                original_name="d.pdf",
                stored_name="dash-d.pdf",
                content_type="application/pdf",
                size_bytes=10,
                status="pending",
            )  # fmt: skip
        )
        issued = credentials.issue(
            db.session,
            db.session.get_one(User, hal.id),
            ctype,
            db.session.get_one(User, admin.id),
            TODAY,
        )
        credentials.change_status(
            db.session, issued, "suspended", db.session.get_one(User, admin.id), "Audit of hours"
        )
        db.session.commit()
        number = issued.number
    return {"board": board.id, "number": number}


def expected(built: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Each person's lines: (text, the path its link opens)."""
    b = built["board"]
    return {
        "tia@example.org": [
            ("Certified CPSS: 1.5 training hours and the exam still missing.", "/me/certification"),
            ("2 entries waiting for your supervisor", f"/me/hours?status=pending&board={b}"),
        ],
        "sam@example.org": [("2 entries waiting for your confirmation", "/supervise")],
        "admin@example.org": [
            (
                "1 application waits for review (the oldest sent 3 days ago)",
                f"/boards/{b}/applications?status=submitted",
            ),
            ("1 document waits to be checked", f"/boards/{b}/documents"),
            ("1 supervisor's license to verify", f"/boards/{b}/supervisors?status=unverified"),
        ],
        "hal@example.org": [
            (
                f"Certified CPSS {built['number']} is suspended: Audit of hours."
                " Questions: contact help@dash.example.org.",
                "/me/credentials",
            ),
        ],
    }


class Visit:
    """A browser at one size, logged in as one person; axe runs on every page it checks."""

    def __init__(self, browser, live_server: str, size: str) -> None:  # type: ignore[no-untyped-def]
        self.size = size
        self.context = browser.new_context(base_url=live_server, viewport=SIZES[size])
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.axe = axe_playwright.Axe()
        self.failures: list[str] = []
        self.who = ""

    def login(self, email: str, password: str) -> None:
        self.who = email
        self.page.goto("/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()

    def check(self) -> None:
        """No sideways scrolling; no serious or critical axe violation."""
        page = self.page
        page.wait_for_load_state("load")
        where = f"{page.url.split('//', 1)[-1].split('/', 1)[-1] or '/'} at {self.size}"
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > SIZES[self.size]["width"]:
            wide = page.evaluate(
                """w => Array.from(document.querySelectorAll('main *'))
                  .filter(e => e.getBoundingClientRect().right > w + 1
                    && !Array.from(e.children).some(c => c.getBoundingClientRect().right > w + 1))
                  .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + e.className + ' '
                    + (e.textContent || '').trim().slice(0, 40))""",
                SIZES[self.size]["width"],
            )
            self.failures.append(f"/{where} ({self.who}): scrolls sideways ({width}px) {wide}")
        for v in self.axe.run(page).response["violations"]:
            if v["impact"] in FAILING:
                targets = [" >> ".join(map(str, n["target"])) for n in v["nodes"]][:5]
                self.failures.append(f"/{where}: {v['id']} ({v['impact']}) {targets}")

    def workspaces(self) -> list[str]:
        """The landing page of every workspace the person may switch to."""
        hrefs = self.page.eval_on_selector_all(
            "nav.navbar ul.navbar-nav.me-auto a[href]", "links => links.map(a => a.pathname)"
        )
        return sorted({h for h in hrefs if h != "/dashboard"})

    def landing_pages(self) -> list[str]:
        visited = self.workspaces()
        for path in visited:
            response = self.page.goto(path)
            assert response is not None and response.ok, f"{path}: {response and response.status}"
            self.check()
        return visited

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_attention_lines_read_the_built_data(browser, live_server, built, size: str) -> None:  # type: ignore[no-untyped-def]
    failures: list[str] = []
    for email, lines in expected(built).items():
        visit = Visit(browser, live_server, size)
        visit.login(email, PASSWORD)
        main = visit.page.locator("main")
        for text, path in lines:
            link = main.get_by_role("link", name=text, exact=True)
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box is not None and box["x"] >= 0
            assert box["x"] + box["width"] <= SIZES[size]["width"] + 1, f"{email}: {text} cut off"
            href = link.get_attribute("href") or ""
            assert href == path, f"{email}: {text!r} links {href}, not {path}"
        visit.check()
        assert visit.landing_pages(), f"{email} has no workspace"
        failures += visit.failures
        visit.close()
    # the staff's counts that are zero are said, unlinked
    visit = Visit(browser, live_server, size)
    visit.login("admin@example.org", PASSWORD)
    counts = visit.page.get_by_test_id("board-counts")
    expect(counts).to_contain_text("0 applications are in review")
    expect(counts.get_by_role("link", name="0 applications are in review")).to_have_count(0)
    visit.close()
    assert not failures, "\n".join(failures)


# every demo role's dashboard, at both sizes: its panel, no sideways scroll, axe on the
# dashboard and on every workspace landing page
DEMO_PANELS = {
    "psychometrician@demo.peercert": "panel-rds-studies",
    "employer@demo.peercert": "panel-employer",
    "trainer@demo.peercert": "panel-trainer",
    "exams@demo.peercert": "panel-exams",
    "writer@demo.peercert": "panel-exams",
    "item.reviewer@demo.peercert": "panel-exams",
    "ne.admin@demo.peercert": "panel-board-work",
    "ne.reviewer@demo.peercert": "panel-board-work",
    "supervisor@demo.peercert": "panel-supervisor-hours",
    "trainee@demo.peercert": "panel-eligibility",
    "certified@demo.peercert": "panel-eligibility",
    "admin@demo.peercert": "panel-platform_admin",
    ce_demo.PROVIDER_EMAIL: "panel-ce-provider",
}


JUDGE = "judge.test@example.org"  # the demo has no standard-setting judge: one is added


@pytest.fixture
def demo_loaded(app) -> None:  # type: ignore[no-untyped-def]
    from core import demo

    with app.app_context():
        demo.load(db.session)
        lakes = db.session.execute(select(Board).where(Board.slug == "icrc-lakes")).scalar_one()
        if db.session.execute(select(User.id).where(User.email == JUDGE)).scalar() is None:
            create_user(db.session, JUDGE, [(Role.SME_JUDGE, lakes)])
        db.session.commit()


@pytest.mark.parametrize("size", list(SIZES))
def test_every_demo_role_dashboard_and_workspaces(  # type: ignore[no-untyped-def]
    app, browser, live_server, demo_loaded, size: str
) -> None:
    failures: list[str] = []
    missing = sorted(email for email in DEMO_PANELS if email not in PASSWORDS)
    assert not missing, f"not demo accounts: {missing}"
    visited: set[str] = set()
    for email, panel in [*DEMO_PANELS.items(), (JUDGE, None)]:
        visit = Visit(browser, live_server, size)
        visit.login(email, PASSWORDS.get(email, PASSWORD))
        if panel:
            expect(visit.page.get_by_test_id(panel).first).to_be_visible()
        visit.check()
        visited |= set(visit.landing_pages())
        failures += visit.failures
        visit.close()
    assert not failures, "\n".join(failures)
    with app.test_request_context():
        homes = {url_for(w.home) for w in modules.registry(app).workspaces}
    homes.discard("/dashboard")  # the platform's workspace is the dashboard itself
    assert homes <= visited, f"workspaces no demo role opened: {sorted(homes - visited)}"
    assert any(p.startswith("/boards/") for p in visited), "no board workspace opened"
