"""RDS analysis pages: engine run on stored responses, overrides, approval, downloads."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role, User
from rds.analysis import services as svc
from rds.models import BlueprintVersion, Study, SurveyResponse, Task
from rds.scope.transfer import import_scope
from rds.survey.response_files import import_responses
from rds.survey.services import add_default_questions
from tests.factories import login
from tests.shared import RDS_SAMPLE, needs_rds_sample

SAMPLE = RDS_SAMPLE or Path("missing")
pytestmark = needs_rds_sample
RUN = {
    "method": "multiplicative",
    "importance_min": "2.0",
    "performing_min": "0.5",
    "items": "120",
    "min_per_domain": "0",
    "min_group": "30",
}


def close(expected: object, actual: object, path: str = "$") -> None:
    """Every figure of ``expected`` is in ``actual``: floats to 1e-9, the rest exactly."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        for key, value in expected.items():
            close(value, actual.get(key), f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            close(e, a, f"{path}[{i}]")
    elif isinstance(expected, float):
        assert isinstance(actual, float) and math.isfinite(actual), path
        assert abs(actual - expected) <= 1e-9, f"{path}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


@pytest.fixture
def world(app, make_board, make_user):  # type: ignore[no-untyped-def]
    """Board A with a study holding the shared sample survey; board B with its own staff."""
    board, other = make_board("lakes"), make_board("plains")
    psych = make_user("psych@a.org", [(Role.PSYCHOMETRICIAN, board)])
    make_user("admin@a.org", [(Role.BOARD_ADMIN, board)])
    with app.app_context():
        actor = db.session.get(User, psych.id)
        study = Study(
            board_id=board.id,
            title="Peer specialist RDS",
            started_on=date(2026, 1, 5),
            incumbents=1500,
            created_by_id=psych.id,
        )
        empty = Study(board_id=board.id, title="Empty RDS", started_on=date(2026, 1, 5))
        db.session.add_all([study, empty])
        db.session.flush()
        tasks = (SAMPLE / "tasks.csv").read_bytes()
        import_scope(db.session, actor, study, tasks, "tasks.csv", replace=False)
        import_scope(db.session, actor, empty, tasks, "tasks.csv", replace=False)
        add_default_questions(db.session, actor, study)
        data = (SAMPLE / "responses.csv").read_bytes()
        import_responses(db.session, actor, study, data, "responses.csv", date(2026, 3, 1))
        db.session.commit()
        return {"study": study.id, "empty": empty.id, "board": board.id, "other": other}


def run(client, study_id: int, **changes: str):  # type: ignore[no-untyped-def]
    return client.post(f"/studies/{study_id}/analysis", data={**RUN, **changes})


def version(app, number: int, study_id: int) -> dict:  # type: ignore[no-untyped-def]
    """A stored blueprint version as plain values."""
    with app.app_context():
        row = db.session.execute(
            select(BlueprintVersion).filter_by(study_id=study_id, version=number)
        ).scalar_one()
        return {
            "id": row.id,
            "status": row.status,
            "options": row.options,
            "result": row.result,
            "note": row.approval_note,
            "approved_by": row.approved_by.email if row.approved_by else None,
            "approved_at": row.approved_at,
        }


def task_of(app, study_id: int, code: str) -> tuple[int, bool | None]:  # type: ignore[no-untyped-def]
    with app.app_context():
        task = db.session.execute(select(Task).filter_by(study_id=study_id, code=code))
        row = task.scalar_one()
        return row.id, row.retention_override


def actions(app, name: str) -> list[tuple[str | None, dict]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.execute(select(AuditEvent).filter_by(action=name)).scalars()
        return [(e.entity_id, e.after) for e in rows]


def test_run_stores_the_reference_result_and_the_page_shows_it(app, client, world) -> None:
    login(client, "psych@a.org")
    sid = world["study"]
    response = run(client, sid)
    assert response.status_code == 302 and response.location.endswith("/analysis/1")
    stored = version(app, 1, sid)
    assert stored["status"] == "proposed" and stored["options"]["items"] == 120
    reference = json.loads((SAMPLE / "reference.json").read_text(encoding="utf-8"))
    close(reference, stored["result"])
    assert [d["items"] for d in stored["result"]["domains"]] == [21, 26, 16, 14, 22, 21]
    assert actions(app, "rds.blueprint.proposed")[0][1]["version"] == 1

    page = client.get(f"/studies/{sid}/analysis").get_data(as_text=True)
    assert "Blueprint version 1" in page
    assert "0.904" in page and "0.895" in page  # alphas of importance and frequency
    assert "alpha 0.90: excellent — ratings are reliable enough to set exam proportions" in page
    cells = re.findall(r'data-testid="domain-items">(\d+)<', page)
    assert cells == ["21", "26", "16", "14", "22", "21"]
    assert "Crisis Support" in page and "306" in page  # required sample for 1,500 incumbents
    for name in ("scatter", "domains", "reliability", "demographics-role"):
        assert f"/analysis/1/charts/{name}.png" in page
    images = re.findall(r"<img[^>]*>", page)
    assert len(images) == 7 and all(re.search(r'alt="[^"]{40,}"', img) for img in images)

    by_crit = client.get(f"/studies/{sid}/analysis/1?sort=-criticality").get_data(as_text=True)
    rows = re.findall(r'data-testid="task-row" data-task="([A-Z0-9]+)"', by_crit)
    top = max(stored["result"]["tasks"], key=lambda t: t["criticality"])["task_id"]
    assert rows[0] == top and len(rows) == 42


def test_empty_study_and_refused_options(app, client, world) -> None:
    login(client, "psych@a.org")
    page = client.get(f"/studies/{world['empty']}/analysis")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="analysis-empty"' in text
    assert f"/studies/{world['empty']}/survey" in text
    refused = run(client, world["empty"])
    assert refused.status_code == 400
    assert "no submitted survey responses" in refused.get_data(as_text=True)
    too_many = run(client, world["study"], items="10", min_per_domain="5")
    assert too_many.status_code == 400
    assert "cannot run with these options" in too_many.get_data(as_text=True)
    bad = run(client, world["study"], performing_min="1.5")
    assert bad.status_code == 400 and "A share from 0 to 1." in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(BlueprintVersion)).first() is None


def test_nulls_show_as_not_computable(app, client, world) -> None:
    sid = world["empty"]
    with app.app_context():
        codes = [t.code for t in db.session.get(Study, sid).tasks]
        for _ in range(2):  # two identical respondents: no variance, no alpha
            ratings = {code: [3, 2] for code in codes}
            db.session.add(
                SurveyResponse(
                    board_id=world["board"],
                    study_id=sid,
                    status="submitted",
                    ratings=ratings,
                    demographics={},
                )
            )
        db.session.commit()
    login(client, "psych@a.org")
    assert run(client, sid, min_group="1").status_code == 302
    assert version(app, 1, sid)["result"]["scales"]["importance"]["alpha"] is None
    page = client.get(f"/studies/{sid}/analysis").get_data(as_text=True)
    assert "not computable" in page and "Cronbach&#39;s alpha of the importance" in page
    assert client.get(f"/studies/{sid}/analysis/1/charts/reliability.png").status_code == 200


def test_override_needs_a_reason_is_audited_and_applies_on_rerun(app, client, world) -> None:
    login(client, "psych@a.org")
    sid = world["study"]
    run(client, sid)
    code = next(t for t in version(app, 1, sid)["result"]["tasks"] if not t["retained"])["task_id"]
    task_id, _ = task_of(app, sid, code)
    url = f"/studies/{sid}/analysis/tasks/{task_id}/override"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={"decision": "keep", "reason": ""})
    assert refused.status_code == 400 and "Write why" in refused.get_data(as_text=True)
    assert task_of(app, sid, code)[1] is None and not actions(app, "rds.task.retention_overridden")
    reason = "Required by the state peer support rule; the SME panel kept it."
    assert client.post(url, data={"decision": "keep", "reason": reason}).status_code == 302
    assert task_of(app, sid, code)[1] is True
    entity, after = actions(app, "rds.task.retention_overridden")[0]
    assert entity == str(task_id) and after == {"retention_override": True, "reason": reason}

    assert client.post(f"/studies/{sid}/analysis/rerun").status_code == 302
    second = version(app, 2, sid)
    kept = next(t for t in second["result"]["tasks"] if t["task_id"] == code)
    assert kept["retained"] and kept["retained_by"] == "override" and kept["weight"] > 0
    assert second["options"]["overrides"] == {code: {"retained": True, "reason": reason}}
    assert second["options"]["items"] == 120
    first = next(t for t in version(app, 1, sid)["result"]["tasks"] if t["task_id"] == code)
    assert not first["retained"]
    page = client.get(f"/studies/{sid}/analysis").get_data(as_text=True)
    assert reason in page and 'data-testid="override-row"' in page

    assert client.post(url + "/clear", data={"note": "Panel changed its mind"}).status_code == 302
    assert task_of(app, sid, code)[1] is None
    cleared = actions(app, "rds.task.retention_override_cleared")
    assert cleared[0][1]["note"] == "Panel changed its mind"


def test_board_admin_approves_and_freezes(app, client, world) -> None:
    sid = world["study"]
    approve = f"/studies/{sid}/analysis/1/approve"
    note = "Approved at the board meeting of 2026-04-02"
    login(client, "psych@a.org")
    run(client, sid)
    assert client.get(approve).status_code in (403, 404)
    assert client.post(approve, data={"note": note, "confirm": "y"}).status_code in (403, 404)
    with app.app_context():
        assert svc.approved_version(db.session, sid) is None
    client.post("/logout")

    login(client, "admin@a.org")
    page = client.get(approve).get_data(as_text=True)
    assert "Approving freezes this blueprint; later changes need a new version" in page
    assert client.post(approve, data={"note": "Board vote"}).status_code == 400  # unconfirmed
    assert client.post(approve, data={"note": note, "confirm": "y"}).status_code == 302
    first = version(app, 1, sid)
    assert first["status"] == "approved" and first["note"] == note
    assert first["approved_by"] == "admin@a.org" and first["approved_at"] is not None
    with app.app_context():
        assert db.session.get(Study, sid).status == "analyzed"
        assert svc.approved_version(db.session, sid).id == first["id"]
        mail = select(OutboxMessage).filter_by(to_addr="psych@a.org")
        assert db.session.execute(mail).first() is not None
    assert actions(app, "rds.blueprint.approved") and actions(app, "rds.study.status")
    assert client.post(approve, data={"note": note, "confirm": "y"}).status_code == 400

    client.post("/logout")
    login(client, "psych@a.org")
    task_id, _ = task_of(app, sid, "A01")
    client.post(
        f"/studies/{sid}/analysis/tasks/{task_id}/override",
        data={"decision": "drop", "reason": "Covered by another credential's exam."},
    )
    assert run(client, sid, items="100").status_code == 302
    assert version(app, 2, sid)["status"] == "proposed"
    assert version(app, 2, sid)["result"]["total_items"] == 100
    assert version(app, 1, sid) == first  # frozen: unchanged by the override and the new run

    client.post("/logout")
    login(client, "admin@a.org")
    client.post(f"/studies/{sid}/analysis/2/approve", data={"note": note, "confirm": "y"})
    assert version(app, 1, sid)["status"] == "superseded"
    assert version(app, 2, sid)["status"] == "approved"
    with app.app_context():
        assert svc.approved_version(db.session, sid).version == 2
    board_page = client.get(f"/boards/{world['board']}").get_data(as_text=True)
    assert 'data-testid="board-panel-blueprints"' in board_page
    assert "blueprint v2 approved" in board_page


def test_downloads_and_charts(app, client, world) -> None:
    sid = world["study"]
    login(client, "psych@a.org")
    run(client, sid)
    result = version(app, 1, sid)["result"]
    text = client.get(f"/studies/{sid}/analysis/1/blueprint.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    domains = [r for r in rows if r["level"] == "domain"]
    assert [int(r["items"]) for r in domains] == [21, 26, 16, 14, 22, 21]
    assert sum(int(r["items"]) for r in rows if r["level"] == "task") == 120
    assert abs(float(domains[0]["weight"]) - result["domains"][0]["weight"]) <= 1e-12

    book = load_workbook(io.BytesIO(client.get(f"/studies/{sid}/analysis/1/blueprint.xlsx").data))
    assert book.sheetnames == ["Domains", "Tasks", "KSAs", "Reliability"]
    items = [r[5] for r in book["Domains"].iter_rows(min_row=2, values_only=True)]
    assert items == [21, 26, 16, 14, 22, 21]
    reliability = list(book["Reliability"].iter_rows(min_row=2, values_only=True))
    assert reliability[0][:3] == ("importance", "alpha", result["scales"]["importance"]["alpha"])
    assert book["Tasks"].max_row == 43

    pdf = client.get(f"/studies/{sid}/analysis/1/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(pdf.data)).pages
    words = " ".join(" ".join(page.extract_text() for page in pages).split())
    for d in result["domains"]:
        pattern = rf"{re.escape(d['domain'])} 7 {d['n_retained']} [\d.]+% {d['items']}\b"
        assert re.search(pattern, words), d["domain"]

    for name in ("scatter", "domains", "demographics-region"):  # reliability: see the nulls test
        png = client.get(f"/studies/{sid}/analysis/1/charts/{name}.png")
        assert png.status_code == 200 and png.mimetype == "image/png"
        assert png.data.startswith(b"\x89PNG")
    assert client.get(f"/studies/{sid}/analysis/1/charts/nope.png").status_code == 404
    assert client.get(f"/studies/{sid}/analysis/1/charts/demographics-x.png").status_code == 404
    assert client.get(f"/studies/{sid}/analysis/9/report.pdf").status_code == 404


def test_other_boards_get_404_everywhere(app, client, world, make_user) -> None:
    make_user("psych@b.org", [(Role.PSYCHOMETRICIAN, world["other"])])
    make_user("admin@b.org", [(Role.BOARD_ADMIN, world["other"])])
    sid = world["study"]
    login(client, "psych@a.org")
    run(client, sid)
    client.post("/logout")
    task_id, _ = task_of(app, sid, "A01")
    base = f"/studies/{sid}/analysis"
    override = f"{base}/tasks/{task_id}/override"
    gets = [
        base,
        f"{base}/1",
        f"{base}/1/charts/scatter.png",
        f"{base}/1/blueprint.csv",
        f"{base}/1/blueprint.xlsx",
        f"{base}/1/report.pdf",
        override,
    ]
    posts = {
        base: RUN,
        f"{base}/rerun": {},
        override: {"decision": "keep", "reason": "Not this board's decision at all"},
        f"{override}/clear": {},
    }
    for email in ("psych@b.org", "admin@b.org"):
        login(client, email)
        for url in gets:
            assert client.get(url).status_code == 404, (email, url)
        for url, data in posts.items():
            assert client.post(url, data=data).status_code == 404, (email, url)
        client.post("/logout")
    login(client, "admin@b.org")
    approved = client.post(f"{base}/1/approve", data={"note": "Not ours", "confirm": "y"})
    assert approved.status_code == 404
    client.post("/logout")
    login(client, "psych@a.org")  # a task of another study is not reachable through this one
    other_task, _ = task_of(app, world["empty"], "A01")
    assert client.get(f"{base}/tasks/{other_task}/override").status_code == 404
    with app.app_context():
        assert len(db.session.execute(select(BlueprintVersion)).all()) == 1
    assert task_of(app, sid, "A01")[1] is None and version(app, 1, sid)["status"] == "proposed"
