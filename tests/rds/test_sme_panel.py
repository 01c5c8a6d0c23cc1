"""The SME panel's content validity: Lawshe's CVR per task on the tally page."""

from __future__ import annotations

import io

from core.extensions import db
from rds.models import SmeVote, Study, SubjectMatterExpert
from tests.factories import login
from tests.rds.test_analysis import SAMPLE, pytestmark, world  # noqa: F401


def vote(app, study_id: int, board: int, choices: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    """SMEs 1..n vote: choices maps a task code to each expert's choice."""
    with app.app_context():
        study = db.session.get(Study, study_id)
        tasks = {t.code: t for t in study.tasks}
        size = max(len(c) for c in choices.values())
        smes = [
            SubjectMatterExpert(
                board_id=board, study_id=study_id, name=f"Expert {i}", email=f"e{i}@x.org",
                background="Peer supervisor", years_experience=5 + i,
            )
            for i in range(size)
        ]  # fmt: skip
        db.session.add_all(smes)
        db.session.flush()
        for code, picks in choices.items():
            for sme, choice in zip(smes, picks, strict=False):
                db.session.add(
                    SmeVote(board_id=board, sme_id=sme.id, task_id=tasks[code].id, choice=choice)
                )
        db.session.commit()


def test_tally_shows_cvr_against_the_exact_critical_value(app, client, world) -> None:  # noqa: F811
    sid = world["empty"]
    vote(
        app,
        sid,
        world["board"],
        {
            "A01": ["keep"] * 6,
            "A02": ["keep"] * 4 + ["revise", "drop"],
            "A03": ["keep", "drop"],
        },
    )
    login(client, "psych@a.org")
    page = client.get(f"/studies/{sid}/workshop/tally").get_data(as_text=True)
    cvrs = [part.split("</span>")[0] for part in page.split('data-testid="cvr">')[1:]]
    assert cvrs[0] == "CVR 1.00 (meets the critical 1.000 for 6 votes)"
    assert cvrs[1] == "CVR 0.33 (below the critical 1.000 for 6 votes)"
    assert cvrs[2] == "CVR 0.00 (no critical value under 5 votes)"
    assert len(cvrs) == 3  # tasks without votes show none
    assert "Ayre and Scally, 2014" in page


def test_adjusted_weights_renormalise_and_reapportion() -> None:
    import numpy as np
    import pytest

    from rds.analysis.engine import analyze
    from rds.workshop.review import adjust_domain_weights

    rng = np.random.default_rng(3)
    imp = rng.integers(2, 5, (60, 6)).astype(float)
    result = analyze([f"T{i}" for i in range(6)], ["A"] * 3 + ["B"] * 3, imp, imp.copy(), items=100)
    a, b = result.domains
    moved = adjust_domain_weights(result, {"A": 5.0})
    new_a, new_b = moved.domains
    assert new_a.weight == pytest.approx((a.weight + 0.05) / 1.05)
    assert new_b.weight == pytest.approx(b.weight / 1.05)
    assert new_a.items + new_b.items == 100 and new_a.items > a.items
    assert sum(t.items for t in moved.tasks) == 100
    assert sum(t.items for t in moved.tasks if t.domain == "A") == new_a.items
    assert sum(t.weight for t in moved.tasks) == pytest.approx(1.0)
    assert "changed by the SME review (A +5 points)" in moved.warnings[-1]
    assert adjust_domain_weights(result, {}) is result
    with pytest.raises(ValueError, match="at most 5"):
        adjust_domain_weights(result, {"A": 5.5})


def test_the_panel_reviews_domains_and_a_new_version_applies_it(app, client, world) -> None:  # noqa: F811
    from pypdf import PdfReader
    from sqlalchemy import select

    from core.models import AuditEvent
    from rds.models import Domain
    from tests.rds.test_analysis import run, version

    sid = world["study"]
    login(client, "psych@a.org")
    assert "Run the analysis first" in client.get(f"/studies/{sid}/analysis/review").get_data(
        as_text=True
    )
    run(client, sid)
    page = client.get(f"/studies/{sid}/analysis/review").get_data(as_text=True)
    assert page.count('data-testid="review-domain"') == 6
    with app.app_context():
        domain = db.session.execute(
            select(Domain).filter_by(study_id=sid, name="Advocacy")
        ).scalar_one()
        did = domain.id
    url = f"/studies/{sid}/analysis/review/domains/{did}"
    p = f"d{did}-"
    too_far = client.post(url, data={p + "change": "6", p + "reason": "Much more important"})
    assert too_far.status_code == 400 and "Between -5 and +5 points." in too_far.get_data(
        as_text=True
    )
    no_reason = client.post(url, data={p + "change": "3"})
    assert no_reason.status_code == 400 and "Write why the panel changes" in no_reason.get_data(
        as_text=True
    )
    bad_levels = client.post(url, data={p + "recall": "30", p + "application": "30"})
    assert bad_levels.status_code == 400 and "add up to 100%" in bad_levels.get_data(as_text=True)
    reason = "Advocacy is the core of peer work in the state's rule."
    data = {p + "change": "3", p + "reason": reason}
    data |= {p + "recall": "30", p + "application": "50", p + "analysis": "20"}
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).filter_by(action="rds.sme_review.domain")
        ).scalar_one()
        assert event.after["weight_change"] == 3.0 and event.after["reason"] == reason
    assert client.post(f"/studies/{sid}/analysis/rerun").status_code == 302
    first, second = version(app, 1, sid), version(app, 2, sid)
    assert second["options"]["sme_review"]["domains"]["Advocacy"] == {
        "change": 3.0,
        "reason": reason,
    }
    before = first["result"]["domains"][0]
    after = second["result"]["domains"][0]
    assert after["domain"] == "Advocacy" and after["items"] > before["items"]
    assert sum(d["items"] for d in second["result"]["domains"]) == 120
    pdf = client.get(f"/studies/{sid}/analysis/2/report.pdf").data
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "recall 30%, application 50%, analysis 20%" in text
    assert f"Advocacy +3.0 points {reason}" in text
