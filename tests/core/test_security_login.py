"""Findings #5 and #6: logins tell nobody which accounts exist, and guessing only slows the guesser.

Every failure gets one message and costs one password hash; failures count per account and
address in one database statement, so concurrent guesses are all counted and the owner,
logging in from elsewhere, is never locked out.
"""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.accounts import LOGIN_FAILED
from core.extensions import db
from core.models import AuditEvent, LoginThrottle, OutboxMessage, Role, User, utcnow
from tests.factories import PASSWORD

ATTACKER = {"REMOTE_ADDR": "198.51.100.7"}
OWNER = {"REMOTE_ADDR": "203.0.113.20"}


def _try(client, email: str, password: str, where=ATTACKER):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password}, environ_base=where)


def _message(response) -> str:  # type: ignore[no-untyped-def]
    found = re.findall(r'<div class="alert alert-danger"[^>]*>([^<]*)</div>', response.text)
    assert len(found) == 1, response.text
    return found[0]


def test_every_login_failure_gets_the_same_message(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("pat@example.org")
    make_user("invited@example.org", password="", active=False)
    with app.app_context():
        db.session.execute(
            update(User).where(User.email == "invited@example.org").values(password_hash=None)
        )
        db.session.commit()
    answers = {
        "unknown": _message(_try(client, "nobody@example.org", PASSWORD)),
        "wrong password": _message(_try(client, "pat@example.org", "wrong password!")),
        "invited, no password yet": _message(_try(client, "invited@example.org", PASSWORD)),
    }
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _try(client, "pat@example.org", "wrong password!")
    answers["waiting, right password"] = _message(_try(client, "pat@example.org", PASSWORD))
    assert set(answers.values()) == {LOGIN_FAILED}, answers


def test_unknown_and_known_accounts_cost_one_password_hash_each(  # type: ignore[no-untyped-def]
    app, client, make_user, monkeypatch
) -> None:
    make_user("pat@example.org")
    _try(client, "warm-up@example.org", PASSWORD)  # the dummy hash is made once, on first use
    calls: list[int] = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real_scrypt(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    costs = {}
    for label, email, password in (
        ("unknown account", "nobody@example.org", PASSWORD),
        ("known, wrong password", "pat@example.org", "wrong password!"),
        ("known, right password", "pat@example.org", PASSWORD),
    ):
        calls.clear()
        _try(client, email, password)
        costs[label] = len(calls)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _try(client, "pat@example.org", "wrong password!")
    calls.clear()
    _try(client, "pat@example.org", PASSWORD)
    costs["known, waiting"] = len(calls)
    assert costs == dict.fromkeys(costs, 1)


def test_guessing_slows_that_address_but_never_locks_the_owner_out(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("pat@example.org")
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _try(attacker, user.email, "a guess").status_code == 200
    # the guesser now waits, even with the right password ...
    assert _try(attacker, user.email, PASSWORD).status_code == 200
    # ... while the owner, elsewhere, logs in at once
    assert _try(owner, user.email, PASSWORD, OWNER).status_code == 302

    def wait_minutes() -> float:
        with app.app_context():
            row = db.session.execute(
                select(LoginThrottle).where(LoginThrottle.ip == ATTACKER["REMOTE_ADDR"])
            ).scalar_one()
            return (row.next_try_at - utcnow()).total_seconds() / 60

    assert 0.9 < wait_minutes() <= 1
    with app.app_context():  # the minute has passed: one more guess, then twice the wait
        db.session.execute(update(LoginThrottle).values(next_try_at=utcnow()))
        db.session.commit()
    assert _try(attacker, user.email, "another guess").status_code == 200
    assert 1.9 < wait_minutes() <= 2
    # a right password from the guesser's address, once allowed, clears its count
    with app.app_context():
        db.session.execute(update(LoginThrottle).values(next_try_at=utcnow()))
        db.session.commit()
    assert _try(attacker, user.email, PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(LoginThrottle)).scalar() == 0


def test_registration_does_not_tell_whether_an_account_exists(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    make_user("taken@example.org", [(Role.TRAINEE, board)])

    def register(email: str):  # type: ignore[no-untyped-def]
        client = app.test_client()
        response = client.post(
            "/register",
            data={
                "full_name": "Kim Peer",
                "email": email,
                "account_type": "trainee",
                "board_id": board.id,
                "password": PASSWORD,
                "confirm": PASSWORD,
            },
            follow_redirects=True,
        )
        return response.status_code, response.text

    assert register("taken@example.org") == register("new@example.org")
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(User)).scalar() == 2
        to_owner = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to_addr == "taken@example.org")
        ).scalar_one()
    assert "already have one" in to_owner.body_text and "Kim Peer" not in to_owner.body_text


def test_logins_are_audited_without_email_or_password(app, client, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("pat@example.org")
    _try(client, "nobody@example.org", "secret guess 1")
    _try(client, user.email, "secret guess 2")
    _try(client, user.email, PASSWORD)
    client.post("/logout")
    with app.app_context():
        events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        seen = [(e.action, e.entity_id, e.ip) for e in events]
        text = repr([(e.before, e.after) for e in events])
    assert seen == [
        ("auth.login_failed", None, ATTACKER["REMOTE_ADDR"]),
        ("auth.login_failed", str(user.id), ATTACKER["REMOTE_ADDR"]),
        ("auth.login", str(user.id), ATTACKER["REMOTE_ADDR"]),
        ("auth.logout", str(user.id), "127.0.0.1"),
    ]
    assert "@" not in text and "secret guess" not in text and PASSWORD not in text


@pytest.mark.real_commits  # the threads' requests commit for real, on connections of their own
def test_twenty_concurrent_guesses_are_all_counted_on_postgresql(app, make_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(
                reason="concurrent logins need the PostgreSQL run (row locks, real commits)"
            )
    user = make_user("pat@example.org")
    barrier, codes, errors = threading.Barrier(20, timeout=60), [], []

    def guess(n: int) -> None:
        try:
            client = app.test_client()
            barrier.wait()
            codes.append(_try(client, user.email, f"guess number {n}").status_code)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and codes == [200] * 20
    allowed = app.config["LOGIN_MAX_FAILURES"]
    with app.app_context():
        reasons = (
            db.session.execute(
                select(AuditEvent.after).where(AuditEvent.action == "auth.login_failed")
            )
            .scalars()
            .all()
        )
        row = db.session.execute(select(LoginThrottle)).scalar_one()
    # every guess was counted: only the allowed number had their password checked
    assert sorted(r["reason"] for r in reasons) == sorted(
        ["wrong password"] * allowed + ["waiting after failed tries"] * (20 - allowed)
    )
    assert row.failures == allowed and row.next_try_at > utcnow() + timedelta(seconds=50)
    # the right password from the guessing address waits too; the owner elsewhere gets in
    assert _try(app.test_client(), user.email, PASSWORD).status_code == 200
    assert _try(app.test_client(), user.email, PASSWORD, OWNER).status_code == 302
