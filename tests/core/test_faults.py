"""Faults (issue 11, "Proof under load and faults").

- SMTP down: mail stays queued, goes out once the server answers, and nothing is sent twice
  (a real SMTP server on loopback that is off, then on).
- Database down while someone is signed in: every page, error pages included, answers 503
  "unavailable", never a 500 (found by bench/load.py --drill pg-restart: the error page
  loaded the signed-in person from the database that had just failed).

The PostgreSQL restart and the killed gunicorn worker are drills on a real server:
`python bench/load.py --drill pg-restart` and `--drill kill-worker` print their verdicts.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core import mail
from core.extensions import db
from core.models import OutboxMessage, utcnow
from tests.factories import login


class _Inbox:
    def __init__(self) -> None:
        self.subjects: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        for line in envelope.content.decode().splitlines():
            if line.startswith("Subject: "):
                self.subjects.append(line[len("Subject: ") :])
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _statuses(app) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.subject, OutboxMessage.status, OutboxMessage.attempts).order_by(
                OutboxMessage.id
            )
        ).all()
        return [tuple(r) for r in rows]


def test_smtp_down_keeps_mail_queued_then_sends_each_message_once(app) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()  # nothing listens here yet: the SMTP server is down
    old = app.config["MAIL_SERVER"], app.config["MAIL_PORT"], app.config.get("MAIL_PRINT")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_PRINT=False)
    try:
        with app.app_context():
            for n in range(3):
                mail.queue(db.session, f"person{n}@example.org", f"Message {n}", "Body")
            db.session.commit()
        runner = app.test_cli_runner()
        down = runner.invoke(args=["mail", "send"])
        assert down.exit_code == 0 and "retrying later 3" in down.output, down.output
        assert _statuses(app) == [(f"Message {n}", "pending", 1) for n in range(3)]

        inbox = _Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            # not yet due: the back-off holds them
            assert "sent 0" in runner.invoke(args=["mail", "send"]).output
            with app.app_context():  # the back-off has passed
                db.session.execute(
                    update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
                )
                db.session.commit()
            up = runner.invoke(args=["mail", "send"])
            assert "sent 3" in up.output, up.output
            again = runner.invoke(args=["mail", "send"])
            assert "sent 0" in again.output
        finally:
            controller.stop()
        assert sorted(inbox.subjects) == ["Message 0", "Message 1", "Message 2"]  # once each
        assert _statuses(app) == [(f"Message {n}", "sent", 2) for n in range(3)]
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"], app.config["MAIL_PRINT"] = old


@pytest.fixture
def database_down(monkeypatch):  # type: ignore[no-untyped-def]
    """From now on every ORM lookup fails as when the server restarts."""

    def refuse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("the database system is shutting down"))

    def down() -> None:
        monkeypatch.setattr(Session, "get", refuse)
        monkeypatch.setattr(Session, "execute", refuse)

    return down


def test_a_signed_in_person_gets_503_not_500_while_the_database_is_down(
    app, client, make_board, make_user, database_down
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("someone@example.org")
    login(client, user.email)
    assert client.get("/dashboard").status_code == 200
    database_down()
    for url in ("/dashboard", "/no-such-page", "/account/password"):
        response = client.get(url)
        assert response.status_code == 503, (url, response.status_code)
        assert "unavailable" in response.get_data(as_text=True).lower()
