"""Every demo role logs in through a real browser and sees its own dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core import demo
from core.extensions import db
from tests.browser.conftest import screenshot

PANEL = {
    "Platform administrator": "panel-platform_admin",
    "Board administrator": "panel-board_admin",
    "Board reviewer": "panel-board_reviewer",
    "Psychometrician": "panel-rds-studies",
    "Supervisor": "panel-supervisor-hours",
    "Trainee / certificant": "panel-eligibility",
    "Employer": "panel-employer",
    "Trainer": "panel-trainer",
    "CE provider": "panel-ce-provider",
    "Exam manager": "panel-exams",
    "Item writer": "panel-exams",
    "Item reviewer": "panel-exams",
    "SME judge": "panel-exams-judge",
}


@pytest.fixture
def demo_accounts(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        accounts = demo.load(db.session)
        db.session.commit()
    return accounts


def test_each_demo_role_sees_its_dashboard(page, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    seen = set()
    for account in demo_accounts:
        if account.role in seen:
            continue
        seen.add(account.role)
        page.goto("/login")
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Password").fill(account.password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        expect(page.get_by_test_id(PANEL[account.role]).first).to_be_visible()
        screenshot(page, "dashboard-" + PANEL[account.role])
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_text("You are logged out.")).to_be_visible()
    assert seen == set(PANEL)


def test_login_form_on_a_phone_with_keyboard(browser, live_server, demo_accounts) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/login")
    page.keyboard.press("Tab")  # skip link first
    expect(page.get_by_text("Skip to main content")).to_be_focused()
    page.get_by_label("Email").fill("trainee@demo.peercert")
    page.get_by_label("Password").fill("wrong password here")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Email or password is not right.")
    page.get_by_label("Password").fill("demo-trainee")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("panel-eligibility")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "trainee-phone")
    context.close()
