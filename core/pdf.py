"""Shared reportlab building blocks: fonts, colours, letterhead documents, tables and QR codes.

Free of Flask and SQLAlchemy so that certificates and reports can be rendered from plain
data in tests, CLI commands and request handlers alike. Only the 14 built-in PDF fonts are
used, so text outside Latin-1 (WinAnsi) cannot be drawn.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

# Binary (not ASCII85) streams: smaller work per image, about 10% faster long reports.
rl_config.useA85 = 0

SANS = "Helvetica"
SANS_BOLD = "Helvetica-Bold"
SANS_ITALIC = "Helvetica-Oblique"
SERIF = "Times-Roman"
SERIF_BOLD = "Times-Bold"
SERIF_ITALIC = "Times-Italic"

NAVY = colors.HexColor("#1f3a5f")
GOLD = colors.HexColor("#a8853f")
INK = colors.HexColor("#1d2329")
MUTED = colors.HexColor("#5b6670")
RULE = colors.HexColor("#c9ced4")
ZEBRA = colors.HexColor("#f2f5f8")
LIGHT = colors.HexColor("#c8d3e0")  # secondary text on NAVY

MARGIN = 0.75 * inch
LETTERHEAD_HEIGHT = 0.62 * inch
FOOTER_Y = 0.45 * inch


def styles() -> StyleSheet1:
    """Return the shared paragraph styles (a fresh sheet, safe to modify)."""
    sheet = StyleSheet1()
    # fmt: off
    base = ParagraphStyle("Normal", fontName=SANS, fontSize=10, leading=14, textColor=INK)
    sheet.add(base)
    add = sheet.add
    add(ParagraphStyle("Body", parent=base, spaceAfter=6))
    add(ParagraphStyle("Title", parent=base, fontName=SERIF_BOLD, fontSize=22, leading=27,
                       textColor=NAVY, spaceAfter=4))
    add(ParagraphStyle("Subtitle", parent=base, fontName=SERIF_ITALIC, fontSize=13, leading=17,
                       textColor=MUTED, spaceAfter=14))
    add(ParagraphStyle("Heading1", parent=base, fontName=SERIF_BOLD, fontSize=16, leading=20,
                       textColor=NAVY, spaceBefore=14, spaceAfter=6, keepWithNext=1))
    add(ParagraphStyle("Heading2", parent=base, fontName=SANS_BOLD, fontSize=12.5, leading=16,
                       textColor=NAVY, spaceBefore=10, spaceAfter=4, keepWithNext=1))
    add(ParagraphStyle("Heading3", parent=base, fontName=SANS_BOLD, fontSize=10.5, leading=14,
                       textColor=INK, spaceBefore=8, spaceAfter=2, keepWithNext=1))
    add(ParagraphStyle("Small", parent=base, fontSize=8, leading=10.5, textColor=MUTED))
    add(ParagraphStyle("Caption", parent=base, fontName=SANS_ITALIC, fontSize=8.5, leading=11,
                       textColor=MUTED, spaceBefore=3, spaceAfter=8))
    add(ParagraphStyle("TableHeader", parent=base, fontName=SANS_BOLD, fontSize=8.5, leading=11,
                       textColor=colors.white))
    add(ParagraphStyle("TableHeaderRight", parent=sheet["TableHeader"], alignment=TA_RIGHT))
    add(ParagraphStyle("TableCell", parent=base, fontSize=8.5, leading=11))
    add(ParagraphStyle("TableCellRight", parent=sheet["TableCell"], alignment=TA_RIGHT))
    add(ParagraphStyle("Centered", parent=base, alignment=TA_CENTER))
    add(ParagraphStyle("TOCHeading", parent=sheet["Heading1"], spaceBefore=0))
    for level, (indent, size, font) in enumerate(
        [(0, 10.5, SANS_BOLD), (14, 9.5, SANS), (28, 9, SANS)]
    ):
        add(ParagraphStyle(f"TOC{level}", parent=base, fontName=font, fontSize=size,
                           leading=size + 4.5, leftIndent=indent, firstLineIndent=0))
    # fmt: on
    return sheet


_SHEET = styles()  # read-only here; callers who restyle get their own from styles()


def para(text: str, style: str | ParagraphStyle = "Body") -> Paragraph:
    """Return a paragraph of plain text (escaped, so "&" and "<" are shown as typed)."""
    chosen = style if isinstance(style, ParagraphStyle) else _SHEET[style]
    return Paragraph(escape(text), chosen)


class _Heading(Paragraph):
    """A heading paragraph that the document reports to the table of contents."""

    def __init__(self, text: str, level: int) -> None:
        super().__init__(escape(text), _SHEET[f"Heading{level}"])
        self.toc_text = text
        self.toc_level = level - 1


def heading(text: str, level: int = 1) -> Flowable:
    """Return a Heading1-3 flowable that is listed in the table of contents and the outline."""
    if level not in (1, 2, 3):
        raise ValueError(f"level: must be 1, 2 or 3, got {level!r}")
    if not text.strip():
        raise ValueError("text: a heading needs text")
    return _Heading(text, level)


def toc_flowable() -> TableOfContents:
    """Return a table of contents that lists every `heading(...)` of the document."""
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [_SHEET["TOC0"], _SHEET["TOC1"], _SHEET["TOC2"]]
    return toc


def fit_font_size(
    text: str, font: str, max_size: float, max_width: float, min_size: float = 6
) -> float:
    """Return the largest font size <= max_size at which text fits max_width (>= min_size)."""
    width = stringWidth(text, font, max_size)
    if width <= max_width:
        return max_size
    return max(min_size, max_size * max_width / width)


def draw_text(canv: Canvas, text: str, x: float, y: float, font: str = SANS, size: float = 10,
              colour: colors.Color = INK, *, align: str = "left", max_width: float | None = None,
              spacing: float = 0) -> None:  # fmt: skip
    """Draw one line aligned left, centre or right of x, shrunk to max_width, letter-spaced."""
    if max_width is not None:
        size = fit_font_size(text, font, size, max_width - spacing * len(text), min_size=4)
    width = stringWidth(text, font, size) + spacing * max(0, len(text) - 1)
    start = {"left": x, "centre": x - width / 2, "right": x - width}[align]
    canv.saveState()  # colour and character spacing stay with this line
    canv.setFillColor(colour)
    line = canv.beginText(start, y)
    line.setFont(font, size)
    line.setCharSpace(spacing)
    line.textOut(text)
    canv.drawText(line)
    canv.restoreState()


def draw_paragraph(
    canv: Canvas, text: str, x: float, top: float, width: float, style: ParagraphStyle
) -> float:
    """Draw plain text wrapped to width with its top edge at top; return its bottom edge."""
    paragraph = Paragraph(escape(text), style)
    _, height = paragraph.wrapOn(canv, width, 10_000)
    paragraph.drawOn(canv, x, top - height)
    return top - height


def _fixed_date(moment: datetime) -> Callable[..., str]:
    """Return a PDF date formatter that stamps `moment` instead of the wall clock."""
    stamp = moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    return lambda *_: stamp


def new_canvas(
    out: BinaryIO | str,
    pagesize: tuple[float, float],
    *,
    title: str,
    author: str,
    subject: str,
    generated_at: datetime,
) -> Canvas:
    """Return a canvas with metadata and reproducible bytes (same input, same PDF)."""
    canv = Canvas(out, pagesize=pagesize, invariant=1, pageCompression=1)
    canv.setDateFormatter(_fixed_date(generated_at))
    canv.setTitle(title)
    canv.setAuthor(author)
    canv.setSubject(subject)
    canv.setCreator(author)
    return canv


def generated_label(generated_at: datetime) -> str:
    """Return "Generated 2026-11-23 14:05 UTC" for a timezone-aware moment."""
    if generated_at.tzinfo is None:
        raise ValueError("generated_at: must be timezone-aware (UTC)")
    return "Generated " + generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _numbered_canvas(footer_prefix: str, right_x: float, generated_at: datetime) -> type[Canvas]:
    """Return a canvas class that writes "<prefix> · Page n of N" once N is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["invariant"] = 1
            super().__init__(*args, **kwargs)
            self.setDateFormatter(_fixed_date(generated_at))
            self._saved_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._saved_pages.append(dict(self.__dict__))
            # pages are only written in save(); advance the counter now so that bookmarks
            # (TOC links, outline) made on the next page refer to it, not to page 1
            self._doc.pageCounter += 1
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            self._doc.pageCounter = 1
            for state in self._saved_pages:
                self.__dict__.update(state)
                label = f"{footer_prefix} · Page {self._pageNumber} of {total}"
                draw_text(self, label, right_x, FOOTER_Y, SANS, 7.5, MUTED, align="right")
                super().showPage()
            super().save()

    return NumberedCanvas


class _LetterheadDocument(BaseDocTemplate):
    """A document whose pages carry the letterhead and whose headings feed the TOC."""

    def __init__(self, out: BinaryIO | str, **kwargs: Any) -> None:
        super().__init__(out, **kwargs)  # title, author (the organisation), subject, margins
        self._heading_count = 0
        self._outline_level = -1
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate("letterhead", [frame], onPage=self._decorate)])

    def beforeDocument(self) -> None:  # noqa: N802 (reportlab's name)
        self._heading_count = 0
        self._outline_level = -1

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        if not isinstance(flowable, _Heading):
            return
        self._heading_count += 1
        key = f"heading-{self._heading_count}"
        self.canv.bookmarkPage(key)
        # an outline may not skip levels (1 -> 3), so clamp to one below the last entry
        level = min(flowable.toc_level, self._outline_level + 1)
        self._outline_level = level
        self.canv.addOutlineEntry(flowable.toc_text, key, level=level, closed=level > 0)
        self.notify("TOCEntry", (flowable.toc_level, escape(flowable.toc_text), self.page, key))

    def _decorate(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        width, height = self.pagesize
        organisation, title, subtitle = self.author, self.title, self.doc_subtitle
        canv.saveState()
        canv.setFillColor(NAVY)
        canv.rect(0, height - LETTERHEAD_HEIGHT, width, LETTERHEAD_HEIGHT, stroke=0, fill=1)
        canv.setFillColor(GOLD)
        canv.rect(0, height - LETTERHEAD_HEIGHT - 3, width, 3, stroke=0, fill=1)
        text_y = height - LETTERHEAD_HEIGHT / 2 - 4
        half = width / 2 - MARGIN
        draw_text(canv, organisation, MARGIN, text_y + (5 if subtitle else 0), SERIF_BOLD, 14,
                  colors.white, max_width=half + MARGIN)  # fmt: skip
        draw_text(canv, title, width - MARGIN, text_y + 1, SANS, 9.5, colors.white,
                  align="right", max_width=half - 12)  # fmt: skip
        if subtitle:
            draw_text(canv, subtitle, MARGIN, text_y - 9, SANS, 7.5, LIGHT, max_width=half)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, FOOTER_Y + 11, width - MARGIN, FOOTER_Y + 11)
        draw_text(canv, f"{organisation} — {title}", MARGIN, FOOTER_Y, SANS, 7.5, MUTED,
                  max_width=half)  # fmt: skip
        canv.restoreState()


def build_document(
    out: BinaryIO | str,
    title: str,
    story: list[Flowable],
    *,
    organisation: str,
    subtitle: str = "",
    generated_at: datetime,
    pagesize: tuple[float, float] = letter,
    title_block: bool = True,
) -> None:
    """Build a lettered, page-numbered PDF from a platypus story into a path or binary file.

    Every page gets the letterhead (organisation, title) and the footer
    "Generated 2026-11-23 14:05 UTC · Page 3 of 12". A `toc_flowable()` in the story lists the
    `heading(...)` flowables. With `title_block` the title and subtitle open the first page.
    """
    if not title.strip():
        raise ValueError("title: a document needs a title")
    if not organisation.strip():
        raise ValueError("organisation: a document needs an organisation")
    footer = generated_label(generated_at)
    doc = _LetterheadDocument(
        out,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=LETTERHEAD_HEIGHT + 0.45 * inch,
        bottomMargin=FOOTER_Y + 0.4 * inch,
        title=title,
        author=organisation,
        subject=subtitle or title,
        creator=organisation,
        invariant=1,
    )
    doc.doc_subtitle = subtitle
    opening: list[Flowable] = []
    if title_block:
        opening = [para(title, "Title"), para(subtitle, "Subtitle") if subtitle else Spacer(1, 10)]
    canvasmaker = _numbered_canvas(footer, pagesize[0] - MARGIN, generated_at)
    doc.multiBuild(opening + list(story), canvasmaker=canvasmaker)


def _column_weights(rows: Sequence[Sequence[str]]) -> list[str]:
    """Return percentage widths proportional to each column's longest text (clamped)."""
    columns = list(zip(*rows, strict=True))
    weights = [min(40, max(5, max(len(cell) for cell in column))) for column in columns]
    total = sum(weights)
    return [f"{100 * weight / total:.2f}%" for weight in weights]


def data_table(
    rows: list[list[Any]],
    header: list[str],
    col_widths: Sequence[float | str] | None = None,
    numeric_cols: Sequence[int] = (),
) -> Table:
    """Return a zebra-striped table whose header row repeats on every page it spans.

    Cells may be text, numbers (shown with `str`; format them first), None (blank) or
    flowables. Columns listed in `numeric_cols` are right-aligned. Without `col_widths` the
    columns share the frame width in proportion to their content.
    """
    if not header:
        raise ValueError("header: a table needs at least one column")
    for number, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise ValueError(f"rows: row {number} has {len(row)} cells, header has {len(header)}")
    for col in numeric_cols:
        if not 0 <= col < len(header):
            raise ValueError(f"numeric_cols: column {col} does not exist")
    if col_widths is not None and len(col_widths) != len(header):
        raise ValueError("col_widths: need one width per header column")
    numeric = set(numeric_cols)

    def cell(value: Any, col: int, head: bool = False) -> Flowable:
        if isinstance(value, Flowable):
            return value
        name = ("TableHeader" if head else "TableCell") + ("Right" if col in numeric else "")
        return Paragraph(escape("" if value is None else str(value)), _SHEET[name])

    data = [[cell(text, col, head=True) for col, text in enumerate(header)]]
    data += [[cell(value, col) for col, value in enumerate(row)] for row in rows]
    if col_widths is None:
        texts = [header] + [["" if v is None else str(v) for v in row] for row in rows]
        col_widths = _column_weights(texts)
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 1, GOLD),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ]
    commands += [("ALIGN", (col, 0), (col, -1), "RIGHT") for col in sorted(numeric)]
    return Table(data, colWidths=list(col_widths), repeatRows=1, style=TableStyle(commands))


def qr_drawing(url: str, size: float) -> Drawing:
    """Return a size x size drawing of a QR code (with its quiet zone) that encodes url."""
    if not url:
        raise ValueError("url: nothing to encode")
    if size <= 0:
        raise ValueError("size: must be positive")
    drawing = Drawing(size, size)
    drawing.add(QrCodeWidget(url, barLevel="M", barWidth=size, barHeight=size))
    return drawing


def draw_qr(canv: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw a QR code for url (with its quiet zone) with its lower-left corner at (x, y)."""
    if not url:
        raise ValueError("url: nothing to encode")
    widget = QrCodeWidget(url, barLevel="M")
    widget.qr.make()
    modules = widget.qr.modules
    box = size / (len(modules) + 2 * widget.barBorder)
    # one filled path instead of a rectangle object per dark run: smaller, faster PDFs
    path = canv.beginPath()
    for row_number, row in enumerate(modules):
        top = y + size - (row_number + widget.barBorder + 1) * box
        column = 0
        for dark, run in itertools.groupby(bool(module) for module in row):
            count = len(list(run))
            if dark:
                path.rect(x + (column + widget.barBorder) * box, top, count * box, box)
            column += count
    canv.saveState()
    canv.setFillColor(colors.black)
    canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()


def draw_watermark(
    canv: Canvas, text: str, colour: colors.Color, *, angle: float = 30, alpha: float = 0.22
) -> None:
    """Draw large translucent diagonal text across the middle of the current page."""
    width, height = canv._pagesize
    diagonal = (width**2 + height**2) ** 0.5
    size = fit_font_size(text, SANS_BOLD, height * 0.42, diagonal * 0.68, min_size=10)
    canv.saveState()
    canv.setFillColor(colour, alpha=alpha)
    canv.setStrokeColor(colour, alpha=min(1.0, alpha * 2.5))
    canv.setLineWidth(max(0.4, size / 90))
    canv.translate(width / 2, height / 2)
    canv.rotate(angle)
    text_object = canv.beginText()
    text_object.setTextRenderMode(2)  # fill and outline: legible over dark and light areas
    text_object.setFont(SANS_BOLD, size)
    text_object.setTextOrigin(-stringWidth(text, SANS_BOLD, size) / 2, -size * 0.35)
    text_object.textOut(text)
    canv.drawText(text_object)
    canv.restoreState()


def image_from_png(png_bytes: bytes, width: float) -> Image:
    """Return an Image flowable of the PNG scaled to width, keeping its aspect ratio."""
    if not png_bytes:
        raise ValueError("png_bytes: empty image")
    if width <= 0:
        raise ValueError("width: must be positive")
    pixel_width, pixel_height = ImageReader(io.BytesIO(png_bytes)).getSize()
    return Image(io.BytesIO(png_bytes), width=width, height=width * pixel_height / pixel_width)
