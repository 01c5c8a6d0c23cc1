"""Direct judgments of the domain weights on the SME review page (issue 15): recorded with
an error per field, audited, shown beside the empirical weights on the review page, the
analysis page and in the RDS report, and removable."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Role, User
from rds.analysis import services as svc
from rds.models import Domain, Study, WeightJudgment
from tests.factories import login
from tests.rds.test_approved_blueprint import world  # noqa: F401


def _domains(app: Any, study_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Domain).filter_by(study_id=study_id)).scalars()
        return {d.name: d.id for d in rows}


def _run(app: Any, world: dict[str, Any]) -> dict[str, float]:  # noqa: F811
    """Run the analysis; the empirical weight of each domain in percent."""
    with app.app_context():
        study = db.session.get(Study, world["study"])
        psych = db.session.get(User, world["psych"])
        assert study is not None and psych is not None
        version = svc.run_analysis(db.session, psych, study, {**svc.DEFAULT_SETTINGS, "items": 30})
        db.session.commit()
        return {d.domain: 100 * d.weight for d in version.analysis().domains}


def _post(client: Any, study_id: int, ids: dict[str, int], judge: str, **pct: str) -> Any:
    data = {"judge": judge, "source": "sme"}
    data |= {f"pct-{ids[name]}": value for name, value in pct.items()}
    return client.post(f"/studies/{study_id}/analysis/review/judgments", data=data)


def _cells(page: str, name: str) -> list[str]:
    return re.findall(rf'data-testid="{name}">([^<]*)<', page)


def test_judged_weights_beside_the_empirical_ones(app, client, world) -> None:  # noqa: F811
    sid = world["study"]
    empirical = _run(app, world)
    ids = _domains(app, sid)
    login(client, "psych@a.org")

    # every problem at once, each beside its field; nothing stored
    bad = _post(client, sid, ids, "SME 1", Advocacy="", Ethics="lots", Recovery="120")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    errors = _cells(page, "judgment-error")
    assert len(errors) == 3 and "Give Advocacy a percent" in errors[0]
    assert "&#39;lots&#39; is not a number" in errors[1] and errors[2] == "A percent from 0 to 100."
    short = _post(client, sid, ids, "SME 1", Advocacy="30", Ethics="30", Recovery="35")
    assert short.status_code == 400
    assert _cells(short.get_data(as_text=True), "judgment-total") == [
        "The percents add up to 95; they must add up to 100."
    ]
    assert 'value="35"' in short.get_data(as_text=True)  # what was typed stays in the form
    with app.app_context():
        assert db.session.execute(select(WeightJudgment)).first() is None

    # two judges: Advocacy 50 and 40 (mean 45), Ethics 30 and 40 (35), Recovery 20 and 20
    assert (
        _post(client, sid, ids, "SME 1", Advocacy="50", Ethics="30", Recovery="20").status_code
        == 302
    )
    assert (
        _post(client, sid, ids, "SME 2", Advocacy="40", Ethics="40", Recovery="20").status_code
        == 302
    )
    judged = {"Advocacy": 45.0, "Ethics": 35.0, "Recovery": 20.0}
    review = client.get(f"/studies/{sid}/analysis/review").get_data(as_text=True)
    assert review.count('data-testid="judgment"') == 2
    version_page = client.get(f"/studies/{sid}/analysis/1").get_data(as_text=True)
    assert 'data-testid="blueprint-judged"' in version_page
    for page in (review, version_page):
        assert _cells(page, "judged-mean") == ["45.0%", "35.0%", "20.0%"]
        differences = [judged[d] - empirical[d] for d in ("Advocacy", "Ethics", "Recovery")]
        assert _cells(page, "judged-difference") == [f"{d:+.1f} points" for d in differences]
        flags = ["Large difference" if abs(d) >= 5 else "Within 5 points" for d in differences]
        assert _cells(page, "judged-flag") == flags
    with app.app_context():
        events = (
            db.session.execute(select(AuditEvent).filter_by(action="rds.weight_judgment.recorded"))
            .scalars()
            .all()
        )
        assert [e.after["percents"] for e in events] == [
            {"Advocacy": 50.0, "Ethics": 30.0, "Recovery": 20.0},
            {"Advocacy": 40.0, "Ethics": 40.0, "Recovery": 20.0},
        ]
        assert events[0].after["judge"] == "SME 1" and events[0].after["source"] == "sme"
        first = db.session.execute(select(WeightJudgment).filter_by(judge="SME 1")).scalar_one()
        first_id = first.id

    pdf = client.get(f"/studies/{sid}/analysis/1/report.pdf")
    words = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split()
    )
    assert "Domain weights judged directly" in words
    assert "2 SMEs said what percent of the exam each domain deserves" in words
    assert re.search(rf"Advocacy 2 45\.0% {empirical['Advocacy']:.1f}%", words)

    # removed by mistake: audited with what it said; the mean is now the other judge's
    delete = f"/studies/{sid}/analysis/review/judgments/{first_id}/delete"
    assert client.post(delete).status_code == 302
    review = client.get(f"/studies/{sid}/analysis/review").get_data(as_text=True)
    assert _cells(review, "judged-mean") == ["40.0%", "40.0%", "20.0%"]
    with app.app_context():
        gone = db.session.execute(
            select(AuditEvent).filter_by(action="rds.weight_judgment.deleted")
        ).scalar_one()
        assert gone.before["judge"] == "SME 1" and gone.after is None


def test_without_judgments_nothing_is_shown(app, client, world) -> None:  # noqa: F811
    _run(app, world)
    login(client, "psych@a.org")
    page = client.get(f"/studies/{world['study']}/analysis/1").get_data(as_text=True)
    assert 'data-testid="blueprint-judged"' not in page
    pdf = client.get(f"/studies/{world['study']}/analysis/1/report.pdf")
    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "judged directly" not in words


def test_another_board_cannot_judge_or_remove(app, client, world, make_user) -> None:  # noqa: F811
    sid = world["study"]
    _run(app, world)
    ids = _domains(app, sid)
    login(client, "psych@a.org")
    _post(client, sid, ids, "SME 1", Advocacy="50", Ethics="30", Recovery="20")
    with app.app_context():
        judgment_id = db.session.execute(select(WeightJudgment.id)).scalar_one()
    client.post("/logout")
    make_user("psych@b.org", [(Role.PSYCHOMETRICIAN, world["other"])])
    login(client, "psych@b.org")
    assert (
        _post(client, sid, ids, "X", Advocacy="50", Ethics="30", Recovery="20").status_code == 404
    )
    delete = f"/studies/{sid}/analysis/review/judgments/{judgment_id}/delete"
    assert client.post(delete).status_code == 404
    with app.app_context():
        assert db.session.execute(select(WeightJudgment.id)).scalars().all() == [judgment_id]


def test_an_archived_study_takes_no_judgment(app, client, world) -> None:  # noqa: F811
    sid = world["study"]
    _run(app, world)
    ids = _domains(app, sid)
    with app.app_context():
        study = db.session.get(Study, sid)
        assert study is not None
        study.status = "archived"
        db.session.commit()
    login(client, "psych@a.org")
    refused = _post(client, sid, ids, "SME 1", Advocacy="50", Ethics="30", Recovery="20")
    assert refused.status_code == 400
    assert _cells(refused.get_data(as_text=True), "judgment-total") == [
        "This study is archived; clone it into a new version to analyse it."
    ]
    with app.app_context():
        assert db.session.execute(select(WeightJudgment)).first() is None
