"""Approval guards: an empty blueprint is refused; a weak one needs an acknowledged reason."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from rds.models import (
    DEFAULT_FREQUENCY_ANCHORS,
    DEFAULT_IMPORTANCE_ANCHORS,
    BlueprintVersion,
    Study,
    SurveyResponse,
)
from tests.factories import login
from tests.rds.test_analysis import SAMPLE, pytestmark, run, version, world  # noqa: F401

NOTE = "Approved at the board meeting of 2026-04-02, motion 4"
REASON = (
    "The board accepts the smaller sample: every certified specialist in the state was invited."
)


def _approved_events(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.execute(select(AuditEvent).filter_by(action="rds.blueprint.approved"))
        return [e.after for e in rows.scalars()]


def test_an_empty_blueprint_cannot_be_approved(app, client, world) -> None:  # noqa: F811
    sid = world["study"]
    login(client, "psych@a.org")
    assert run(client, sid, importance_min="4.0").status_code == 302  # nothing reaches 4.0
    stored = version(app, 1, sid)["result"]
    assert not any(t["retained"] for t in stored["tasks"])
    assert sum(d["items"] for d in stored["domains"]) == 0 and stored["total_items"] == 120
    page = client.get(f"/studies/{sid}/analysis").get_data(as_text=True)
    assert 'data-testid="blueprint-empty"' in page and "none apportioned" in page
    client.post("/logout")

    login(client, "admin@a.org")
    page = client.get(f"/studies/{sid}/analysis").get_data(as_text=True)
    assert f"/studies/{sid}/analysis/1/approve" not in page
    board = client.get(f"/boards/{world['board']}").get_data(as_text=True)
    assert "/analysis/1/approve" not in board.split('data-testid="board-panel-blueprints"')[1]
    form = client.get(f"/studies/{sid}/analysis/1/approve").get_data(as_text=True)
    assert 'data-testid="approve-empty"' in form and "cannot be approved" in form
    refused = client.post(
        f"/studies/{sid}/analysis/1/approve",
        data={"note": NOTE, "confirm": "y", "acknowledge": "y", "acknowledgement": REASON},
    )
    assert refused.status_code == 400
    assert "empty" in refused.get_data(as_text=True)
    assert version(app, 1, sid)["status"] == "proposed" and not _approved_events(app)


def test_too_few_respondents_needs_an_acknowledged_reason(app, client, world) -> None:  # noqa: F811
    sid = world["study"]
    with app.app_context():
        db.session.get(Study, sid).min_respondents = 500  # the sample has 350
        db.session.commit()
    login(client, "psych@a.org")
    run(client, sid)
    client.post("/logout")
    login(client, "admin@a.org")
    url = f"/studies/{sid}/analysis/1/approve"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="approve-concerns"' in page
    assert "350 respondents, fewer than the study&#39;s minimum of 500" in page
    assert "alpha" not in page.split('data-testid="approve-concerns"')[1].split("</ul>")[0]

    unticked = client.post(url, data={"note": NOTE, "confirm": "y", "acknowledgement": REASON})
    assert unticked.status_code == 400
    assert "acknowledge the concerns" in unticked.get_data(as_text=True)
    short = client.post(
        url, data={"note": NOTE, "confirm": "y", "acknowledge": "y", "acknowledgement": "ok"}
    )
    assert short.status_code == 400 and "20 characters" in short.get_data(as_text=True)
    assert version(app, 1, sid)["status"] == "proposed" and not _approved_events(app)

    done = client.post(
        url, data={"note": NOTE, "confirm": "y", "acknowledge": "y", "acknowledgement": REASON}
    )
    assert done.status_code == 302 and version(app, 1, sid)["status"] == "approved"
    with app.app_context():
        row = db.session.execute(select(BlueprintVersion).filter_by(study_id=sid)).scalar_one()
        assert row.acknowledgement == REASON and len(row.approval_concerns) == 1
    (after,) = _approved_events(app)
    assert after["acknowledgement"] == REASON
    assert after["concerns"] == [
        "The blueprint rests on 350 respondents, fewer than the study's minimum of 500."
    ]


def test_missed_sample_and_low_alpha_are_listed(app, client, world) -> None:  # noqa: F811
    sid = world["empty"]  # the sample's scope, no responses yet
    rng = np.random.default_rng(15)
    with app.app_context():
        study = db.session.get(Study, sid)
        study.incumbents, study.min_respondents = 1000, 30
        codes = [t.code for t in study.tasks]
        for _ in range(40):  # independent noise: alpha near 0
            ratings = {c: [int(rng.integers(2, 5)), int(rng.integers(1, 5))] for c in codes}
            db.session.add(
                SurveyResponse(
                    board_id=world["board"], study_id=sid, status="submitted", ratings=ratings
                )
            )
        db.session.commit()
    login(client, "psych@a.org")
    assert run(client, sid, min_group="100").status_code == 302
    client.post("/logout")
    login(client, "admin@a.org")
    page = client.get(f"/studies/{sid}/analysis/1/approve").get_data(as_text=True)
    concerns = page.split('data-testid="approve-concerns"')[1].split("</ul>")[0]
    assert "The required sample was missed: 40 respondents of the 278 required" in concerns
    assert "alpha of the importance ratings is" in concerns and "below the 0.70" in concerns
    assert "fewer than the study" not in concerns  # 40 >= 30
    ok = client.post(
        f"/studies/{sid}/analysis/1/approve",
        data={"note": NOTE, "confirm": "y", "acknowledge": "y", "acknowledgement": REASON},
    )
    assert ok.status_code == 302
    (after,) = _approved_events(app)
    assert len(after["concerns"]) == 3  # sample, importance alpha, frequency alpha


def test_the_minimum_is_set_with_the_survey_settings(app, client, world) -> None:  # noqa: F811
    sid = world["study"]
    login(client, "psych@a.org")
    with app.app_context():
        assert db.session.get(Study, sid).min_respondents == 100  # the default
    data = {
        "incumbents": "1500",
        "min_respondents": "250",
        "importance_anchors": "\n".join(DEFAULT_IMPORTANCE_ANCHORS),
        "frequency_anchors": "\n".join(DEFAULT_FREQUENCY_ANCHORS),
    }
    assert client.post(f"/studies/{sid}/survey", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Study, sid).min_respondents == 250
        event = db.session.execute(
            select(AuditEvent).filter_by(action="rds.survey.settings")
        ).scalar_one()
        assert event.before["min_respondents"] == 100 and event.after["min_respondents"] == 250
    refused = client.post(f"/studies/{sid}/survey", data={**data, "min_respondents": "0"})
    assert refused.status_code == 400 and "At least 1." in refused.get_data(as_text=True)


def test_the_approver_sees_the_change_from_the_previous_blueprint(app, client, world) -> None:  # noqa: F811
    from tests.rds.test_analysis import task_of

    sid = world["study"]
    login(client, "psych@a.org")
    run(client, sid)
    client.post("/logout")
    login(client, "admin@a.org")
    first = client.get(f"/studies/{sid}/analysis/1/approve").get_data(as_text=True)
    assert 'data-testid="approve-first"' in first
    assert (
        client.post(
            f"/studies/{sid}/analysis/1/approve", data={"note": NOTE, "confirm": "y"}
        ).status_code
        == 302
    )
    client.post("/logout")
    login(client, "psych@a.org")
    task_id, _ = task_of(app, sid, "A01")
    client.post(
        f"/studies/{sid}/analysis/tasks/{task_id}/override",
        data={"decision": "drop", "reason": "Covered by another credential's exam."},
    )
    run(client, sid, items="100")
    client.post("/logout")
    login(client, "admin@a.org")
    page = client.get(f"/studies/{sid}/analysis/2/approve").get_data(as_text=True)
    table = page.split('data-testid="approve-comparison"')[1].split("</table>")[0]
    before = version(app, 1, sid)["result"]["domains"][0]["items"]
    now = version(app, 2, sid)["result"]["domains"][0]["items"]
    assert "blueprint version 1 of Peer specialist RDS" in table
    assert f'{before}</td><td class="text-end">{now}</td>' in table
    assert "Tasks dropped: A01." in page
