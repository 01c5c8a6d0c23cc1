"""A survey that counts each person once and closes only when told (issue 10).

Closing is its own action with a confirmation naming the responses still missing, never a
side effect of approving a blueprint; a blueprint of an interim run says so everywhere; the
closed page states the real date; a browser that answered is thanked, not started again; the
psychometrician sees how many responses look duplicated; thresholds off the scale are refused.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import numpy as np
from pypdf import PdfReader
from sqlalchemy import func, select

from certify.models import CredentialType
from core.extensions import db
from core.models import AuditEvent, Role, User, utcnow
from rds.analysis import services as analysis
from rds.models import BlueprintVersion, Study, SurveyResponse
from rds.survey import services as survey
from tests.factories import login
from tests.rds.test_public_survey import DEMOGRAPHICS, _client, _complete, _open_study
from tests.rds.test_survey import PSY, make_study

TODAY = utcnow().date()
ADMIN = "admin@lakes.org"
ACK = "The board accepts this interim blueprint for the pilot form."


def _responses(app: Any, study_id: int, n: int, seed: int = 3) -> None:
    """n submitted responses with varied ratings of the four tasks of make_study."""
    rng = np.random.default_rng(seed)
    with app.app_context():
        board_id = db.session.get(Study, study_id).board_id
        for _ in range(n):
            ratings = {
                code: [int(rng.integers(2, 5)), int(rng.integers(1, 5))]
                for code in ("A01", "A02", "E01", "E02")
            }
            db.session.add(
                SurveyResponse(
                    board_id=board_id,
                    study_id=study_id,
                    status="submitted",
                    ratings=ratings,
                    demographics={},
                    submitted_on=TODAY,
                )
            )
        db.session.commit()


def _staff(app: Any, make_user: Any, board: Any) -> None:
    make_user(PSY, [(Role.PSYCHOMETRICIAN, board)])
    make_user(ADMIN, [(Role.BOARD_ADMIN, board)])


def _approve_interim(app: Any, study_id: int) -> int:
    with app.app_context():
        study = db.session.get(Study, study_id)
        psy = db.session.execute(select(User).where(User.email == PSY)).scalar_one()
        admin = db.session.execute(select(User).where(User.email == ADMIN)).scalar_one()
        version = analysis.run_analysis(db.session, psy, study, {"items": 20})
        analysis.approve(db.session, admin, version, "Board meeting, motion 4", utcnow(), ACK)
        db.session.commit()
        return version.version


def test_approving_an_interim_blueprint_leaves_the_survey_open_and_says_interim(
    app, make_board, make_user
):
    board = make_board("lakes")
    _staff(app, make_user, board)
    study_id = make_study(app, board, status="survey_open", incumbents=1500)
    _responses(app, study_id, 40)
    number = _approve_interim(app, study_id)
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert study.status == "survey_open"  # not "analyzed": the survey was not closed
        assert study.survey_closes_on == TODAY + timedelta(days=30)
        token = study.public_token
        version = db.session.execute(select(BlueprintVersion)).scalar_one()
        assert version.status == "approved" and version.options["interim"] is True
        assert survey.interim_label(study, version.options) == "Interim — survey open"
    # respondents can still answer through the public link
    intro = _client(app).get(f"/survey/{token}")
    assert intro.status_code == 200 and 'data-testid="start-survey"' in intro.get_data(as_text=True)
    # the analysis page, the approval page and the board overview all say so
    client = app.test_client()
    login(client, ADMIN)
    page = client.get(f"/studies/{study_id}/analysis/{number}").get_data(as_text=True)
    assert page.count("Interim — survey open") >= 2  # the version's heading and its row
    assert "Interim — survey open" in client.get(f"/boards/{board.id}").get_data(as_text=True)
    # and so does the report
    pdf = client.get(f"/studies/{study_id}/analysis/{number}/report.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Interim" in text and "survey open" in " ".join(text.split())
    # the typed blueprint exams reads carries it too
    with app.app_context():
        ctype = CredentialType(board_id=board.id, code="CPSS", name="Peer Specialist")
        db.session.add(ctype)
        db.session.flush()
        db.session.get(Study, study_id).credential_type_id = ctype.id
        db.session.commit()
        typed = analysis.approved_blueprint(db.session, board.id, ctype.id)
        assert typed is not None and typed.interim == "Interim — survey open"
    # closing later changes the words, not the fact that it was interim
    login(client, PSY)
    missing = _missing(app, study_id)
    closed = client.post(
        f"/studies/{study_id}/survey/close",
        data={"confirm": "y", "reason": "Enough responses", "missing": str(missing)},
    )
    assert closed.status_code == 302
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert study.status == "survey_closed"
        version = db.session.execute(select(BlueprintVersion)).scalar_one()
        assert survey.interim_label(study, version.options) == survey.INTERIM_CLOSED


def _missing(app: Any, study_id: int) -> int:
    with app.app_context():
        progress = survey.survey_progress(db.session, db.session.get(Study, study_id))
        return survey.missing_responses(progress)


def test_closing_states_the_missing_responses_and_needs_them_confirmed(app, make_board, make_user):
    board = make_board("lakes")
    _staff(app, make_user, board)
    study_id = make_study(app, board, status="survey_open", incumbents=1500)
    _responses(app, study_id, 6)
    client = app.test_client()
    login(client, PSY)
    setup = client.get(f"/studies/{study_id}/survey").get_data(as_text=True)
    missing = _missing(app, study_id)
    assert missing == 306 - 6  # Cochran for 1,500 incumbents: 306 required
    assert "300 responses are still missing" in setup
    assert "300 of the 306 required are still" in setup  # the box that is ticked says it
    # a confirmation without the number, or with a stale one, closes nothing
    for data in (
        {"confirm": "y", "reason": "Board decision"},
        {"confirm": "y", "reason": "Board decision", "missing": str(missing + 1)},
    ):
        refused = client.post(f"/studies/{study_id}/survey/close", data=data)
        assert refused.status_code == 400
        assert "300 of the 306 required responses are still missing" in refused.get_data(
            as_text=True
        )
    with app.app_context():
        assert db.session.get(Study, study_id).status == "survey_open"
    closed = client.post(
        f"/studies/{study_id}/survey/close",
        data={"confirm": "y", "reason": "Board decision", "missing": str(missing)},
    )
    assert closed.status_code == 302
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert (study.status, study.survey_closes_on) == ("survey_closed", TODAY)
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "rds.survey.closed")
        ).scalar_one()
        assert event.after["missing"] == 300 and event.after["submitted"] == 6


def test_the_closed_page_never_states_a_closing_date_still_ahead(app, make_board):
    study_id, token, _ = _open_study(app, make_board)
    with app.app_context():
        study = db.session.get(Study, study_id)
        study.status = "analyzed"  # e.g. approved before this fix, survey never closed
        db.session.commit()
        ahead = study.survey_closes_on
    text = _client(app).get(f"/survey/{token}").get_data(as_text=True)
    assert "This survey is closed." in text and ahead.isoformat() not in text
    with app.app_context():
        study = db.session.get(Study, study_id)
        study.survey_closes_on = TODAY - timedelta(days=3)
        db.session.commit()
    text = _client(app).get(f"/survey/{token}").get_data(as_text=True)
    assert f"This survey closed on {(TODAY - timedelta(days=3)).isoformat()}." in text


def test_a_browser_that_answered_is_thanked_and_cannot_start_again(app, make_board):
    study_id, token, ids = _open_study(app, make_board)
    phone = _client(app)
    _complete(phone, token, ids)
    assert phone.post(f"/survey/{token}/review").status_code == 302
    again = phone.get(f"/survey/{token}")
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and "You already answered — thank you" in text
    assert 'data-testid="start-survey"' not in text
    restart = phone.post(f"/survey/{token}")
    assert "You already answered — thank you" in restart.get_data(as_text=True)
    assert phone.post(f"/survey/{token}/page/0", data=DEMOGRAPHICS).status_code == 302
    with app.app_context():
        assert db.session.execute(select(func.count(SurveyResponse.id))).scalar_one() == 1
    # the marker says only "answered": nothing in it links the browser to its answers
    assert phone.get_cookie(f"rds_answered_{study_id}", path="/survey").value == "1"
    # another browser still starts
    assert _client(app, "10.9.9.9").post(f"/survey/{token}").status_code == 302


def test_the_psychometrician_sees_how_many_responses_look_duplicated(app, make_board, make_user):
    study_id, token, ids = _open_study(app, make_board)
    with app.app_context():
        board = db.session.get(Study, study_id).board
    make_user(PSY, [(Role.PSYCHOMETRICIAN, board)])
    client = app.test_client()
    login(client, PSY)
    assert "No response looks duplicated" in client.get(f"/studies/{study_id}/survey").get_data(
        as_text=True
    )
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):  # one person, three browsers
        browser = _client(app, ip)
        _complete(browser, token, ids)
        assert browser.post(f"/survey/{token}/review").status_code == 302
    _responses(app, study_id, 2)  # different answers: not duplicates
    with app.app_context():
        assert survey.duplicated_count(db.session, db.session.get(Study, study_id)) == 2
    page = client.get(f"/studies/{study_id}/survey").get_data(as_text=True)
    assert "2 responses look duplicated" in page


def test_an_importance_threshold_off_the_rating_scale_is_refused(app, make_board, make_user):
    board = make_board("lakes")
    _staff(app, make_user, board)
    study_id = make_study(app, board, status="survey_closed", incumbents=1500)
    _responses(app, study_id, 40)
    client = app.test_client()
    login(client, PSY)
    form = {"method": "multiplicative", "importance_min": "9", "performing_min": "0.5",
            "items": "20", "min_per_domain": "0", "min_group": "30"}  # fmt: skip
    refused = client.post(f"/studies/{study_id}/analysis", data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "outside the rating scale 0-4" in text
    with app.app_context():
        assert db.session.execute(select(func.count(BlueprintVersion.id))).scalar_one() == 0
    assert client.post(f"/studies/{study_id}/analysis", data={**form, "importance_min": "2"})
    with app.app_context():
        assert db.session.execute(select(func.count(BlueprintVersion.id))).scalar_one() == 1
