"""At 390 x 844 every main list shows each row as a card whose status badge is on the screen.

The lists are tables of class "table-cards" (core/static/app.css and tables.js): on a phone the
header row is hidden, each cell is labelled with its column's name and the rows stack as cards,
so the status column is not cut off by a table scrolling sideways.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from certify.models import Application, ApplicationDocument, CredentialType
from ceu import demo as ce_demo
from core import demo
from core.extensions import db
from core.models import Board, User, utcnow
from tests.browser.conftest import screenshot
from verify.models import RosterCheck

PHONE = {"width": 390, "height": 844}
PASSWORDS = {email: password for email, _, _, _, password in demo.PEOPLE}
PASSWORDS[ce_demo.PROVIDER_EMAIL] = ce_demo.PROVIDER_PASSWORD


@pytest.fixture
def demo_ids(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with app.app_context():
        demo.load(db.session)
        db.session.commit()
        ne = db.session.execute(select(Board.id).where(Board.slug == "ne-dbh")).scalar_one()
        sent_application(ne)
        db.session.commit()
        roster = db.session.execute(select(RosterCheck.id).order_by(RosterCheck.id)).scalar()
        assert roster is not None
        return {"ne": ne, "roster": roster}


def sent_application(board_id: int) -> None:
    """A submitted application with a document waiting, unless the board has one already."""
    waiting = db.session.execute(
        select(ApplicationDocument.id).where(
            ApplicationDocument.board_id == board_id, ApplicationDocument.status == "pending"
        )
    ).scalar()
    if waiting is not None:
        return
    trainee = db.session.execute(
        select(User).where(User.email == "phone.lists@example.org")
    ).scalar()
    if trainee is None:
        trainee = User(email="phone.lists@example.org", full_name="Pat Phone")
        trainee.set_password("a long unusual password 42")
        db.session.add(trainee)
        db.session.flush()
    ctype = db.session.execute(
        select(CredentialType)
        .where(CredentialType.board_id == board_id)
        .order_by(CredentialType.id)
    ).scalar()
    assert ctype is not None
    application = Application(
        board_id=board_id, trainee_id=trainee.id, credential_type_id=ctype.id,
        status="submitted", submitted_at=utcnow(),
    )  # fmt: skip
    db.session.add(application)
    db.session.flush()
    db.session.add(
        ApplicationDocument(
            board_id=board_id,
            application_id=application.id,
            kind="id",
            original_name="id.pdf",
            stored_name="phone-lists-id.pdf",
            content_type="application/pdf",
            size_bytes=10,
            status="pending",
        )  # fmt: skip
    )


# who opens which list, and the status filter that keeps rows on it
LISTS = {
    "trainee@demo.peercert": ["/me/hours"],
    "supervisor@demo.peercert": ["/supervise"],
    "ne.admin@demo.peercert": [
        "/boards/{ne}/applications",
        "/boards/{ne}/credentials",
        "/boards/{ne}/hours",
        "/boards/{ne}/supervisors",
        "/boards/{ne}/documents?status=",
        "/boards/{ne}/ce/review?status=",
    ],
    "certified@demo.peercert": ["/me/ce"],
    "employer@demo.peercert": ["/employer/rosters/{roster}"],
}


def cards(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Each row of the page's card tables: its box, its status cell's box and label."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('table.table-cards > tbody > tr'))
          .filter(tr => !tr.querySelector('td[colspan]'))
          .map(tr => {
            const box = tr.getBoundingClientRect();
            const badge = tr.querySelector('td[data-label="Status"] .badge');
            const b = badge ? badge.getBoundingClientRect() : null;
            const cell = badge ? badge.closest('td') : null;
            return {
              text: tr.innerText.slice(0, 60),
              row: [box.left, box.right, box.width],
              display: getComputedStyle(tr).display,
              badge: b && [b.left, b.right, b.width, b.height],
              label: cell && cell.getAttribute('data-label'),
              before: cell && getComputedStyle(cell, '::before').content,
            };
          })"""
    )


@pytest.mark.parametrize("email", list(LISTS))
def test_lists_are_cards_with_status_on_a_phone(browser, live_server, demo_ids, email: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORDS[email])
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("whoami").wait_for(state="attached")
    for path in LISTS[email]:
        response = page.goto(path.format(**demo_ids))
        assert response is not None and response.ok, path
        rows = cards(page)
        assert rows, f"{path}: no rows to show (the demo should fill this list)"
        for row in rows:
            where = f"{path}: row {row['text']!r}"
            assert row["display"] == "block", f"{where} is not a card ({row['display']})"
            assert row["row"][0] >= 0 and row["row"][1] <= PHONE["width"], f"{where} box {row}"
            assert row["badge"] is not None, f"{where} has no status badge"
            left, right, width, height = row["badge"]
            assert width > 0 and height > 0, f"{where}: status badge hidden"
            assert left >= 0 and right <= PHONE["width"], f"{where}: status off the screen {row}"
            assert row["label"] == "Status" and "Status" in row["before"], where
        screenshot(
            page, "phone-list-" + path.format(**demo_ids).strip("/").split("?")[0].replace("/", "-")
        )
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= PHONE["width"], f"{path} scrolls sideways on a phone ({scroll}px)"
    context.close()


def test_bulk_confirm_at_the_top_on_a_phone(browser, live_server, demo_ids) -> None:  # type: ignore[no-untyped-def]
    """The supervisor's bulk action and a select-all box sit above the cards; the header's
    own select-all box, out of sight on a phone, takes no focus."""
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill("supervisor@demo.peercert")
    page.get_by_label("Password").fill(PASSWORDS["supervisor@demo.peercert"])
    page.get_by_role("button", name="Log in").click()
    page.goto("/supervise")
    confirm = page.get_by_role("button", name="Confirm selected")
    select_all = page.get_by_label("Select all", exact=True)
    first_card = page.locator("table.table-cards > tbody > tr").first
    for control in (confirm, select_all):
        expect(control).to_be_visible()
        assert control.bounding_box()["y"] < first_card.bounding_box()["y"]  # type: ignore[index]
    select_all.check()
    boxes = page.locator('input[name="entry_ids"]')
    assert boxes.count() > 0
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    header_box = page.get_by_label("Select all pending entries")
    assert header_box.evaluate("e => getComputedStyle(e).visibility") == "hidden"
    expect(header_box).not_to_be_visible()
    context.close()


def test_my_hours_order_is_chosen_above_the_cards_on_a_phone(
    browser, live_server, demo_ids
) -> None:  # type: ignore[no-untyped-def]
    """The header's sort links are out of sight on a phone: an Order choice replaces them."""
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill("trainee@demo.peercert")
    page.get_by_label("Password").fill(PASSWORDS["trainee@demo.peercert"])
    page.get_by_role("button", name="Log in").click()
    page.goto("/me/hours")
    dates = page.locator('table.table-cards td[data-label="Date"]')
    newest = dates.all_inner_texts()
    assert len(newest) > 1 and newest == sorted(newest, reverse=True)
    page.get_by_label("Order").select_option(label="Oldest first")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**sort=date_asc**")
    oldest = dates.all_inner_texts()
    assert oldest == sorted(oldest) and oldest[0] <= newest[-1]
    context.close()


@pytest.mark.parametrize(
    "path", ["/boards/{ne}/staff", "/boards/{ne}/audit", "/boards/{ne}/training/cohorts"]
)
def test_more_board_lists_are_cards_on_a_phone(browser, live_server, demo_ids, path: str) -> None:  # type: ignore[no-untyped-def]
    """Staff, audit log and cohorts: every row a labelled card, nothing off the screen."""
    email = "ne.admin@demo.peercert"
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORDS[email])
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("whoami").wait_for(state="attached")
    response = page.goto(path.format(**demo_ids))
    assert response is not None and response.ok, path
    rows = cards(page)
    assert rows, f"{path}: no rows"
    for row in rows:
        assert row["display"] == "block", f"{path}: {row['text']!r} is not a card"
        assert row["row"][0] >= 0 and row["row"][1] <= PHONE["width"], f"{path}: {row}"
    labels = page.evaluate(
        "Array.from(document.querySelectorAll('table.table-cards > tbody td[data-label]')).length"
    )
    assert labels > 0, f"{path}: cells carry no column labels"
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= PHONE["width"], f"{path} scrolls sideways on a phone ({scroll}px)"
    context.close()
