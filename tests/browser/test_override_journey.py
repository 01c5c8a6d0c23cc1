"""A reviewer approves and issues an application with a requirement unmet only by an explicit
override with a reason, which the application's page then shows (issue 10)."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from certify.applications import services as applications
from certify.models import Credential, CredentialType
from core.extensions import db
from core.models import Role, User
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, credential_type, ready_trainee


def test_approve_and_issue_with_the_exam_missing_need_an_override_reason(
    app, browser, live_server, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne", "Nebraska Peer Support Certification")
    type_id = credential_type(app, board)
    reviewer = make_user("reviewer@example.org", [(Role.BOARD_REVIEWER, board)])
    trainee = make_user("riley@example.org", [(Role.TRAINEE, board)])
    ready_trainee(app, board, trainee, exam_passed=False)  # everything but the exam
    with app.test_request_context():
        person = db.session.get(User, trainee.id)
        application = applications.start(
            db.session, person, db.session.get(CredentialType, type_id)
        )
        applications.submit(db.session, application, person, date.today(), confirmed=True)
        db.session.commit()
        application_id = application.id

    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/login")
    page.get_by_label("Email").fill(reviewer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/boards/{board.id}/applications/{application_id}")
    page.get_by_role("button", name="Start review").click()
    expect(page.get_by_text("Exam not passed").first).to_be_visible()
    # approving without a reason is refused and says what is unmet
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("I confirm", exact=False).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Exam not passed").first).to_be_visible()
    with app.app_context():
        assert db.session.get(type(application), application_id).status == "in_review"
    page.get_by_label("Approve", exact=True).check()
    page.locator("#decision-override").fill("Exam sitting cancelled by the vendor; board motion 12")
    page.get_by_label("I confirm", exact=False).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("override-note")).to_contain_text("Exam sitting cancelled")
    page.get_by_label("Override reason").fill("Issued under the same board motion 12")
    page.get_by_role("button", name="Issue credential").click()
    expect(page.get_by_text("issued", exact=False).first).to_be_visible()
    screenshot(page, "override-issued")
    context.close()
    with app.app_context():
        credential = db.session.execute(select(Credential)).scalar_one()
        assert credential.issued_by_override and "motion 12" in (credential.override_reason or "")
