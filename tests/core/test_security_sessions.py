"""Finding #7: sessions and one-time links end when they should.

A used link takes the person's other links of its kind with it; an activation link never
resets an active account's password; logout, a password change or reset and an admin's
"sign out everywhere" end every session (a session version on the account); sessions end
when idle and after a maximum age; a password is changed only with the current one.
"""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from core import accounts
from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role, User
from tests.factories import PASSWORD, login

NEW_PASSWORD = "a brand new secret"


def _links(app, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        bodies = db.session.execute(
            select(OutboxMessage.body_text).order_by(OutboxMessage.id)
        ).scalars()
        return [m for body in bodies for m in re.findall(rf"http://localhost(/{path}/\S+)", body)]


def _set(client, link: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(link, data={"password": password, "confirm": password})


def _copy_of(client, app):  # type: ignore[no-untyped-def]
    """A second browser holding a copy of client's session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/dashboard").status_code == 200


def test_using_a_reset_link_kills_the_older_ones(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("pat@example.org")
    client.post("/forgot", data={"email": "pat@example.org"})
    client.post("/forgot", data={"email": "pat@example.org"})
    older, newer = _links(app, "reset")
    assert _set(client, newer).status_code == 302
    again = _set(client, older, "someone else's pick")
    assert again.status_code == 400 and "already been used" in again.text
    assert login(client, "pat@example.org", NEW_PASSWORD).status_code == 302


def test_activation_links_never_reset_an_active_accounts_password(
    app, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    client = app.test_client()
    login(client, admin.email)
    client.post(
        f"/boards/{board.id}/staff",
        data={"full_name": "Rae", "email": "rae@example.org", "role": "board_reviewer"},
    )
    # a second activation link, asked for on the resend page (inviting twice sends nothing)
    app.test_client().post("/activate", data={"email": "rae@example.org"})
    first, second = _links(app, "activate")
    assert _set(app.test_client(), first).status_code == 302
    assert _set(app.test_client(), second, "the attacker's pick").status_code == 400
    with app.app_context():  # even a link that somehow stayed valid cannot do it
        rae = db.session.execute(select(User).where(User.email == "rae@example.org")).scalar_one()
        stray = accounts.issue_token(db.session, rae, "activation")
        db.session.commit()
    response = _set(app.test_client(), f"/activate/{stray}", "the attacker's pick")
    assert response.status_code == 400 and "already active" in response.text
    assert login(app.test_client(), "rae@example.org", NEW_PASSWORD).status_code == 302


def test_logout_ends_a_copied_session_cookie(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("pat@example.org", [(Role.EMPLOYER, None)])
    login(client, "pat@example.org")
    thief = _copy_of(client, app)
    assert _logged_in(thief)
    client.post("/logout")
    assert not _logged_in(thief)


def test_a_password_reset_ends_every_session(app, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("pat@example.org", [(Role.EMPLOYER, None)])
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "pat@example.org")
    phone.post("/forgot", data={"email": "pat@example.org"})
    (link,) = _links(app, "reset")
    assert _set(phone, link).status_code == 302
    assert not _logged_in(laptop)


def test_password_change_needs_the_current_one_and_ends_other_sessions(app, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("pat@example.org", [(Role.EMPLOYER, None)])
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "pat@example.org")
    login(elsewhere, "pat@example.org")
    assert 'href="/account/password"' in here.get("/dashboard").text  # in the navigation
    wrong = here.post(
        "/account/password",
        data={"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "This is not your current password." in wrong.text
    assert _logged_in(elsewhere)
    right = here.post(
        "/account/password",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert right.status_code == 302
    assert _logged_in(here) and not _logged_in(elsewhere)
    assert login(app.test_client(), "pat@example.org", NEW_PASSWORD).status_code == 302
    with app.app_context():
        actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "account.password_changed" in actions


def test_a_board_admin_signs_a_person_out_everywhere(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne, lakes = make_board("ne"), make_board("lakes")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, ne)])
    other_admin = make_user("other@example.org", [(Role.BOARD_ADMIN, lakes)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, ne)])
    reviewers_laptop, admins, others = app.test_client(), app.test_client(), app.test_client()
    login(reviewers_laptop, reviewer.email)
    login(admins, admin.email)
    login(others, other_admin.email)
    url = f"/boards/{ne.id}/staff/{reviewer.id}/sign-out"
    assert "Sign out everywhere" in admins.get(f"/boards/{ne.id}/staff").text
    assert others.post(url).status_code == 404  # not their board
    assert others.post(f"/boards/{lakes.id}/staff/{reviewer.id}/sign-out").status_code == 404
    assert _logged_in(reviewers_laptop)
    assert admins.post(url).status_code == 302
    assert not _logged_in(reviewers_laptop) and _logged_in(admins)


def test_an_idle_session_ends(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("pat@example.org", [(Role.EMPLOYER, None)])
    login(client, "pat@example.org")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - idle + 30
    assert _logged_in(client)  # not idle long enough; and the visit counts as activity
    with client.session_transaction() as session:
        assert session["seen_at"] >= int(time.time()) - 5
        session["seen_at"] = int(time.time()) - idle - 1
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_ends_after_its_maximum_age_even_when_busy(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("pat@example.org", [(Role.EMPLOYER, None)])
    login(client, "pat@example.org")
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - app.config["SESSION_MAX_HOURS"] * 3600 - 1
    assert not _logged_in(client)
