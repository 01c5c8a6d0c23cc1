"""The SME panel's content validity: Lawshe's CVR per task on the tally page."""

from __future__ import annotations

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
