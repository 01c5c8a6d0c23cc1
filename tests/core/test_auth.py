"""Registration, activation, login, logout, lockout, password reset, CSRF and rate limits."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from core.extensions import db
from core.models import LoginThrottle, OutboxMessage, Role, User, UserToken, utcnow
from tests.factories import PASSWORD, login


def _last_link(app, path: str) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        body = (
            db.session.execute(select(OutboxMessage.body_text).order_by(OutboxMessage.id.desc()))
            .scalars()
            .first()
        )
    match = re.search(rf"http://localhost(/{path}/\S+)", body or "")
    assert match, body
    return match.group(1)


def test_register_activate_login_logout(app, client, make_board) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    response = client.post(
        "/register",
        data={
            "full_name": "Alex Peer",
            "email": "Alex@Example.org",
            "account_type": "trainee",
            "board_id": board.id,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    # not active yet
    response = login(client, "alex@example.org")
    assert (
        "not activated yet" in client.get("/login").get_data(as_text=True)
        or response.status_code == 200
    )
    link = _last_link(app, "activate")
    # one click: the link activates the account; no password is asked again (issue 10)
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Your account is active" in client.get("/login").get_data(as_text=True)
    response = login(client, "ALEX@example.org")
    assert response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Alex Peer" in page and 'data-testid="panel-eligibility"' in page
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "alex@example.org")).scalar_one()
        assert [(a.role, a.board_id) for a in user.roles] == [("trainee", board.id)]
        assert user.password_hash and PASSWORD not in user.password_hash


def test_register_errors_keep_input(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("taken@example.org")
    response = client.post(
        "/register",
        data={
            "full_name": "Kim",
            "email": "taken@example.org",
            "account_type": "employer",
            "board_id": 0,
            "password": "short",
            "confirm": "short",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Use 10 to 128 characters." in page
    assert 'value="Kim"' in page
    response = client.post(
        "/register",
        data={
            "full_name": "Kim",
            "email": "kim@example.org",
            "account_type": "trainee",
            "board_id": 0,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert "Choose the board you want to be certified by." in response.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("pat@example.org")
    for email, password in (("pat@example.org", "wrong password!"), ("nobody@x.org", PASSWORD)):
        response = client.post(
            "/login", data={"email": email, "password": password}, follow_redirects=True
        )
        assert "Email or password is not right." in response.get_data(as_text=True)


def test_lockout_after_repeated_failures(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("lock@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "lock@example.org", "not the password")
    response = login(client, "lock@example.org")  # right password, but this address waits
    assert response.status_code == 200
    assert "wait a few minutes" in response.get_data(as_text=True)
    with app.app_context():
        db.session.execute(
            update(LoginThrottle).values(next_try_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert login(client, "lock@example.org").status_code == 302


def test_activation_token_expired_or_reused(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    login(client, admin.email)
    response = client.post(
        f"/boards/{board.id}/staff",
        data={"full_name": "Rae Reviewer", "email": "rae@example.org", "role": "board_reviewer"},
    )
    assert response.status_code == 302
    link = _last_link(app, "activate")
    client.post("/logout")
    fresh = app.test_client()
    assert fresh.post(link, data={"password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    again = app.test_client().post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    # an expired one
    login(client, admin.email)
    client.post(
        f"/boards/{board.id}/staff",
        data={"full_name": "Eli", "email": "eli@example.org", "role": "psychometrician"},
    )
    link = _last_link(app, "activate")
    with app.app_context():
        token = db.session.execute(select(UserToken).order_by(UserToken.id.desc())).scalar()
        token.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    expired = app.test_client().post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    bogus = app.test_client().post(
        "/activate/not-a-token", data={"password": PASSWORD, "confirm": PASSWORD}
    )
    assert bogus.status_code == 400 and "not valid" in bogus.get_data(as_text=True)


def test_password_reset_by_emailed_token(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("forgetful@example.org")
    response = client.post("/forgot", data={"email": "forgetful@example.org"})
    assert response.status_code == 302
    link = _last_link(app, "reset")
    assert (
        client.post(
            link, data={"password": "brand new secret", "confirm": "brand new secret"}
        ).status_code
        == 302
    )
    assert login(client, "forgetful@example.org").status_code == 200  # old one fails
    assert login(client, "forgetful@example.org", "brand new secret").status_code == 302
    # unknown addresses get the same answer and no mail
    with app.app_context():
        before = db.session.execute(select(OutboxMessage)).scalars().all()
    client.post("/forgot", data={"email": "nobody@example.org"})
    with app.app_context():
        assert len(db.session.execute(select(OutboxMessage)).scalars().all()) == len(before)


def test_csrf_rejects_forms_without_token(app, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("csrf@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"email": "csrf@example.org", "password": PASSWORD})
        assert response.status_code == 400
        assert "reload the page" in response.get_data(as_text=True)
        assert client.get("/dashboard").status_code == 302  # still not logged in
        assert client.post("/logout").status_code == 400  # plain POST route, no token
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/login", data={"email": "csrf@example.org", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_login_is_rate_limited(app) -> None:  # type: ignore[no-untyped-def]
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        client = app.test_client()
        env = {"REMOTE_ADDR": "10.9.8.7"}
        codes = [
            client.post(
                "/login", data={"email": "x@y.org", "password": "p"}, environ_base=env
            ).status_code
            for _ in range(4)
        ]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        other = client.post(
            "/login",
            data={"email": "x@y.org", "password": "p"},
            environ_base={"REMOTE_ADDR": "10.9.8.8"},
        )
        assert other.status_code == 200
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"


def test_login_redirects_only_within_the_site(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("nav@example.org")
    for target, expected in (
        ("/boards/1", "/boards/1"),
        ("//evil.example", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
    ):
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": "nav@example.org", "password": PASSWORD},
        )
        assert response.headers["Location"] == expected, target
        client.post("/logout")
