"""The report's text in the edge cases: one respondent, all ratings equal, 30% missing,
an empty blueprint; no public-link survey reads as "0 invitations"; answers in the
questionnaire's order; the contents on one page."""

from __future__ import annotations

import numpy as np
import pytest

from rds.analysis.engine import analyze
from rds.report.document import PreviousBlueprint, rds_report
from tests.pure.test_rds_report import _context, _pages

CODES = [f"T{i:02d}" for i in range(1, 13)]
DOMAINS = ["Advocacy"] * 6 + ["Ethics"] * 6
SCOPE = (
    ("Advocacy", tuple((c, f"Statement {c}", ()) for c in CODES[:6])),
    ("Ethics", tuple((c, f"Statement {c}", ()) for c in CODES[6:])),
)
QUESTIONS = (("years", "How many years have you worked as a peer?", ("<1", "1-3", "3-5", "5+")),)
BANNED = (
    "of not computable",
    "not computable is",
    "Invitations sent 0",
    "nan ",
)


def _text(result, **changes) -> str:  # type: ignore[no-untyped-def]
    values = {"domains": SCOPE, "invitations": 0, "questions": QUESTIONS, "incumbents": 500}
    values |= changes
    pages = _pages(rds_report(_context(**values), result))
    text = " ".join(pages)
    for phrase in BANNED:
        assert phrase not in text, phrase
    return text


def _run(imp: np.ndarray, freq: np.ndarray, **options) -> object:  # type: ignore[no-untyped-def]
    years = ["5+", "<1", "3-5", "1-3"] * (imp.shape[0] // 4 + 1)
    demo = {"years": years[: imp.shape[0]]}
    return analyze(CODES, DOMAINS, imp, freq, demo, items=120, population=500, **options)


def test_one_respondent() -> None:
    rng = np.random.default_rng(1)
    imp = rng.integers(2, 5, (1, 12)).astype(float)
    text = _text(_run(imp, imp.copy(), min_group=1))
    assert "Cronbach's alpha of the importance ratings could not be computed" in text
    assert "The one respondent rated every task on this scale." in text
    assert "The average-measure ICC2k could not be computed." in text
    assert "Personal invitations none: the survey was answered through its public link" in text
    assert "Response rate 0.2% of the 500 incumbents" in text  # 1 of 500, no invitations
    assert "Every analysed respondent rated every task on both scales." in text
    assert "falls short of the 218 required" in text


def test_all_ratings_equal() -> None:
    imp = np.full((40, 12), 3.0)
    text = _text(_run(imp, imp.copy()))
    assert "could not be computed" in text
    assert "120 items over 12 retained tasks of 12" in text  # equal weights: 10 per task
    assert "Advocacy 60, Ethics 60" in text


def test_thirty_percent_missing_is_stated_never_hidden() -> None:
    rng = np.random.default_rng(30)
    imp = rng.integers(1, 5, (200, 12)).astype(float)
    freq = rng.integers(0, 5, (200, 12)).astype(float)
    for m in (imp, freq):
        m[rng.random(m.shape) < 0.30] = np.nan
    result = _run(imp, freq)
    blank = np.isnan(imp).mean()
    text = _text(result)
    assert f"Not every respondent rated every task: {100 * blank:.1f}% of the importance" in text
    assert "rated every task on both scales" not in text
    complete = result.scales["importance"].n_complete
    assert f"{complete} of the 200 respondents rated every task on this scale" in text
    assert f"{100 * blank:.1f}% of the importance ratings are blank; tasks" in text  # limitations


def test_an_empty_blueprint_is_never_described_as_apportioned_or_approved() -> None:
    rng = np.random.default_rng(4)
    imp = rng.integers(0, 2, (60, 12)).astype(float)  # every mean below 2
    result = _run(imp, imp.copy())
    assert not any(t.retained for t in result.tasks) and result.total_items == 120
    text = _text(result, blueprint_status="approved")
    assert "items are apportioned" not in text and "Approved by" not in text
    assert text.count("Recorded as approved, but empty") >= 2  # title page and section 10
    assert "The test length asked for was 120 items, but no task met the retention rule" in text
    assert "No task was retained: there is no blueprint to use." in text
    proposed = _text(result, blueprint_status="proposed")
    assert (
        "Empty: no task was retained and no item is apportioned; it cannot be approved." in proposed
    )


def test_answers_follow_the_questionnaire_and_contents_fit_one_page() -> None:
    rng = np.random.default_rng(7)
    imp = rng.integers(1, 5, (40, 12)).astype(float)
    result = _run(imp, imp.copy())
    assert list(result.demographics["years"]) == ["5+", "<1", "3-5", "1-3"]  # as they came
    pages = _pages(rds_report(_context(domains=SCOPE, questions=QUESTIONS), result))
    body = " ".join(pages[2:])
    section = body[body.index("5 Sample and population") : body.index("6 Task ratings")]
    assert "<1 10 25.0% 1-3 10 25.0% 3-5 10 25.0% 5+ 10 25.0%" in section
    assert "How many years have you worked as a peer?" in section
    assert "Contents" in pages[1] and "Appendix E: Approval note" in pages[1]
    assert pages[2].split("Page 3 of")[0].count("1 Executive summary") == 1


def test_approval_note_comparison_and_cvr() -> None:
    rng = np.random.default_rng(8)
    imp = rng.integers(2, 5, (40, 12)).astype(float)
    result = _run(imp, imp.copy())
    previous = PreviousBlueprint(
        "blueprint version 2 of study version 1, approved 2020-05-01",
        (("Advocacy", 50), ("Ethics", 70), ("Old domain", 0)),
        ("T01", "T02", "X99"),
    )
    text = _text(
        result,
        previous=previous,
        approval_note="Board meeting 2026-09-01, motion 4",
        approval_concerns=("The blueprint rests on 40 respondents, fewer than 100.",),
        acknowledgement="Every certified specialist in the state was invited.",
        sme_votes=(("T01", 10, 1, 1, "keep", None), ("T02", 6, 3, 3, "revise", "Wording")),
    )
    advocacy = next(d.items for d in result.domains if d.domain == "Advocacy")
    assert f"Advocacy 50 {advocacy} {advocacy - 50:+d}" in text
    assert "Old domain 0 - domain removed" in text
    assert "Tasks dropped: X99." in text and "Tasks added: T03" in text
    assert "The approver acknowledged these concerns:" in text
    assert "Reason given: Every certified specialist in the state was invited." in text
    assert "T01 10 1 1 0.67 0.667 keep" in text and "T02 6 3 3 0.00 0.667 revise: Wording" in text
    assert "1 of 2 draft tasks fall below the critical CVR." in text


@pytest.mark.parametrize("invitations", [160, None])
def test_invitations_give_the_response_rate(invitations: int | None) -> None:
    rng = np.random.default_rng(9)
    imp = rng.integers(2, 5, (40, 12)).astype(float)
    text = _text(_run(imp, imp.copy()), invitations=invitations)
    if invitations:
        assert "Personal invitations sent 160" in text and "25.0% of the 160 invited" in text
    else:
        assert "8.0% of the 500 incumbents" in text
