"""Finding #8: survey anonymity holds against the probe's attack.

The probe watched the "answered" invitation list and the export (ordered by response id)
around one submission and could tell which row was whose. Here the psychometrician plays the
same attack and learns nothing: the list shows totals only while the survey is open (and per
invitation only after it closes, with at least 10 answers), every export comes in a new
random order, delivered personal links leave the outbox, and a resume key carries no
readable invitation id.
"""

from __future__ import annotations

import csv
import io
import re
import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core.extensions import db
from core.models import OutboxMessage, Role
from rds.models import Study, SurveyInvitation
from tests.factories import login
from tests.rds.test_public_survey import DEMOGRAPHICS, _client, _invite, _key, _open_study, _rate


def _answer(app: Any, token: str, ids: dict[str, int], n: int, invitation: str | None = None):  # type: ignore[no-untyped-def]
    """One respondent whose ratings say who they are (A01 importance n % 5, A02 n // 5)."""
    client = _client(app, f"10.9.{n // 200}.{n % 200 + 1}")
    start = client.post(f"/survey/i/{invitation}" if invitation else f"/survey/{token}")
    assert start.status_code == 302
    client.post(f"/survey/{token}/page/0", data=DEMOGRAPHICS)
    client.post(f"/survey/{token}/page/1", data=_rate(ids, {"A01": (n % 5, 1), "A02": (n // 5, 1)}))
    client.post(f"/survey/{token}/page/2", data=_rate(ids, {"E01": (1, 1), "E02": (1, 1)}))
    return client


def _submit(client, token: str) -> None:  # type: ignore[no-untyped-def]
    assert client.post(f"/survey/{token}/review").status_code == 302


def _psychometrician(app, make_user, study_id):  # type: ignore[no-untyped-def]
    with app.app_context():
        board = db.session.get(Study, study_id).board
        db.session.expunge(board)
    make_user("psy@lakes.org", [(Role.PSYCHOMETRICIAN, board)])
    client = app.test_client()
    login(client, "psy@lakes.org")
    return client


def _without_totals(page: str) -> str:
    page = re.sub(r'name="csrf_token"[^>]*>', "", page)  # a fresh token on every page
    return re.sub(r"\d+ invited, \d+ answered[^<]*", "", page)


def _who(row: dict[str, str]) -> int:
    return int(row["A01_importance"]) + 5 * int(row["A02_importance"])


def test_the_probes_attack_fails_to_link_answers_to_invitations(app, make_board, make_user):
    study_id, token, ids = _open_study(app, make_board)
    invitations = [_invite(app, study_id, f"person{n}@example.org") for n in range(12)]
    psy = _psychometrician(app, make_user, study_id)
    url = f"/studies/{study_id}/survey/invitations"
    exports: list[list[int]] = []
    for n, invitation in enumerate(invitations):
        respondent = _answer(app, token, ids, n, invitation)
        before = psy.get(url).get_data(as_text=True)
        answered_before = psy.get(url + "?state=answered").get_data(as_text=True)
        _submit(respondent, token)
        after = psy.get(url).get_data(as_text=True)
        answered_after = psy.get(url + "?state=answered").get_data(as_text=True)
        # only the total moves; no row says who answered, the filter filters nothing
        assert f"{n + 1} answered" in after
        assert _without_totals(before) == _without_totals(after)
        assert _without_totals(answered_before) == _without_totals(answered_after)
        assert "Not yet" not in after and 'data-testid="answered-hidden"' in after
        assert after.count('data-testid="invitation-row"') == 12
        exported = psy.get(f"/studies/{study_id}/survey/export.csv").get_data(as_text=True)
        exports.append([_who(r) for r in csv.DictReader(io.StringIO(exported))])
    # the export's order tells nothing about who answered last
    assert [order[-1] for order in exports[-5:]] != [11] * 5
    assert len({tuple(order) for order in exports[-5:]}) > 1
    assert sorted(exports[-1]) == list(range(12))
    # closed with 12 answers: now the list may say who answered (no link to the answers)
    with app.app_context():
        db.session.get(Study, study_id).status = "survey_closed"
        db.session.commit()
    closed = psy.get(url).get_data(as_text=True)
    assert closed.count(">Yes<") == 12 and "answered-hidden" not in closed


def test_after_closing_with_few_answers_the_state_stays_hidden(app, make_board, make_user):
    study_id, token, ids = _open_study(app, make_board)
    invitations = [_invite(app, study_id, f"p{n}@example.org") for n in range(3)]
    for n, invitation in enumerate(invitations[:2]):
        _submit(_answer(app, token, ids, n, invitation), token)
    with app.app_context():
        db.session.get(Study, study_id).status = "survey_closed"
        db.session.commit()
    psy = _psychometrician(app, make_user, study_id)
    url = f"/studies/{study_id}/survey/invitations"
    page = psy.get(url).get_data(as_text=True)
    assert "answered-hidden" in page and ">Yes<" not in page and "2 answered" in page
    waiting = psy.get(url + "?state=waiting").get_data(as_text=True)
    assert waiting.count('data-testid="invitation-row"') == 3  # the filter is refused, not applied


def test_a_resume_key_carries_no_readable_invitation_id(app, make_board):
    study_id, token, ids = _open_study(app, make_board)
    invitation = _invite(app, study_id, "dana@example.org")
    with app.app_context():
        invitation_id = db.session.execute(select(SurveyInvitation.id)).scalar_one()
    keys = []
    for n in range(2):
        client = _client(app, f"10.8.0.{n + 1}")
        client.post(f"/survey/i/{invitation}")
        keys.append(_key(client, study_id))
    for key in keys:
        assert not key.endswith(f".{invitation_id}") and f".{invitation_id}" not in key
    assert keys[0].split(".")[1] != keys[1].split(".")[1]  # sealed with a fresh nonce each time
    # a forged tail names no invitation: the answers submit, the invitation stays unused
    forged = _client(app, "10.8.0.9")
    forged.post(f"/survey/{token}")
    public_key = _key(forged, study_id)
    from rds.survey.respondents import key_matches_invitation

    with app.app_context():
        row = db.session.get(SurveyInvitation, invitation_id)
        assert key_matches_invitation(keys[0], row)
        assert not key_matches_invitation(public_key + "." + str(invitation_id), row)
        assert not key_matches_invitation(keys[0].split(".")[0] + "." + keys[1].split(".")[1], row)


class _Inbox:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.bodies.append(envelope.content.decode())
        return "250 OK"


@pytest.fixture
def inbox(app):  # type: ignore[no-untyped-def]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    old = app.config["MAIL_SERVER"], app.config["MAIL_PORT"], app.config.get("MAIL_PRINT")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_PRINT=False)
    yield handler
    controller.stop()
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"], app.config["MAIL_PRINT"] = old


def test_personal_links_leave_the_outbox_once_delivered(app, make_board, make_user, inbox):
    from rds.survey import invitations as invite_service

    study_id, _, _ = _open_study(app, make_board)
    with app.app_context():
        board = db.session.get(Study, study_id).board
        db.session.expunge(board)
    psy = make_user("psy@lakes.org", [(Role.PSYCHOMETRICIAN, board)])
    with app.app_context():
        from core.models import User, utcnow

        study = db.session.get(Study, study_id)
        actor = db.session.get(User, psy.id)
        sent, _ = invite_service.invite(
            db.session, actor, study, b"email\nerin@example.org\n", "list.csv", utcnow()
        )
        db.session.commit()
        assert sent == 1
        queued = db.session.execute(select(OutboxMessage.body_text)).scalar_one()
    link = next(word for word in queued.split() if "/survey/i/" in word)
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 32
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert any(token in body for body in inbox.bodies)  # the person got their link
    with app.app_context():
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert message.status == "sent"
        assert token not in message.body_text and "[removed after delivery]" in message.body_text
        # the token no longer opens the survey for anyone reading the outbox
        hashed = db.session.execute(select(SurveyInvitation.token_hash)).scalar_one()
        assert hashed not in message.body_text
