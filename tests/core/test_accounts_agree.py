"""Accounts (issue 10): activation is one click after registration; links are checked before
any form is shown; a resend-activation path; emails and pages that agree."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from core.extensions import db
from core.models import OutboxMessage, Role, User
from tests.factories import PASSWORD, login


def _mails(app: Any, to: str) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.to_addr == to).order_by(OutboxMessage.id)
        return list(db.session.execute(query).scalars())


def _link(message: OutboxMessage, path: str) -> str:
    match = re.search(rf"http://localhost(/{path}/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def _register(client: Any, board: Any, email: str = "alex@example.org") -> None:
    response = client.post(
        "/register",
        data={"full_name": "Alex Peer", "email": email, "account_type": "trainee",
              "board_id": board.id, "password": PASSWORD, "confirm": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302


def test_activation_is_one_click_after_registration(app, client, make_board) -> None:
    board = make_board("ne")
    _register(client, board)
    [mail] = _mails(app, "alex@example.org")
    assert "one click" in mail.body_text and "choose your password" not in mail.body_text
    with app.app_context():
        hashed = db.session.execute(select(User.password_hash)).scalar_one()
    clicked = client.get(_link(mail, "activate"))
    assert clicked.status_code == 302 and clicked.location.endswith("/login")
    page = client.get("/login").text
    assert "Your account is active. Log in with the password you chose." in page
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert user.activated_at is not None and user.password_hash == hashed  # unchanged
    assert login(client, "alex@example.org").location.endswith("/dashboard")
    # the same link again: the account is active, and no form is offered
    again = app.test_client().get(_link(mail, "activate"))
    assert again.status_code == 400 and 'name="password"' not in again.text


def test_a_bad_link_is_refused_before_any_form_and_said_once(app, client, make_user) -> None:
    for url, words in (
        ("/activate/not-a-token", "This link is not valid."),
        ("/reset/not-a-token", "This link is not valid."),
    ):
        page = client.get(url)
        assert page.status_code == 400 and 'name="password"' not in page.text, url
        assert page.text.count(words) == 1, url
    # a used reset link: refused on sight, with the way to a new one
    make_user("pat@example.org")
    client.post("/forgot", data={"email": "pat@example.org"})
    link = _link(_mails(app, "pat@example.org")[-1], "reset")
    assert client.get(link).status_code == 200  # a good link shows the form
    done = client.post(
        link, data={"password": "a brand new secret", "confirm": "a brand new secret"}
    )
    assert done.status_code == 302
    used = client.get(link)
    assert used.status_code == 400 and 'name="password"' not in used.text
    assert used.text.count("This link has already been used.") == 1 and "/forgot" in used.text


def test_a_new_activation_link_on_request_and_pages_that_say_what_happens(
    app, client, make_board, make_user
) -> None:
    board = make_board("ne")
    _register(client, board)
    assert "/activate" in client.get("/login").text  # the way to a new link is offered
    page = client.get("/activate")
    assert page.status_code == 200 and "New activation link" in page.text
    answer = client.post("/activate", data={"email": "ALEX@example.org"}, follow_redirects=True)
    assert "a new activation link is on its way" in answer.text
    first, second = _mails(app, "alex@example.org")
    assert "/activate/" in second.body_text
    # the newest link works; an unknown or active address gets the same page and no mail
    assert client.get(_link(second, "activate")).status_code == 302
    make_user("active@example.org")
    with app.app_context():
        before = db.session.execute(select(func.count(OutboxMessage.id))).scalar_one()
    for email in ("nobody@example.org", "active@example.org", "alex@example.org"):
        same = client.post("/activate", data={"email": email}, follow_redirects=True)
        assert "a new activation link is on its way" in same.text
    with app.app_context():
        assert db.session.execute(select(func.count(OutboxMessage.id))).scalar_one() == before


def test_forgot_password_for_an_account_not_activated_sends_its_activation_link(
    app, client, make_board
) -> None:
    """The page promises a link; for an account not activated yet it is the activation link."""
    board = make_board("ne")
    _register(client, board, "late@example.org")
    answer = client.post("/forgot", data={"email": "late@example.org"}, follow_redirects=True)
    assert "a link is on its way" in answer.text
    newest = _mails(app, "late@example.org")[-1]
    assert "Activate your" in newest.subject
    assert client.get(_link(newest, "activate")).status_code == 302


def test_an_invited_account_chooses_its_password_on_a_checked_link(
    app, client, make_board, make_user
) -> None:
    board = make_board("ne")
    make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    login(client, "admin@example.org")
    client.post(
        f"/boards/{board.id}/staff",
        data={"full_name": "Rae", "email": "rae@example.org", "role": "board_reviewer"},
    )
    [mail] = _mails(app, "rae@example.org")
    assert "choose your password" in mail.body_text
    fresh = app.test_client()
    form = fresh.get(_link(mail, "activate"))
    assert form.status_code == 200 and 'name="password"' in form.text
    saved = fresh.post(_link(mail, "activate"), data={"password": PASSWORD, "confirm": PASSWORD})
    assert saved.status_code == 302 and saved.location.endswith("/dashboard")
