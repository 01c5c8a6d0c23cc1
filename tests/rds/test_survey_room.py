"""A training room takes the survey together: 20 respondents behind one address all finish."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.extensions import db
from rds.models import SurveyResponse
from tests.rds.test_public_survey import _client, _complete, _open_study


def _limits(app: Any, **limits: str) -> dict[str, str]:
    previous = {name: app.config[name] for name in limits}
    app.config.update(limits)
    return previous


def test_twenty_respondents_behind_one_address_all_finish(app, make_board) -> None:  # type: ignore[no-untyped-def]
    study_id, token, ids = _open_study(app, make_board)
    # the production defaults, not the test suite's generous ones
    previous = _limits(
        app,
        PUBLIC_RATE_LIMIT="60 per minute",
        SURVEY_RESPONDENT_RATE_LIMIT="120 per minute",
        SURVEY_ADDRESS_RATE_LIMIT="1500 per minute",
    )
    try:
        room = [_client(app, "10.77.0.1") for _ in range(20)]
        for person in room:  # everybody opens the link and starts at once
            assert person.get(f"/survey/{token}").status_code == 200
        for person in room:
            _complete(person, token, ids)
            for page in (0, 1, 2):  # looking back at every page before submitting
                assert person.get(f"/survey/{token}/page/{page}").status_code == 200
            assert person.get(f"/survey/{token}/review").status_code == 200
            done = person.post(f"/survey/{token}/review")
            assert done.status_code == 302, done.get_data(as_text=True)[:300]
            assert person.get(f"/survey/{token}/thanks").status_code == 200
    finally:
        app.config.update(previous)
    with app.app_context():
        submitted = db.session.execute(
            select(func.count()).where(
                SurveyResponse.study_id == study_id, SurveyResponse.status == "submitted"
            )
        ).scalar_one()
    assert submitted == 20


def test_each_respondent_has_a_budget_of_their_own(app, make_board) -> None:  # type: ignore[no-untyped-def]
    _, token, ids = _open_study(app, make_board)
    previous = _limits(app, SURVEY_RESPONDENT_RATE_LIMIT="6 per minute")
    try:
        hasty, calm = _client(app, "10.78.0.1"), _client(app, "10.78.0.1")
        _complete(hasty, token, ids)  # start (no key yet) and three pages: three on the key
        codes = [hasty.get(f"/survey/{token}/page/1").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        _complete(calm, token, ids)  # the same address, another respondent: not slowed
        assert calm.get(f"/survey/{token}/review").status_code == 200
    finally:
        app.config.update(previous)


def test_an_address_still_has_a_ceiling(app, make_board) -> None:  # type: ignore[no-untyped-def]
    _, token, _ = _open_study(app, make_board)
    previous = _limits(app, SURVEY_ADDRESS_RATE_LIMIT="5 per 41 seconds")
    try:
        crowd = _client(app, "10.79.0.1")
        codes = [crowd.get(f"/survey/{token}").status_code for _ in range(6)]
        assert codes == [200] * 5 + [429]
        assert _client(app, "10.79.0.2").get(f"/survey/{token}").status_code == 200
    finally:
        app.config.update(previous)
