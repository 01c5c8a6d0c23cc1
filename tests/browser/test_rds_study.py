"""A respondent completes the validation survey on a phone; the psychometrician gets the report."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from core.extensions import db
from core.models import Role, User
from rds.models import BlueprintVersion, Study, SurveyResponse, Task
from rds.scope.transfer import import_scope
from rds.survey.response_files import import_responses
from rds.survey.services import add_default_questions, open_survey
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.shared import RDS_SAMPLE, needs_rds_sample

SAMPLE = RDS_SAMPLE or Path("missing")
pytestmark = needs_rds_sample


@pytest.fixture
def study(app, make_board, make_user):  # type: ignore[no-untyped-def]
    board = make_board("lakes", "Great Lakes Certification Board")
    psych = make_user("psych@example.org", [(Role.PSYCHOMETRICIAN, board)])
    with app.app_context():
        actor = db.session.get(User, psych.id)
        row = Study(
            board_id=board.id,
            title="Peer specialist RDS",
            started_on=date(2026, 1, 5),
            incumbents=1500,
            survey_closes_on=date.today() + timedelta(days=30),
        )
        db.session.add(row)
        db.session.flush()
        import_scope(
            db.session, actor, row, (SAMPLE / "tasks.csv").read_bytes(), "tasks.csv", replace=False
        )
        for task in db.session.execute(select(Task).where(Task.study_id == row.id)).scalars():
            task.sme_resolution = "keep"
        add_default_questions(db.session, actor, row)
        open_survey(db.session, actor, row, date.today())
        db.session.commit()
        return {"id": row.id, "token": row.public_token, "psych": psych.email}


def test_respondent_completes_survey_on_a_phone(app, browser, live_server, study) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"/survey/{study['token']}")
    page.get_by_test_id("start-survey").click()
    # demographics: answer the first option of every question
    for group in page.locator("fieldset[id^=q-]").all():
        group.locator("input[type=radio]").first.check()
    page.get_by_test_id("save-page").click()
    pages = 0
    while page.get_by_test_id("task-fieldset").count():
        for i, task in enumerate(page.get_by_test_id("task-fieldset").all()):
            radios = task.locator("input[type=radio]")
            radios.nth(3 - i % 2).check()  # importance 3 or 2
            radios.nth(5 + 2 + i % 3).check()  # frequency 2, 3 or 4
        if pages == 0:
            screenshot(page, "survey-domain-phone")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"survey page scrolls sideways on a phone ({width}px)"
        page.get_by_test_id("save-page").click()
        pages += 1
    assert pages == 6  # one page per performance domain
    page.get_by_test_id("submit-survey").click()
    expect(page.get_by_role("heading", name=re.compile("Thank you", re.I))).to_be_visible()
    # the same phone opens the public link again: thanked, never started twice (issue 10)
    page.goto(f"/survey/{study['token']}")
    expect(page.get_by_test_id("survey-already-answered")).to_have_text(
        "You already answered — thank you"
    )
    expect(page.get_by_test_id("start-survey")).to_have_count(0)
    context.close()
    with app.app_context():
        response = db.session.execute(select(SurveyResponse)).scalar_one()
        assert response.status == "submitted" and response.resume_key_hash is None
        assert len(response.ratings) == 42
        assert all(r[0] in (2, 3) and r[1] in (2, 3, 4) for r in response.ratings.values())


def test_psychometrician_runs_analysis_and_downloads_report(
    app, browser, live_server, study
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        actor = db.session.execute(select(User).where(User.email == study["psych"])).scalar()
        row = db.session.get(Study, study["id"])
        import_responses(
            db.session,
            actor,
            row,
            (SAMPLE / "responses.csv").read_bytes(),
            "responses.csv",
            date.today(),
        )
        db.session.commit()
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(30000)
    page.goto("/login")
    page.get_by_label("Email").fill(study["psych"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/studies/{study['id']}/analysis")
    page.locator("#items").fill("120")
    page.get_by_role("button", name=re.compile("Run analysis")).click()
    expect(page.get_by_role("heading", name=re.compile("blueprint", re.I)).first).to_be_visible()
    screenshot(page, "rds-analysis")
    link = page.get_by_role("link", name=re.compile("report", re.I)).first
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    with app.app_context():
        result = db.session.execute(select(BlueprintVersion.result)).scalar_one()
    assert sum(d["items"] for d in result["domains"]) == 120
    for domain in result["domains"]:
        assert re.search(rf"{re.escape(domain['domain'])}\s.*?\b{domain['items']}\b", text, re.S)
    context.close()
