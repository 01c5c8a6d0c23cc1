"""Data screening: each rule's count, the psychometrician's audited decision, the run applies it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from rds.models import Study, SurveyResponse
from rds.survey import respondents
from rds.survey.screening import Answered, flag
from tests.factories import login
from tests.rds.test_analysis import SAMPLE, pytestmark, run, version, world  # noqa: F401


def _add(app, study_id: int, board: int, ratings: dict, **values: object) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        row = SurveyResponse(
            board_id=board, study_id=study_id, status="submitted", ratings=ratings, **values
        )
        db.session.add(row)
        db.session.commit()


def _flagged(page: str) -> dict[str, int]:
    out = {}
    for part in page.split('data-testid="screening-rule" data-rule="')[1:]:
        rule = part.split('"')[0]
        out[rule] = int(part.split('data-testid="screening-flagged">')[1].split("<")[0])
    return out


def test_rules_flag_what_they_say() -> None:
    codes = [f"T{i}" for i in range(12)]
    same = {c: [3, 2] for c in codes}
    varied = {c: [i % 5, (i + 1) % 5] for i, c in enumerate(codes)}
    responses = [
        Answered(1, "web", {}, {}),  # blank
        Answered(2, "web", {}, {c: [None, None] for c in codes}),  # blank too
        Answered(3, "import", {}, same),  # straight-lined
        Answered(4, "web", {}, varied, 20),  # 12 tasks in 20 s
        Answered(5, "web", {}, varied, 30),  # 2.5 s per task
        Answered(6, "import", {}, varied, 1),  # imported: untimed
        Answered(7, "web", {"role": "Trainee"}, varied),
        Answered(8, "web", {"role": "Peer supervisor"}, {"T0": [3, 2], "T1": [3, 2]}),
    ]
    settings = {"seconds_per_task": 2.0, "non_incumbent": [["role", "Trainee"]]}
    found = flag(responses, codes, settings)
    assert found == {
        "blank": [1, 2],
        "straight_lining": [3],  # 8 rated only 2 of 12 tasks: too few to call it
        "too_fast": [4],
        "non_incumbent": [7],
    }
    assert flag(responses, codes, {"seconds_per_task": 3.0})["too_fast"] == [4, 5]


def test_the_psychometrician_decides_and_the_run_applies_it(app, client, world) -> None:  # noqa: F811
    sid, board = world["study"], world["board"]
    with app.app_context():
        codes = [t.code for t in db.session.get(Study, sid).tasks]
    _add(app, sid, board, {})
    _add(app, sid, board, {c: [4, 4] for c in codes}, demographics={"role": "Peer supervisor"})
    varied = {c: [i % 5, (i + 2) % 5] for i, c in enumerate(codes)}
    _add(app, sid, board, varied, source="web", seconds_taken=60)
    login(client, "psych@a.org")
    url = f"/studies/{sid}/analysis/screening"
    page = client.get(url).get_data(as_text=True)
    assert _flagged(page) == {
        "blank": 1,
        "straight_lining": 1,
        "too_fast": 1,  # 42 tasks in a minute: under 2 s each
        "non_incumbent": 0,  # no answer chosen yet
    }
    assert "353 submitted responses; 1 excluded under the current decisions" in page

    decision = {
        "exclude_blank": "y",
        "exclude_straight_lining": "y",
        "exclude_too_fast": "y",
        "exclude_non_incumbent": "y",
        "seconds_per_task": "2",
        "non_incumbent": ["role=Trainee"],
    }
    refused = client.post(url, data=decision)
    assert refused.status_code == 400 and "Write why" in refused.get_data(as_text=True)
    bad = client.post(
        url, data={**decision, "non_incumbent": ["role=Astronaut"], "reason": "x" * 12}
    )
    assert bad.status_code == 400
    reason = "Trainees are not yet incumbents; careless and rushed answers carry no information."
    assert client.post(url, data={**decision, "reason": reason}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    flagged = _flagged(page)
    trainees = flagged["non_incumbent"]
    rows = (SAMPLE / "responses.csv").read_text(encoding="utf-8").splitlines()
    assert trainees == sum(",Trainee," in row for row in rows) > 0 and "role = Trainee" in page
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).filter_by(action="rds.screening.decided")
        ).scalar_one()
        assert event.after["reason"] == reason and event.after["exclude"]["too_fast"] is True
        assert event.after["non_incumbent"] == [["role", "Trainee"]]

    assert run(client, sid).status_code == 302
    stored = version(app, 1, sid)
    summary = stored["options"]["screening"]
    assert summary["submitted"] == 353 and summary["excluded"] == 3 + trainees
    assert stored["result"]["n_respondents"] == 353 - 3 - trainees
    assert {r["rule"]: r["flagged"] for r in summary["rules"]}["non_incumbent"] == trainees
    page = client.get(f"/studies/{sid}/analysis").get_data(as_text=True)
    assert f"Screening: {3 + trainees} of 353 submitted responses excluded" in page


def test_web_responses_record_the_time_they_took(app, world) -> None:  # noqa: F811
    with app.app_context():
        study = db.session.get(Study, world["study"])
        study.status, study.survey_closes_on = "survey_open", date(2099, 1, 1)
        response, key = respondents.start_response(db.session, study, date(2026, 3, 1))
        assert response.started_at is not None and response.seconds_taken is None
        response.pages_done = [p.number for p in respondents.survey_pages(db.session, study)]
        db.session.flush()
        respondents.submit_response(db.session, study, key, date(2026, 3, 1))
        db.session.refresh(response)
        assert response.seconds_taken is not None and response.seconds_taken >= 0
        assert response.started_at is None  # no clock time stays with the answers
