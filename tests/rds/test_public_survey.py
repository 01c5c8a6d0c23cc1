"""Validation survey, respondent side: anonymous pages, resume, refusals, tokens, rate limit."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role, utcnow
from rds.models import Study, SurveyInvitation, SurveyResponse, Task
from tests.factories import login
from tests.rds.test_survey import make_study

TODAY = utcnow().date()
IP = "10.20.30.40"


def _open_study(app: Any, make_board: Any, **kwargs: Any) -> tuple[int, str, dict[str, int]]:
    board = make_board("lakes")
    study_id = make_study(app, board, status="survey_open", **kwargs)
    with app.app_context():
        study = db.session.get(Study, study_id)
        ids = {t.code: t.id for t in db.session.execute(select(Task)).scalars()}
        return study_id, study.public_token, ids


def _client(app: Any, ip: str = IP) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (RespondentPhone)"
    return client


def _key(client: FlaskClient, study_id: int) -> str:
    cookie = client.get_cookie(f"rds_survey_{study_id}", path="/survey")
    assert cookie is not None
    return cookie.value


def _rate(ids: dict[str, int], answers: dict[str, tuple[Any, Any]]) -> dict[str, str]:
    form = {}
    for code, (importance, frequency) in answers.items():
        if importance is not None:
            form[f"t{ids[code]}_importance"] = str(importance)
        if frequency is not None:
            form[f"t{ids[code]}_frequency"] = str(frequency)
    return form


DEMOGRAPHICS = {
    "q_role": "Peer supervisor",
    "q_years_experience": "3-5",
    "q_setting": "VA",
    "q_region": "",
}


def _complete(client: FlaskClient, token: str, ids: dict[str, int]) -> None:
    """Start and answer every page (without submitting)."""
    start = client.post(f"/survey/{token}")
    assert start.status_code == 302 and start.location.endswith(f"/survey/{token}/page/0")
    assert client.post(f"/survey/{token}/page/0", data=DEMOGRAPHICS).status_code == 302
    page1 = _rate(ids, {"A01": (3, 2), "A02": (4, 4)})
    assert client.post(f"/survey/{token}/page/1", data=page1).status_code == 302
    page2 = _rate(ids, {"E01": (2, 0), "E02": (1, 1)})
    assert client.post(f"/survey/{token}/page/2", data=page2).status_code == 302


def test_full_anonymous_submission_with_resume_on_another_device(app, make_board):
    study_id, token, ids = _open_study(app, make_board)
    phone = _client(app)
    intro = phone.get(f"/survey/{token}")
    text = intro.get_data(as_text=True)
    assert intro.status_code == 200 and "anonymous" in text and "minutes" in text
    assert phone.post(f"/survey/{token}").status_code == 302
    page0 = phone.get(f"/survey/{token}/page/0").get_data(as_text=True)
    assert "<legend" in page0 and "Prefer not to answer" in page0
    bad = phone.post(f"/survey/{token}/page/0", data={**DEMOGRAPHICS, "q_role": "Astronaut"})
    assert bad.status_code == 400 and "Choose one of the listed answers" in bad.get_data(
        as_text=True
    )
    assert phone.post(f"/survey/{token}/page/0", data=DEMOGRAPHICS).location.endswith("/page/1")
    page1 = phone.get(f"/survey/{token}/page/1").get_data(as_text=True)
    assert page1.count('data-testid="task-fieldset"') == 2
    assert f'for="t{ids["A01"]}_importance-4"' in page1 and "Extremely important" in page1
    # every answer is checked on the server: off the scale, not a number, half a task
    for form in (
        _rate(ids, {"A01": (5, 2), "A02": (4, 4)}),
        _rate(ids, {"A01": ("x", 2), "A02": (4, 4)}),
        _rate(ids, {"A01": (3, None), "A02": (4, 4)}),
    ):
        refused = phone.post(f"/survey/{token}/page/1", data=form)
        assert refused.status_code == 400 and 'data-testid="page-errors"' in refused.get_data(
            as_text=True
        )
    with app.app_context():
        stored = db.session.execute(select(SurveyResponse)).scalar_one()
        assert stored.ratings == {} and stored.pages_done == [0]
        assert stored.demographics == {
            "role": "Peer supervisor",
            "years_experience": "3-5",
            "setting": "VA",
        }
    saved = phone.post(f"/survey/{token}/page/1", data=_rate(ids, {"A01": (3, 2), "A02": (4, 4)}))
    assert saved.location.endswith("/page/2")
    key = _key(phone, study_id)
    assert key in phone.get(f"/survey/{token}/page/2").get_data(as_text=True)  # resume link shown

    laptop = _client(app, "10.20.30.41")
    resumed = laptop.get(f"/survey/resume/{key}")
    assert resumed.status_code == 302 and resumed.location.endswith(f"/survey/{token}/page/2")
    skipped = laptop.post(f"/survey/{token}/page/2", data=_rate(ids, {"E01": (2, 0)}))
    text = skipped.get_data(as_text=True)
    assert skipped.status_code == 200 and 'data-testid="unanswered"' in text
    assert "Protect confidentiality" in text
    onward = laptop.post(
        f"/survey/{token}/page/2", data={**_rate(ids, {"E01": (2, 0)}), "skip": "1"}
    )
    assert onward.location.endswith(f"/survey/{token}/review")
    review = laptop.get(f"/survey/{token}/review").get_data(as_text=True)
    assert "1 of 2 tasks" in review and "Not rated: Protect confidentiality" in review
    done = laptop.post(f"/survey/{token}/review")
    assert done.status_code == 302 and done.location.endswith("/thanks")
    assert "your answers are submitted" in laptop.get(done.location).get_data(as_text=True)
    assert laptop.get_cookie(f"rds_survey_{study_id}", path="/survey") is None
    with app.app_context():
        stored = db.session.execute(select(SurveyResponse)).scalar_one()
        assert (stored.status, stored.source, stored.submitted_on) == ("submitted", "web", TODAY)
        assert stored.resume_key_hash is None
        assert stored.ratings == {"A01": [3, 2], "A02": [4, 4], "E01": [2, 0]}
        assert stored.demographics["setting"] == "VA" and "region" not in stored.demographics
        assert stored.pages_done == [0, 1, 2]
    # the same resume key cannot submit twice (the phone still holds it in its cookie)
    again = phone.post(f"/survey/{token}/review")
    assert again.status_code == 409 and "already submitted" in again.get_data(as_text=True)
    assert laptop.get(f"/survey/resume/{key}").status_code == 404
    with app.app_context():
        assert db.session.execute(select(func.count(SurveyResponse.id))).scalar_one() == 1


def test_submit_needs_every_page(app, make_board):
    _, token, ids = _open_study(app, make_board)
    client = _client(app)
    client.post(f"/survey/{token}")
    client.post(f"/survey/{token}/page/0", data=DEMOGRAPHICS)
    review = client.get(f"/survey/{token}/review").get_data(as_text=True)
    assert 'data-testid="pages-missing"' in review
    client.post(f"/survey/{token}/review")
    with app.app_context():
        assert db.session.execute(select(SurveyResponse.status)).scalar_one() == "in_progress"


def test_closed_and_not_yet_open_surveys_refuse(app, make_board):
    study_id, token, ids = _open_study(app, make_board)
    client = _client(app)
    client.post(f"/survey/{token}")
    with app.app_context():
        study = db.session.get(Study, study_id)
        study.survey_closes_on = TODAY - timedelta(days=1)
        db.session.commit()
    closed = f"This survey closed on {(TODAY - timedelta(days=1)).isoformat()}."
    for method, url, data in (
        ("get", f"/survey/{token}", None),
        ("post", f"/survey/{token}", None),
        ("post", f"/survey/{token}/page/0", DEMOGRAPHICS),
        ("post", f"/survey/{token}/review", None),
    ):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 403 and closed in response.get_data(as_text=True), url
    with app.app_context():
        study = db.session.get(Study, study_id)
        study.survey_opens_on = TODAY + timedelta(days=2)
        study.survey_closes_on = TODAY + timedelta(days=9)
        db.session.commit()
        assert db.session.execute(select(SurveyResponse.demographics)).scalar_one() == {}
    later = client.get(f"/survey/{token}")
    opens = f"This survey opens on {(TODAY + timedelta(days=2)).isoformat()}."
    assert later.status_code == 403 and opens in later.get_data(as_text=True)
    assert client.get("/survey/no-such-survey").status_code == 404


def _invite(app: Any, study_id: int, email: str = "ann@example.org") -> str:
    from rds.survey import services as survey

    with app.app_context():
        study = db.session.get(Study, study_id)
        token = "invitation-token-for-" + email
        db.session.add(
            SurveyInvitation(
                board_id=study.board_id,
                study_id=study.id,
                email=email,
                token_hash=survey.token_hash(token),
                sent_at=utcnow(),
            )
        )
        db.session.commit()
        return token


def test_invitation_token_submits_once(app, make_board):
    study_id, token, ids = _open_study(app, make_board)
    invitation = _invite(app, study_id)
    first, second = _client(app), _client(app, "10.20.30.42")
    for client in (first, second):
        assert client.get(f"/survey/i/{invitation}").status_code == 200
        start = client.post(f"/survey/i/{invitation}")
        assert start.status_code == 302
        client.post(f"/survey/{token}/page/0", data=DEMOGRAPHICS)
        client.post(f"/survey/{token}/page/1", data=_rate(ids, {"A01": (3, 2)}))
        client.post(f"/survey/{token}/page/1", data={"skip": "1"})
        client.post(f"/survey/{token}/page/2", data=_rate(ids, {"E01": (1, 1), "E02": (2, 2)}))
    # the personal link brings the same browser back to its answers
    assert 'data-testid="continue-survey"' in first.get(f"/survey/i/{invitation}").get_data(
        as_text=True
    )
    assert first.post(f"/survey/{token}/review").status_code == 302
    refused = second.post(f"/survey/{token}/review")
    assert refused.status_code == 409
    assert "already submitted with this invitation" in refused.get_data(as_text=True)
    used = second.get(f"/survey/i/{invitation}")
    assert used.status_code == 403 and "already submitted" in used.get_data(as_text=True)
    assert second.post(f"/survey/i/{invitation}").status_code == 403
    assert _client(app).get("/survey/i/made-up-token").status_code == 404
    with app.app_context():
        statuses = db.session.execute(
            select(SurveyResponse.status).order_by(SurveyResponse.id)
        ).scalars()
        assert list(statuses) == ["submitted", "in_progress"]
        assert db.session.execute(select(SurveyInvitation.used)).scalar_one() is True


def test_nothing_identifying_is_stored_with_the_answers(app, make_board, make_user):
    study_id, token, ids = _open_study(app, make_board)
    invitation = _invite(app, study_id, "carla.respondent@example.org")
    client = _client(app)
    client.post(f"/survey/i/{invitation}")
    key = _key(client, study_id)
    client.post(f"/survey/{token}/page/0", data=DEMOGRAPHICS)
    client.post(f"/survey/{token}/page/1", data=_rate(ids, {"A01": (3, 2), "A02": (1, 1)}))
    client.post(f"/survey/{token}/page/2", data=_rate(ids, {"E01": (1, 1), "E02": (2, 2)}))
    assert client.post(f"/survey/{token}/review").status_code == 302
    response_columns = {c.name for c in SurveyResponse.__table__.columns}
    assert response_columns == {
        "id",
        "board_id",
        "study_id",
        "status",
        "source",
        "resume_key_hash",
        "demographics",
        "ratings",
        "pages_done",
        "submitted_on",
        "started_at",  # only while in progress; cleared on submission
        "seconds_taken",  # for the screen for implausibly fast answers
    }
    invitation_columns = {c.name for c in SurveyInvitation.__table__.columns}
    assert not any("response" in name for name in invitation_columns)
    with app.app_context():
        row = db.session.execute(select(SurveyResponse)).scalar_one()
        stored = repr([getattr(row, name) for name in response_columns])  # every value of the row
        for secret in ("carla", "example.org", IP, "RespondentPhone", invitation, key):
            assert secret not in stored
        assert row.resume_key_hash is None and row.submitted_on == TODAY
        assert row.started_at is None and row.seconds_taken is not None
        sent = db.session.execute(select(SurveyInvitation)).scalar_one()
        assert sent.used is True
        # no audit event (which records addresses) comes from a respondent
        assert (
            db.session.execute(
                select(func.count(AuditEvent.id)).where(AuditEvent.ip == IP)
            ).scalar_one()
            == 0
        )


def test_public_survey_is_rate_limited(app, make_board):
    _, token, _ = _open_study(app, make_board)
    previous = app.config["PUBLIC_RATE_LIMIT"]
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    try:
        client = _client(app, "10.99.0.1")
        codes = [client.get(f"/survey/{token}").status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        assert client.post(f"/survey/{token}/page/0", data=DEMOGRAPHICS).status_code == 429
        assert client.get("/survey/resume/anything").status_code == 429
        assert _client(app, "10.99.0.2").get(f"/survey/{token}").status_code == 200
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = previous


@pytest.mark.real_commits
def test_concurrent_submissions_lose_nothing(app, make_board):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(reason="concurrent submissions need PostgreSQL (SQLite serialises writers)")
    study_id, token, ids = _open_study(app, make_board)
    barrier = threading.Barrier(8, timeout=60)
    results: list[int] = []
    errors: list[BaseException] = []

    def respondent(n: int) -> None:
        try:
            with app.app_context():
                client = _client(app, f"10.50.0.{n}")
                _complete(client, token, ids)
                barrier.wait(timeout=30)
                results.append(client.post(f"/survey/{token}/review").status_code)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=respondent, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and results == [302] * 8
    with app.app_context():
        rows = (
            db.session.execute(select(SurveyResponse).where(SurveyResponse.study_id == study_id))
            .scalars()
            .all()
        )
        assert len(rows) == 8 and {r.status for r in rows} == {"submitted"}
        assert all(r.ratings["A02"] == [4, 4] for r in rows)


def test_staff_see_the_submission_in_the_progress(app, client, make_board, make_user):
    study_id, token, ids = _open_study(app, make_board)
    with app.app_context():
        board = db.session.get(Study, study_id).board
        db.session.expunge(board)
    make_user("psy@lakes.org", [(Role.PSYCHOMETRICIAN, board)])
    _complete(_client(app), token, ids)
    respondent = _client(app, "10.20.30.43")
    _complete(respondent, token, ids)
    respondent.post(f"/survey/{token}/review")
    login(client, "psy@lakes.org")
    page = client.get(f"/studies/{study_id}/survey").get_data(as_text=True)
    assert "1</strong> of 323 responses needed" in page
    exported = client.get(f"/studies/{study_id}/survey/export.csv").get_data(as_text=True)
    lines = exported.splitlines()
    assert len(lines) == 2 and lines[1].startswith("R00001,Peer supervisor,3-5,VA,,3,2,4,4,2,0,1,1")
