"""Angoff judges hear by email (and see on their dashboard) when they are invited (round 1)
and when round 2 opens: what to do and the link to rate, delivered through the outbox to a
real SMTP server on loopback, with no item content."""

from __future__ import annotations

import email
from email.message import Message

from flask import Flask
from werkzeug.test import TestResponse

from tests.core.test_mail import smtp_server  # noqa: F401  (the loopback SMTP server)
from tests.exams.test_standard_setting import (
    ROUND1,
    STEM,
    Scene,
    _client,
    _csrf,
    _rate,
    _setting_id,
    _start,
    scene,  # noqa: F401
)


def _deliver(app: Flask, handler: object) -> list[Message]:
    before = len(handler.messages)  # type: ignore[attr-defined]
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return [
        email.message_from_bytes(content)
        for _, _, content in handler.messages[before:]  # type: ignore[attr-defined]
    ]


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_judges_are_told_to_rate_each_round(app: Flask, scene: Scene, smtp_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    controller, handler = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    _, response = _start(app, scene, scene.judges[:7])
    assert isinstance(response, TestResponse) and response.status_code == 302
    setting_id = _setting_id(app)
    link = f"/boards/{scene.board_id}/exams/panels/{setting_id}"

    invited = _deliver(app, handler)
    assert sorted(m["To"] for m in invited) == sorted(scene.judges[:7])  # not the spare judge
    for message in invited:
        body = _body(message)
        assert message["Subject"] == "You are invited to rate the items of Form A (round 1)"
        assert "Standards board invites you to its standard-setting panel" in body
        assert "Round 1 is open. For each of the 5 items" in body
        assert link in body
        assert STEM not in body and "listen" not in body

    # the judge's dashboard says the same
    home = _client(app, scene.judges[0]).get("/dashboard").get_data(as_text=True)
    assert f'href="{link}">Rate the items of Form A, round 1</a>' in home
    for judge, row in zip(scene.judges, ROUND1[:6], strict=False):
        rated = _rate(app, scene, judge, list(row), finish=True)[1]
        assert isinstance(rated, TestResponse) and rated.status_code == 302
    assert _deliver(app, handler) == []  # rating sends nothing
    done = _client(app, scene.judges[0]).get("/dashboard").get_data(as_text=True)
    assert "Nothing waits for your ratings." in done
    manager = _client(app, scene.manager)
    board_url = f"/boards/{scene.board_id}/exams/standard-setting/{setting_id}"
    panel = manager.get(board_url).get_data(as_text=True)
    assert manager.post(f"{board_url}/round2", data={"csrf_token": _csrf(panel)}).status_code == 302

    waiting = _client(app, scene.judges[0]).get("/dashboard").get_data(as_text=True)
    assert "Rate the items of Form A, round 2" in waiting
    round2 = _deliver(app, handler)
    assert sorted(m["To"] for m in round2) == sorted(scene.judges[:7])
    for message in round2:
        body = _body(message)
        assert message["Subject"] == "Round 2 is open: rate the items of Form A again"
        assert "the panel's round-1 spread" in body and link in body
        assert STEM not in body
