"""Finding #2: one name must not stop all email.

Single-line form fields lose their line breaks and control characters (every form of every
module), and the outbox sends and marks each message in a transaction of its own: a message
that cannot be built is marked failed and a crash midway never sends earlier messages again.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask_wtf import FlaskForm
from sqlalchemy import insert, select
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField, TextAreaField

from core import mail
from core.extensions import db
from core.models import OutboxMessage, User, utcnow
from tests.factories import PASSWORD

NASTY = "Mallory\r\nBcc: everyone@example.org\x00\x1b[31m\u2028x"


class Collector:
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


@pytest.fixture
def smtp(app):  # type: ignore[no-untyped-def]
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    controller.stop()


def _queue(app, *subjects: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        for subject in subjects:
            mail.queue(db.session, "someone@example.org", subject, "Body")
        db.session.commit()


def _statuses(app) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return {m.subject: (m.status, m.last_error) for m in rows}


def test_a_message_that_cannot_be_built_fails_alone_and_nothing_is_sent_twice(app, smtp) -> None:  # type: ignore[no-untyped-def]
    _queue(app, "First")
    with app.app_context():  # as a row stored before the subject was made one line
        db.session.execute(
            insert(OutboxMessage).values(
                to_addr="x@example.org",
                subject="Broken\r\nBcc: all@example.org",
                body_text="Body",
                status="pending",
                attempts=0,
                next_attempt_at=utcnow(),
                created_at=utcnow(),
            )
        )
        db.session.commit()
    _queue(app, "Third")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["mail", "send"])
    second = runner.invoke(args=["mail", "send"])
    assert first.exit_code == 0, first.output
    assert "sent 2, retrying later 0, failed for good 1" in first.output
    assert "sent 0, retrying later 0, failed for good 0" in second.output
    assert smtp.subjects == ["First", "Third"]
    broken = _statuses(app)["Broken\r\nBcc: all@example.org"]
    assert broken[0] == "failed" and "cannot build the message" in (broken[1] or "")


class Crash(BaseException):
    """Stands for the process dying (killed, out of memory) in the middle of a run."""


def test_a_crash_mid_batch_never_resends_earlier_messages(app, smtp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _queue(app, "One", "Two", "Three")
    build = mail._as_email

    def crash_on_two(message: OutboxMessage, sender: str) -> Any:
        if message.subject == "Two":
            raise Crash
        return build(message, sender)

    monkeypatch.setattr(mail, "_as_email", crash_on_two)
    with app.app_context():
        with pytest.raises(Crash):
            mail.deliver_pending(db.session, app.config)
        db.session.rollback()
    monkeypatch.setattr(mail, "_as_email", build)
    with app.app_context():
        report = mail.deliver_pending(db.session, app.config)
        db.session.commit()
    assert (report.sent, report.failed) == (2, 0)
    assert smtp.subjects == ["One", "Two", "Three"]


def test_queued_subjects_are_one_line(app) -> None:  # type: ignore[no-untyped-def]
    _queue(app, "Hours confirmed by " + NASTY)
    (subject,) = _statuses(app)
    assert subject == "Hours confirmed by Mallory Bcc: everyone@example.org [31m x"


def test_registration_keeps_a_name_on_one_line(app, client, make_board) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    response = client.post(
        "/register",
        data={
            "full_name": NASTY,
            "email": "mallory@example.org",
            "account_type": "trainee",
            "board_id": board.id,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        name = db.session.execute(
            select(User.full_name).where(User.email == "mallory@example.org")
        ).scalar_one()
    assert name == "Mallory Bcc: everyone@example.org[31m x"


def _project_forms() -> list[type[FlaskForm]]:
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        if form.__module__.split(".")[0] in {"core", "certify", "rds", "exams", "ceu"}:
            found.append(form)
    return found


def test_every_form_of_every_module_strips_control_characters(app) -> None:  # type: ignore[no-untyped-def]
    forms = _project_forms()
    modules = {form.__module__.split(".")[0] for form in forms}
    assert {"core", "certify", "rds"} <= modules
    checked = 0
    for form_class in forms:
        with app.test_request_context(method="POST"):
            names = [name for name, _ in form_class(meta={"csrf": False})._fields.items()]
            form = form_class(formdata=MultiDict({n: NASTY for n in names}), meta={"csrf": False})
            for field in form:
                if not isinstance(field, StringField) or not isinstance(field.data, str):
                    continue
                where = f"{form_class.__module__}.{form_class.__name__}.{field.name}"
                if isinstance(field, PasswordField):
                    assert field.data == NASTY, where  # a password is taken as typed
                elif isinstance(field, TextAreaField):
                    assert "\x00" not in field.data and "\x1b" not in field.data, where
                    assert "\r" not in field.data and "\n" in field.data, where
                else:
                    assert not any(ord(c) < 32 or c == "\u2028" for c in field.data), where
                checked += 1
    assert checked > 40
