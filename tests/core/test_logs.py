"""Operations: structured logs with request ids and no personal data.

A crawl of every page as four demo people (plus failed logins, a password reset request and a
registration) writes JSON log lines; none of them holds an email, a name, an address or a
one-time token of anyone in the database.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.demo import load as load_demo
from core.extensions import db
from core.models import User
from tests.core.test_route_guards import _urls
from tests.logcapture import captured_logs

PEOPLE = [
    ("admin@demo.peercert", "demo-platform-admin"),
    ("trainee@demo.peercert", "demo-trainee"),
    ("supervisor@demo.peercert", "demo-supervisor"),
    ("employer@demo.peercert", "demo-employer"),
]


@pytest.fixture
def log_lines(app):  # type: ignore[no-untyped-def]
    with captured_logs(app.logger.name) as lines:
        yield lines


def test_a_full_crawl_logs_no_personal_data(app, log_lines) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
        people = db.session.execute(select(User.email, User.full_name)).all()
    secrets = {value for person in people for value in person if value}
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    secrets.add("203.0.113.77")
    for email, _ in PEOPLE[:2]:  # failed logins name no one in the log
        client.post("/login", data={"email": email, "password": "wrong"})
    client.post("/forgot", data={"email": "trainee@demo.peercert"})
    client.post(
        "/register",
        data={"email": "new.person@example.org", "full_name": "Quentin Newcomer", "password": "x"},
    )
    secrets |= {"new.person@example.org", "Quentin Newcomer"}
    requests = 0
    for email, password in PEOPLE:
        client.post("/login", data={"email": email, "password": password})
        for rule, url in _urls(app):
            if "GET" in rule.methods and not rule.arguments:
                client.get(url)
                requests += 1
        client.post("/logout")
    assert requests > 100
    request_lines = [json.loads(line) for line in log_lines if '"event": "request"' in line]
    assert len(request_lines) >= requests
    assert all(len(line["request_id"]) == 32 for line in request_lines)
    assert {line["status"] for line in request_lines} >= {200, 302}
    every = "\n".join(log_lines)
    leaked = sorted(s for s in secrets if s in every)
    assert leaked == [], leaked


def test_the_request_id_is_passed_on_and_routes_hide_their_values(app, client, log_lines) -> None:  # type: ignore[no-untyped-def]
    response = client.get(
        "/reset/some-secret-reset-token-value", headers={"X-Request-ID": "abc-123-xyz"}
    )
    assert response.headers["X-Request-ID"] == "abc-123-xyz"
    line = json.loads(next(x for x in log_lines if "abc-123-xyz" in x))
    assert line["route"] == "/reset/<token>" and line["request_id"] == "abc-123-xyz"
    assert "some-secret-reset-token-value" not in "\n".join(log_lines)
    odd = client.get("/login", headers={"X-Request-ID": "bad id with spaces"})
    assert (
        odd.headers["X-Request-ID"] != "bad id with spaces"
        and len(odd.headers["X-Request-ID"]) == 32
    )
