"""The CE transcript of one cycle as a PDF: what counted, what each cap removed, the status.

Pure: drawn from a TranscriptData with reportlab through core.pdf's letterhead document.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.platypus import Flowable, Spacer

from ceu.compliance import DELIVERY_MODES, STATUSES, Compliance, amount_text
from core.pdf import build_document, data_table, heading, para


@dataclass(frozen=True)
class TranscriptLine:
    key: str
    completed_on: str
    title: str
    provider: str
    mode: str
    categories: str
    source: str


@dataclass(frozen=True)
class TranscriptData:
    board_name: str
    holder_name: str
    credential: str  # "Certified Peer Support Specialist NE-CPSS-000012"
    standing: Compliance
    lines: tuple[TranscriptLine, ...]
    pending: int  # activities waiting for review, not counted yet
    generated_at: datetime


def transcript_pdf(data: TranscriptData) -> bytes:
    """The transcript as PDF bytes."""
    s = data.standing
    ceu = s.show_ceus

    def amount(minutes: int) -> str:
        return amount_text(minutes, ceu)

    story: list[Flowable] = [
        para(f"{data.holder_name} — {data.credential}", "Heading2"),
        para(
            f"Renewal cycle {s.cycle.label}. Status on {s.as_of.isoformat()}: "
            f"{STATUSES[s.status]}. {s.summary}"
        ),
        heading("Requirements", 1),
        data_table(
            [["Total", amount(s.required), amount(s.counted), amount(s.missing)]]
            + [
                [c.name, amount(c.required), amount(c.counted), amount(c.missing)]
                for c in s.categories
            ],
            ["Requirement", "Required", "Counted", "Missing"],
            numeric_cols=(1, 2, 3),
        ),
    ]
    if s.carried_in or s.carry_out:
        story.append(
            para(
                f"Carried in from the previous cycle: {amount(s.carried_in)}. "
                f"Carries over to the next cycle: {amount(s.carry_out)}.",
                "Small",
            )
        )
    if s.caps:
        story += [
            heading("Caps", 2),
            data_table(
                [[c.label, amount(c.limit), amount(c.taken), amount(c.removed)] for c in s.caps],
                ["Cap", "At most", "Taken", "Not counted"],
                numeric_cols=(1, 2, 3),
            ),
        ]
    results = {a.key: a for a in s.activities}
    rows = []
    for line in data.lines:
        result = results.get(line.key)
        counted = amount_text(result.counted, ceu, unit=False) if result else "0"
        rows.append(
            [
                line.completed_on,
                para(
                    f"{line.title}" + (f" ({line.provider})" if line.provider else ""), "TableCell"
                ),
                DELIVERY_MODES.get(line.mode, line.mode),
                line.categories,
                counted,
                result.note if result else "",
            ]
        )
    story += [
        heading("Activities", 1),
        data_table(
            rows,
            ["Date", "Activity", "Delivery", "Categories", "Counted", "Note"],
            col_widths=["11%", "31%", "14%", "16%", "9%", "19%"],
            numeric_cols=(4,),
        )
        if rows
        else para("No accepted activities in this cycle."),
        Spacer(1, 8),
    ]
    if data.pending:
        story.append(
            para(
                f"{data.pending} activity(ies) wait for the board's review and are not counted yet."
            )
        )
    out = io.BytesIO()
    build_document(
        out,
        "CE transcript",
        story,
        organisation=data.board_name,
        subtitle=f"Continuing education, renewal cycle {s.cycle.label}",
        generated_at=data.generated_at,
    )
    return out.getvalue()
