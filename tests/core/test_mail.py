"""The outbox delivers through a real SMTP server on loopback and retries failures."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core import mail
from core.extensions import db
from core.models import OutboxMessage, utcnow


class Collector:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_outbox_delivers_to_real_smtp_server(app, smtp_server) -> None:  # type: ignore[no-untyped-def]
    controller, handler = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with app.app_context():
        mail.queue(
            db.session,
            "trainee@example.org",
            "Your hours were confirmed",
            "Open your dashboard to see them.",
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(handler.messages) == 1
    sender, rcpts, content = handler.messages[0]
    assert rcpts == ["trainee@example.org"]
    assert b"Subject: Your hours were confirmed" in content
    assert b"Open your dashboard" in content
    with app.app_context():
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert message.status == "sent" and message.sent_at is not None
    # nothing is sent twice
    app.test_cli_runner().invoke(args=["mail", "send"])
    assert len(handler.messages) == 1


def test_unreachable_server_retries_then_fails(app) -> None:  # type: ignore[no-untyped-def]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_MAX_ATTEMPTS=2)
    with app.app_context():
        mail.queue(db.session, "a@example.org", "Hello", "Body")
        db.session.commit()
        report = mail.deliver_pending(db.session, app.config)
        db.session.commit()
        assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert message.status == "pending" and "cannot reach mail server" in message.last_error
        assert message.next_attempt_at > utcnow()
        # not due yet: skipped
        assert mail.deliver_pending(db.session, app.config).retrying == 0
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        report = mail.deliver_pending(db.session, app.config)
        db.session.commit()
        assert report.failed == 1
        assert db.session.execute(select(OutboxMessage.status)).scalar_one() == "failed"
    app.config.update(MAIL_MAX_ATTEMPTS=5)
