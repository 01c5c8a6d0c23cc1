"""Generic building blocks of the fast RDS report layout (reportlab flowables and formatting).

Pure: imports neither Flask nor SQLAlchemy. Used by :mod:`rds.report.document` and
:mod:`rds.report.sections`. Plain text is pre-wrapped once (:class:`WrappedText`) and the
first, measuring build pass skips drawing text and images (:class:`DraftPass`), which keeps
a 300-task report fast.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from core.pdf import (
    GOLD,
    NAVY,
    RULE,
    SANS_BOLD,
    ZEBRA,
    data_table,
    image_from_png,
    para,
    styles,
)
from core.units import percent, percent_text

NOT_COMPUTABLE = "not computable"
TEXT_WIDTH = 7.0 * inch  # letter paper less the 0.75 in margins of core.pdf
STYLES = styles()  # the report's paragraph styles (core.pdf's sheet)
BOLD_FONT = SANS_BOLD  # the font of task codes set in bold
_LABEL = STYLES["TableCell"].clone("Label", fontName=SANS_BOLD, textColor=NAVY)


def subheading(text: str) -> Flowable:
    """A second-level heading kept out of the table of contents (which then fits one page)."""
    return para(text, "Heading2")


def fmt_number(value: Any, digits: int = 2) -> str:
    """A number with `digits` decimals, or "not computable" for None."""
    return NOT_COMPUTABLE if value is None else f"{float(value):.{digits}f}"


def fmt_percent(value: Any, digits: int = 1) -> str:
    """A share as a percentage with `digits` decimals, or "not computable" for None."""
    return NOT_COMPUTABLE if value is None else percent_text(value, digits)


def fmt_points(value: Any, digits: int = 1) -> str:
    """A difference of shares in percentage points ("±2.8" for 0.0275), same rounding rule."""
    return NOT_COMPUTABLE if value is None else str(percent(value, digits))


def fmt_share(part: int, whole: int, digits: int = 1) -> str:
    """`part` of `whole` as a percentage (the exact fraction rounded), or "not computable"."""
    return NOT_COMPUTABLE if not whole else percent_text(part, digits, whole=whole)


def fmt_interval(pair: Sequence[float | None] | None, digits: int = 3) -> str:
    """A confidence interval as "low to high", or "not computable" when a bound is missing."""
    if not pair or pair[0] is None or pair[1] is None:
        return NOT_COMPUTABLE
    return f"{pair[0]:.{digits}f} to {pair[1]:.{digits}f}"


def fmt_day(value: date | None) -> str:
    """A date as ISO text, or "not recorded"."""
    return "not recorded" if value is None else value.isoformat()


def text_paragraphs(text: str, fallback: str = "Not recorded.") -> list[Flowable]:
    """One paragraph per blank-line-separated block of `text`; `fallback` when it is empty."""
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    return [para(b) for b in blocks if b] or ([para(fallback)] if fallback else [])


def lead_paragraph(lead: str, text: str, style: Any = None) -> Paragraph:
    """A paragraph whose first words (`lead`) are bold."""
    return Paragraph(f"<b>{escape(lead)}</b> {escape(text)}", style or STYLES["Body"])


def _draft(canv: Any) -> bool:
    """Whether `canv` belongs to the first build pass, which only measures (see `DraftPass`)."""
    return bool(getattr(canv, "_rds_draft_pass", False))


class DraftPass(Flowable):
    """Zero-size first flowable of the story that marks the first build pass's canvas.

    The table of contents needs two build passes (it is seeded so that two suffice, and the
    seed's missing links guarantee a second one). The first pass only measures page breaks,
    so the text cells and images, which cost the most to draw, skip drawing on it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.passes = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.passes += 1
        self.canv._rds_draft_pass = self.passes == 1


class _Picture(Flowable):
    """An image flowable that is not drawn (not encoded) on the draft pass."""

    def __init__(self, png: bytes, width: float) -> None:
        super().__init__()
        self.image = image_from_png(png, width)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.image.wrap(avail_width, avail_height)

    def draw(self) -> None:
        if not _draft(self.canv):
            self.image.drawOn(self.canv, 0, 0)


class WrappedText(Flowable):
    """Plain text wrapped once, at creation, to a known width and drawn line by line.

    A 300-task report holds thousands of table cells and statements; laying each out as a
    Paragraph in every build pass is what makes reportlab slow. An optional `label` (a task
    code, in bold) starts the first line at 0 and a `bullet` sits 10 pt left of `indent`.
    """

    def __init__(
        self,
        text: str,
        style: ParagraphStyle,
        width: float,
        *,
        indent: float = 0,
        label: str = "",
        bullet: str = "",
    ) -> None:
        super().__init__()
        self.style, self.indent, self.label, self.bullet = style, indent, label, bullet
        size = style.fontSize
        self.lines = simpleSplit(text, style.fontName, size, width - indent) or [""]
        self.height = style.leading * len(self.lines)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        if _draft(self.canv):
            return
        style, size = self.style, self.style.fontSize
        text = self.canv.beginText()  # one text object per cell: cheaper than drawString
        text.setFillColor(style.textColor)
        y = self.height - size  # the first baseline where a Paragraph puts it
        if self.label:
            text.setFont(BOLD_FONT, size)
            text.setTextOrigin(0, y)
            text.textOut(self.label)
        text.setFont(style.fontName, size, style.leading)
        if self.bullet:
            text.setTextOrigin(self.indent - 10, y)
            text.textOut(self.bullet)
        if style.alignment == TA_RIGHT:
            for line in self.lines:
                width = stringWidth(line, style.fontName, size)
                text.setTextOrigin(self.width - width, y)
                text.textOut(line)
                y -= style.leading
        else:
            text.setTextOrigin(self.indent, y)
            for line in self.lines:
                text.textLine(line)
        self.canv.drawText(text)


def text_table(rows: list, header: list[str], widths: Sequence[float], numeric=()) -> Flowable:
    """A `data_table` (widths in inches) whose text cells are pre-wrapped `WrappedText`s."""
    right = set(numeric)
    cells = [
        [
            value
            if isinstance(value, Flowable)
            else WrappedText(
                "" if value is None else str(value),
                STYLES["TableCellRight" if col in right else "TableCell"],
                widths[col] * inch - 10,
            )  # cell padding: 5 pt either side
            for col, value in enumerate(row)
        ]
        for row in rows
    ]
    return data_table(cells, header, [w * inch for w in widths], numeric_cols=numeric)


def key_value_table(rows: Sequence[tuple[str, str]]) -> Flowable:
    """A two-column table of labels and values, without a header row."""
    cells = [[Paragraph(escape(k), _LABEL), para(v, "TableCell")] for k, v in rows]
    style = TableStyle(
        [
            ("ROWBACKGROUNDS", (0, 0), (-1, -1), [ZEBRA, colors.white]),
            ("LINEABOVE", (0, 0), (-1, 0), 1, GOLD),
            ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    return Table(cells, colWidths=[2.6 * inch, 4.4 * inch], style=style)


class Figures:
    """Numbers the report's figures: a chart and its caption, for a KeepTogether block.

    Never nest KeepTogether blocks: an inner one reports an "infinite" height to the outer
    one, which then always starts a new page.
    """

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, png: bytes, caption: str, width: float = 6.2 * inch) -> list[Flowable]:
        self.count += 1
        return [_Picture(png, width), para(f"Figure {self.count}. {caption}", "Caption")]


def story_headings(flowables: Sequence[Flowable]) -> Iterator[tuple[int, str]]:
    """(level, text) of every `heading(...)` in the story, also inside KeepTogether blocks."""
    for flowable in flowables:
        if hasattr(flowable, "toc_text"):
            yield flowable.toc_level, flowable.toc_text
        yield from story_headings(getattr(flowable, "_content", ()))
