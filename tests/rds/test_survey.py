"""Validation survey, staff side: setup, sample size, open/close, invitations, import, export."""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role, utcnow
from rds.analysis.engine import analyze
from rds.models import (
    DemographicQuestion,
    Domain,
    Study,
    SurveyInvitation,
    SurveyResponse,
    Task,
)
from rds.stats import cochran_sample_size
from rds.survey import services as survey
from rds.survey.io import read_responses, read_survey, read_tasks
from tests.factories import login
from tests.shared import RDS_SAMPLE, needs_rds_sample

SAMPLE = RDS_SAMPLE or Path("missing-rds-sample")
TODAY = utcnow().date()
PSY = "psy@lakes.org"


def make_study(
    app: Any,
    board: Any,
    tasks: list[tuple[str, str, str]] | None = None,
    *,
    status: str = "draft",
    incumbents: int | None = 2000,
    defaults: bool = True,
    resolution: str | None = "keep",
    title: str = "Peer Specialist RDS",
) -> int:
    """Store a study with (code, domain, statement) tasks and the default questions."""
    if tasks is None:
        tasks = [
            ("A01", "Advocacy", "Advocate for needed services"),
            ("A02", "Advocacy", "Help the person exercise their rights"),
            ("E01", "Ethical Responsibility", "Keep appropriate boundaries"),
            ("E02", "Ethical Responsibility", "Protect confidentiality"),
        ]
    with app.app_context():
        study = Study(
            board_id=board.id,
            title=title,
            started_on=TODAY - timedelta(days=30),
            status=status,
            incumbents=incumbents,
            survey_opens_on=TODAY - timedelta(days=1),
            survey_closes_on=TODAY + timedelta(days=30),
        )
        db.session.add(study)
        db.session.flush()
        domains: dict[str, Domain] = {}
        for position, (code, domain_name, statement) in enumerate(tasks):
            if domain_name not in domains:
                domains[domain_name] = Domain(
                    board_id=board.id, study_id=study.id, name=domain_name, position=len(domains)
                )
                db.session.add(domains[domain_name])
                db.session.flush()
            db.session.add(
                Task(
                    board_id=board.id,
                    study_id=study.id,
                    domain_id=domains[domain_name].id,
                    code=code,
                    position=position,
                    statement=statement,
                    sme_resolution=resolution,
                )
            )
        if defaults:
            for position, (key, label, options) in enumerate(survey.DEFAULT_QUESTIONS):
                db.session.add(
                    DemographicQuestion(
                        board_id=board.id,
                        study_id=study.id,
                        key=key,
                        label=label,
                        options=options,
                        position=position,
                    )
                )
        if status == "survey_open":
            study.public_token = "public-" + str(study.id) + "-token"
        db.session.commit()
        return study.id


def sample_tasks() -> list[tuple[str, str, str]]:
    tasks = read_tasks(SAMPLE / "tasks.csv")
    return list(zip(tasks.task_ids, tasks.domains, tasks.statements, strict=True))


def _staff(make_board: Any, make_user: Any) -> Any:
    board = make_board("lakes")
    make_user(PSY, [(Role.PSYCHOMETRICIAN, board)])
    return board


def _count(model: Any, **where: Any) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.execute(query).scalar_one()


def _submitted(app: Any, study_id: int, n: int) -> None:
    with app.app_context():
        for _ in range(n):
            db.session.add(
                SurveyResponse(
                    board_id=db.session.get(Study, study_id).board_id,
                    study_id=study_id,
                    status="submitted",
                    ratings={"A01": [3, 2]},
                    demographics={},
                    submitted_on=TODAY,
                )
            )
        db.session.commit()


def test_setup_shows_required_sample_and_live_progress(app, client, make_board, make_user):
    board = _staff(make_board, make_user)
    study_id = make_study(app, board, incumbents=2000)
    login(client, PSY)
    page = client.get(f"/studies/{study_id}/survey").get_data(as_text=True)
    assert 'data-testid="required-sample">323<' in page
    assert "0</strong> of 323 responses needed" in page
    _submitted(app, study_id, 212)
    page = client.get(f"/studies/{study_id}/survey").get_data(as_text=True)
    assert "212</strong> of 323 responses needed" in page
    moe = cochran_sample_size(2000, 212).margin_of_error
    assert f"±{100 * moe:.1f} points" in page
    assert "10.6%" in page  # 212 of 2,000 incumbents
    assert "pw-65" in page  # 212 / 323 = 65.6 %
    with app.app_context():
        progress = survey.survey_progress(db.session, db.session.get(Study, study_id))
        assert (progress.required, progress.submitted) == (323, 212)


def test_settings_and_demographic_questions(app, client, make_board, make_user):
    board = _staff(make_board, make_user)
    study_id = make_study(app, board, defaults=False)
    login(client, PSY)
    url = f"/studies/{study_id}/survey"
    assert "No demographic questions yet" in client.get(url).get_data(as_text=True)
    bad = client.post(
        url,
        data={
            "opens_on": "2026-12-10",
            "closes_on": "2026-12-01",
            "incumbents": "0",
            "importance_anchors": "Low\nHigh",
            "frequency_anchors": "Never\nSometimes\nOften",
        },
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "must close on or after" in text and "same number of labels" in text
    assert "At least 1." in text
    with app.app_context():
        assert db.session.get(Study, study_id).incumbents == 2000
    ok = client.post(
        url,
        data={
            "opens_on": "2026-11-01",
            "closes_on": "2026-12-01",
            "incumbents": "1500",
            "importance_anchors": "Not\nSomewhat\nVery",
            "frequency_anchors": "Never\nSometimes\nOften",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert study.incumbents == 1500 and study.scale_max == 2
        assert study.frequency_anchors == ["Never", "Sometimes", "Often"]
        assert str(study.survey_closes_on) == "2026-12-01"
    client.post(f"{url}/questions/defaults")
    client.post(
        f"{url}/questions",
        data={"key": "county", "label": "Which county?", "options": "Adams\nBaker"},
    )
    dup = client.post(
        f"{url}/questions", data={"key": "region", "label": "Again", "options": "A\nB"}
    )
    assert dup.status_code == 400 and "already uses the column name" in dup.get_data(as_text=True)
    with app.app_context():
        study = db.session.get(Study, study_id)
        keys = [q.key for q in survey.questions_of(db.session, study)]
        assert keys == ["role", "years_experience", "setting", "region", "county"]
        county = survey.questions_of(db.session, study)[-1]
    client.post(f"{url}/questions/{county.id}/move", data={"direction": "up"})
    client.post(
        f"{url}/questions/{county.id}",
        data={"key": "county", "label": "County", "options": "Adams\nBaker\nCedar"},
    )
    assert client.post(f"{url}/questions/{county.id}/delete").status_code == 302  # no confirm
    with app.app_context():
        study = db.session.get(Study, study_id)
        questions = survey.questions_of(db.session, study)
        assert [q.key for q in questions][3:] == ["county", "region"]
        assert questions[3].options == ["Adams", "Baker", "Cedar"]
    client.post(f"{url}/questions/{county.id}/delete", data={"confirm": "y"})
    with app.app_context():
        study = db.session.get(Study, study_id)
        questions = survey.questions_of(db.session, study)
        assert [q.key for q in questions] == ["role", "years_experience", "setting", "region"]
        assert [q.position for q in questions] == [0, 1, 2, 3]


def test_open_and_close(app, client, make_board, make_user):
    board = _staff(make_board, make_user)
    unresolved = make_study(app, board, resolution=None)
    empty = make_study(app, board, tasks=[], defaults=False, title="Empty")
    study_id = make_study(app, board, title="Ready")
    login(client, PSY)
    confirm = {"confirm": "y", "note": "go"}
    refused = client.post(f"/studies/{unresolved}/survey/open", data=confirm)
    assert refused.status_code == 400 and "not resolved by the SME" in refused.get_data(
        as_text=True
    )
    refused = client.post(f"/studies/{empty}/survey/open", data=confirm)
    assert "There are no tasks to survey" in refused.get_data(as_text=True)
    assert client.post(f"/studies/{study_id}/survey/open", data={}).status_code == 400
    assert client.post(f"/studies/{study_id}/survey/open", data=confirm).status_code == 302
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert study.status == "survey_open" and len(study.public_token) >= 30
        token = study.public_token
        assert db.session.get(Study, unresolved).status == "draft"
        assert _count(AuditEvent, action="rds.survey.opened") == 1
    page = client.get(f"/studies/{study_id}/survey").get_data(as_text=True)
    assert f"/survey/{token}" in page and 'data-testid="content-locked"' in page
    frozen = client.post(
        f"/studies/{study_id}/survey/questions",
        data={"key": "county", "label": "County", "options": "A\nB"},
    )
    assert "fixed once the survey has opened" in frozen.get_data(as_text=True)
    assert (
        client.post(f"/studies/{study_id}/survey/close", data={"confirm": "y"}).status_code == 400
    )
    # nobody answered: all 323 responses required for 2,000 incumbents are missing, and the
    # person closing confirms that number (issue 10: closing states what is missing)
    missing = cochran_sample_size(2000, 0).required
    unconfirmed = client.post(
        f"/studies/{study_id}/survey/close", data={"confirm": "y", "reason": "Enough responses"}
    )
    assert unconfirmed.status_code == 400
    closed = client.post(
        f"/studies/{study_id}/survey/close",
        data={"confirm": "y", "reason": "Enough responses", "missing": str(missing)},
    )
    assert closed.status_code == 302
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert study.status == "survey_closed" and study.survey_closes_on == TODAY
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "rds.survey.closed")
        ).scalar_one()
        assert event.after["reason"] == "Enough responses"
    refused = client.get(f"/survey/{token}")
    assert refused.status_code == 403
    assert f"This survey closed on {TODAY.isoformat()}." in refused.get_data(as_text=True)


def _links(app: Any) -> dict[str, str]:
    with app.app_context():
        messages = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        found: dict[str, str] = {}
        for m in messages:
            match = re.search(r"http://localhost(/survey/i/\S+)", m.body_text)
            assert match, m.body_text
            found[m.to_addr] = match.group(1)
        return found


def test_invitations_and_reminders(app, client, make_board, make_user):
    board = _staff(make_board, make_user)
    study_id = make_study(app, board, status="survey_open")
    login(client, PSY)
    url = f"/studies/{study_id}/survey/invitations"
    bad = b"email\nann@example.org\nnot-an-email\nbob@example.org,extra\n\ncat@example\n"
    response = client.post(url, data={"file": (io.BytesIO(bad), "people.csv")})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text.count('data-testid="import-problem"') == 3
    assert "not-an-email" in text and "cat@example" in text and "one email address per row" in text
    with app.app_context():
        assert _count(SurveyInvitation) == 0 and _count(OutboxMessage) == 0
    good = b"Ann@Example.org\nbob@example.org\ncat@example.org\nann@example.org\n"
    response = client.post(url, data={"file": (io.BytesIO(good), "people.csv")})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "3 invitations queued" in text and "ann@example.org was already invited" in text
    again = client.post(
        url, data={"file": (io.BytesIO(b"email\nbob@example.org\ndan@example.org\n"), "p.csv")}
    )
    assert "1 invitation queued" in again.get_data(as_text=True)
    links = _links(app)
    assert sorted(links) == [
        "ann@example.org",
        "bob@example.org",
        "cat@example.org",
        "dan@example.org",
    ]
    with app.app_context():
        message = db.session.execute(select(OutboxMessage)).scalars().first()
        assert "minutes" in message.body_text and "anonymous" in message.body_text
        for invitation in db.session.execute(select(SurveyInvitation)).scalars():
            token = links[invitation.email].rsplit("/", 1)[1]
            assert invitation.token_hash == survey.token_hash(token) != token
            assert invitation.sent_at is not None and not invitation.used
    assert client.get(links["ann@example.org"]).status_code == 200
    reminded = client.post(f"/studies/{study_id}/survey/reminders", follow_redirects=True)
    assert "4 reminders queued" in reminded.get_data(as_text=True)
    assert "0 reminders queued" in client.post(
        f"/studies/{study_id}/survey/reminders", follow_redirects=True
    ).get_data(as_text=True)
    with app.app_context():
        assert _count(OutboxMessage) == 8
        reminders = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.subject.startswith("Reminder"))
        ).scalars()
        new_links = {
            m.to_addr: re.search(r"(/survey/i/\S+)", m.body_text).group(1) for m in reminders
        }
        old = db.session.execute(select(SurveyInvitation)).scalars().first()
        old.reminded_at = utcnow() - timedelta(days=4)
        db.session.commit()
    assert client.get(links["ann@example.org"]).status_code == 404  # replaced by the reminder
    assert client.get(new_links["ann@example.org"]).status_code == 200
    assert "1 reminder queued" in client.post(
        f"/studies/{study_id}/survey/reminders", follow_redirects=True
    ).get_data(as_text=True)
    listing = client.get(url + "?state=waiting").get_data(as_text=True)
    assert listing.count('data-testid="invitation-row"') == 4


@needs_rds_sample
def test_import_sample_responses_and_engine_matrix(app, client, make_board, make_user):
    board = _staff(make_board, make_user)
    study_id = make_study(app, board, sample_tasks(), incumbents=1500)
    login(client, PSY)
    data = (SAMPLE / "responses.csv").read_bytes()
    response = client.post(
        f"/studies/{study_id}/survey/import",
        data={"file": (io.BytesIO(data), "responses.csv")},
    )
    assert response.status_code == 302
    with app.app_context():
        assert _count(SurveyResponse, study_id=study_id, source="import", status="submitted") == 350
        study = db.session.get(Study, study_id)
        codes, domains, importance, frequency, demographics = survey.survey_matrix(
            db.session, study
        )
    tasks, expected = read_survey(SAMPLE / "tasks.csv", SAMPLE / "responses.csv")
    assert codes == list(tasks.task_ids) and domains == list(tasks.domains)
    np.testing.assert_array_equal(importance, expected.importance)
    np.testing.assert_array_equal(frequency, expected.frequency)
    assert demographics == {k: list(v) for k, v in expected.demographics.items()}
    result = analyze(
        codes, domains, importance, frequency, demographics, items=120, population=1500
    ).to_dict()
    import json

    reference = json.loads((SAMPLE / "reference.json").read_text())
    assert [d["items"] for d in result["domains"]] == [d["items"] for d in reference["domains"]]
    assert math.isclose(
        result["tasks"][0]["criticality"], reference["tasks"][0]["criticality"], rel_tol=1e-12
    )
    page = client.get(f"/studies/{study_id}/survey").get_data(as_text=True)
    assert "350</strong> of 306 responses needed" in page and "(350 imported)" in page


@needs_rds_sample
def test_import_bad_file_stores_nothing_and_lists_every_row(app, client, make_board, make_user):
    board = _staff(make_board, make_user)
    study_id = make_study(app, board, sample_tasks())
    login(client, PSY)
    rows = list(csv.reader(io.StringIO((SAMPLE / "responses.csv").read_text())))
    header = rows[0]
    rows[0] = [*header, "shoe_size"]
    for row in rows[1:]:
        row.append("")
    rows[3][header.index("A01_importance")] = "7"
    rows[5][header.index("ME02_frequency")] = "2.5"
    rows[8][header.index("region")] = "Mars"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    response = client.post(
        f"/studies/{study_id}/survey/import",
        data={"file": (io.BytesIO(out.getvalue().encode()), "responses.csv")},
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert text.count('data-testid="import-problem"') == 4
    assert "shoe_size" in text and "unknown column" in text
    assert "<td>4</td><td>A01_importance</td>" in text
    assert "<td>6</td><td>ME02_frequency</td>" in text
    assert "<td>9</td><td>region</td>" in text and "Mars" in text
    with app.app_context():
        assert _count(SurveyResponse) == 0


@needs_rds_sample
def test_export_round_trips(app, client, make_board, make_user):
    board = _staff(make_board, make_user)
    study_id = make_study(app, board, sample_tasks())
    login(client, PSY)
    original = (SAMPLE / "responses.csv").read_bytes()
    client.post(
        f"/studies/{study_id}/survey/import",
        data={"file": (io.BytesIO(original), "responses.csv")},
    )
    exported = client.get(f"/studies/{study_id}/survey/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    # the same rows in a random order (issue 11, #8), renumbered R00001... in that order
    lines, before = exported.data.decode().splitlines(), original.decode().splitlines()
    assert lines[0] == before[0] and [line.split(",")[0] for line in lines[1:4]] == [
        "R00001",
        "R00002",
        "R00003",
    ]
    assert sorted(line.split(",", 1)[1] for line in lines[1:]) == sorted(
        line.split(",", 1)[1] for line in before[1:]
    )
    codes = [t[0] for t in sample_tasks()]
    first = read_responses(exported.data, codes, "export.csv")
    xlsx = client.get(f"/studies/{study_id}/survey/export.xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).worksheets[0]["A2"].value == "R00001"
    second = read_responses(xlsx.data, codes, "export.xlsx")
    assert first.respondent_ids == second.respondent_ids  # R00001... in both

    def rows(data):  # type: ignore[no-untyped-def]
        n = len(data.respondent_ids)
        people = [tuple(values[i] for values in data.demographics.values()) for i in range(n)]
        rated = zip(data.importance.tolist(), data.frequency.tolist(), people, strict=True)
        return sorted(repr(row) for row in rated)

    assert rows(first) == rows(second)
    # the export is importable again, into a fresh version of the study
    copy_id = make_study(app, board, sample_tasks(), title="Copy")
    again = client.post(
        f"/studies/{copy_id}/survey/import", data={"file": (io.BytesIO(xlsx.data), "export.xlsx")}
    )
    assert again.status_code == 302
    with app.app_context():
        assert _count(SurveyResponse, study_id=copy_id) == 350


STAFF_ROUTES = [
    ("get", "/studies/{s}/survey"),
    ("post", "/studies/{s}/survey"),
    ("post", "/studies/{s}/survey/questions"),
    ("post", "/studies/{s}/survey/questions/defaults"),
    ("get", "/studies/{s}/survey/questions/{q}"),
    ("post", "/studies/{s}/survey/questions/{q}/move"),
    ("post", "/studies/{s}/survey/questions/{q}/delete"),
    ("post", "/studies/{s}/survey/open"),
    ("post", "/studies/{s}/survey/close"),
    ("get", "/studies/{s}/survey/invitations"),
    ("post", "/studies/{s}/survey/invitations"),
    ("post", "/studies/{s}/survey/reminders"),
    ("get", "/studies/{s}/survey/import"),
    ("post", "/studies/{s}/survey/import"),
    ("get", "/studies/{s}/survey/export.csv"),
    ("get", "/studies/{s}/survey/export.xlsx"),
]


def test_staff_routes_are_isolated_between_boards(app, make_board, make_user):
    lakes = make_board("lakes")
    other = make_board("plains")
    make_user("other@plains.org", [(Role.PSYCHOMETRICIAN, other)])
    make_user("trainee@lakes.org", [(Role.TRAINEE, lakes)])
    study_id = make_study(app, lakes, status="survey_open")
    with app.app_context():
        question_id = db.session.execute(select(DemographicQuestion.id)).scalars().first()
    outsider, trainee = app.test_client(), app.test_client()
    login(outsider, "other@plains.org")
    login(trainee, "trainee@lakes.org")
    for method, route in STAFF_ROUTES:
        url = route.format(s=study_id, q=question_id)
        assert getattr(outsider, method)(url).status_code == 404, url
        assert getattr(trainee, method)(url).status_code == 403, url
    with app.app_context():
        assert db.session.get(Study, study_id).status == "survey_open"
        assert _count(DemographicQuestion) == 4
