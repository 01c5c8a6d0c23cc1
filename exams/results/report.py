"""The candidate's score report PDF: pass or fail, the score, and on a fail feedback by
performance domain. Never item content (no stem, option, key or item code)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.platypus import Flowable, Spacer

from core.pdf import build_document, data_table, heading, para
from exams.scoring import DOMAIN_ABOVE, DOMAIN_BELOW, ReportingScale

FEEDBACK_WORDS = {
    DOMAIN_BELOW: "Below the passing standard",
    DOMAIN_ABOVE: "Above the passing standard",
}


@dataclass(frozen=True)
class ScoreReport:
    """What the report shows, as plain values."""

    board_name: str
    candidate_name: str
    exam_name: str
    taken_on: date
    raw: int
    raw_needed: int
    n_items: int
    passed: bool
    domains: list[tuple[str, int, int, str]]  # name, correct, items, below/near/above
    generated_at: datetime
    scale: ReportingScale | None = None  # the board's reporting scale, when it has one
    scaled: float | None = None


def score_report_pdf(report: ScoreReport) -> bytes:
    """The PDF bytes of a candidate's score report."""
    outcome = "PASS" if report.passed else "FAIL"
    story: list[Flowable] = [
        para(f"Candidate: {report.candidate_name}"),
        para(f"Examination: {report.exam_name}, taken on {report.taken_on.isoformat()}"),
        Spacer(1, 8),
        heading(f"Result: {outcome}", 1),
    ]
    if report.scale is not None and report.scaled is not None:
        story.append(
            para(
                f"Your scaled score: {report.scaled:.0f} on a scale of {report.scale.low} to "
                f"{report.scale.high}. The passing scaled score is {report.scale.passing}."
            )
        )
    story.append(
        para(
            f"Your score: {report.raw} of {report.n_items} scored questions answered correctly. "
            f"The passing score is {report.raw_needed}."
        )
    )
    if report.passed:
        story.append(
            para(
                "Congratulations. The board records the pass with your application; no "
                "further step is needed for the examination requirement."
            )
        )
    elif report.domains:
        story += [
            Spacer(1, 8),
            heading("Feedback by content area", 2),
            para(
                "How you did in each area of the examination, compared with the passing "
                "standard. Areas with few questions read as near the standard unless the "
                "result is clear. Use this to plan your preparation for a retake."
            ),
            data_table(
                [
                    [name, f"{correct} of {items}", FEEDBACK_WORDS.get(label, "Near the standard")]
                    for name, correct, items, label in report.domains
                ],
                ["Content area", "Correct", "Compared with the passing standard"],
                col_widths=["50%", "15%", "35%"],
                numeric_cols=(1,),
            ),
        ]
    out = io.BytesIO()
    build_document(
        out,
        "Examination score report",
        story,
        organisation=report.board_name,
        subtitle=report.exam_name,
        generated_at=report.generated_at,
    )
    return out.getvalue()
