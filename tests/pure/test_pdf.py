"""Shared PDF building blocks: letterhead documents, true page counts, TOC, tables, QR, images."""

from __future__ import annotations

import ast
import io
import re
import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4

from core.pdf import (
    build_document,
    data_table,
    heading,
    image_from_png,
    para,
    qr_drawing,
    styles,
    toc_flowable,
)

ROOT = Path(__file__).resolve().parents[2]
GENERATED = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
ORGANISATION = "Nebraska Peer Support Certification Board"
FILLER = "Peer support specialists share lived experience of recovery with the people they serve. "


def _report(story: list, **kwargs) -> bytes:
    out = io.BytesIO()
    build_document(
        out,
        "Role delineation study report",
        story,
        organisation=ORGANISATION,
        subtitle="Validation survey 2026",
        generated_at=GENERATED,
        **kwargs,
    )
    return out.getvalue()


def _long_story(sections: int = 4) -> tuple[list, list[str]]:
    story: list = [toc_flowable()]
    titles: list[str] = []
    for number in range(1, sections + 1):
        titles.append(f"Domain {number}: Advocacy & ethics")
        story.append(heading(titles[-1], 1))
        for part in (1, 2):
            titles.append(f"Task statements {number}.{part}")
            story.append(heading(titles[-1], 2))
            story.extend(para(FILLER * 12) for _ in range(3))
    return story, titles


@pytest.fixture(scope="module")
def long_report() -> tuple[PdfReader, list[str]]:
    story, titles = _long_story()
    return PdfReader(io.BytesIO(_report(story))), titles


def test_every_page_says_page_n_of_the_true_total(long_report) -> None:
    reader, _ = long_report
    total = len(reader.pages)
    assert total >= 3
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Generated 2026-11-23 14:05 UTC · Page {number} of {total}" in text
        assert ORGANISATION in text and "Role delineation study report" in text


def test_toc_lists_every_heading_with_the_page_it_starts_on(long_report) -> None:
    reader, titles = long_report
    first_page = reader.pages[0].extract_text(extraction_mode="layout")
    outline = {}
    for item in reader.outline:
        entries = item if isinstance(item, list) else [item]
        for entry in entries:
            outline[entry.title] = reader.get_destination_page_number(entry) + 1
    assert list(outline) == titles
    for title in titles:
        match = re.search(re.escape(title) + r"[\s.]*(\d+)", first_page)
        assert match, f"{title!r} missing from the table of contents"
        assert int(match.group(1)) == outline[title]
    pages = [outline[title] for title in titles]
    assert pages == sorted(pages) and pages[-1] >= 3


def test_metadata_names_title_organisation_and_subject() -> None:
    reader = PdfReader(io.BytesIO(_report([para("Short.")])))
    assert reader.metadata.title == "Role delineation study report"
    assert reader.metadata.author == ORGANISATION
    assert reader.metadata.subject == "Validation survey 2026"
    text = reader.pages[0].extract_text()
    assert "Page 1 of 1" in text and "Validation survey 2026" in text


def test_same_input_gives_the_same_bytes() -> None:
    story, _ = _long_story(1)
    again, _ = _long_story(1)
    assert _report(story) == _report(again)


def test_other_page_sizes_and_no_title_block() -> None:
    reader = PdfReader(io.BytesIO(_report([para("Body text.")], pagesize=A4, title_block=False)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_build_document_checks_its_input() -> None:
    with pytest.raises(ValueError, match="generated_at"):
        build_document(
            io.BytesIO(), "T", [], organisation="Board", generated_at=datetime(2026, 1, 1)
        )
    with pytest.raises(ValueError, match="title"):
        build_document(io.BytesIO(), " ", [], organisation="Board", generated_at=GENERATED)
    with pytest.raises(ValueError, match="organisation"):
        build_document(io.BytesIO(), "T", [], organisation="", generated_at=GENERATED)
    with pytest.raises(ValueError, match="level"):
        heading("Too deep", 4)


def test_data_table_repeats_its_header_on_every_page_it_spans() -> None:
    rows = [[f"Task {n}", n, f"{n * 0.5:.1f}"] for n in range(1, 81)]
    table = data_table(
        rows, ["Task statement", "Respondents", "Mean importance"], numeric_cols=(1, 2)
    )
    reader = PdfReader(io.BytesIO(_report([table])))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert "Mean importance" in page.extract_text()
    assert "Task 80" in reader.pages[-1].extract_text()


def test_data_table_right_aligns_numeric_columns_and_escapes_text() -> None:
    table = data_table([["Ethics & boundaries <core>", 16, None]], ["Category", "Hours", "Note"],
                       numeric_cols=[1])  # fmt: skip
    header, row = table._cellvalues
    assert header[1].style.alignment == TA_RIGHT and header[0].style.alignment == TA_LEFT
    assert row[1].style.alignment == TA_RIGHT and row[0].style.alignment == TA_LEFT
    assert row[0].getPlainText() == "Ethics & boundaries <core>"
    assert row[2].getPlainText() == ""
    assert table.repeatRows == 1


def test_data_table_checks_its_shape() -> None:
    with pytest.raises(ValueError, match="row 2"):
        data_table([["a", 1], ["b"]], ["Name", "Count"])
    with pytest.raises(ValueError, match="numeric_cols"):
        data_table([["a", 1]], ["Name", "Count"], numeric_cols=(2,))
    with pytest.raises(ValueError, match="col_widths"):
        data_table([["a", 1]], ["Name", "Count"], col_widths=[100])


def test_qr_drawing_is_square_and_encodes_the_url() -> None:
    url = "https://peercert.example.org/verify/NE-CPSS-000123"
    drawing = qr_drawing(url, 72)
    assert (drawing.width, drawing.height) == (72, 72)
    widget = drawing.contents[0]
    assert isinstance(widget, QrCodeWidget) and widget.value == url
    with pytest.raises(ValueError, match="url"):
        qr_drawing("", 72)


def _png(width: int, height: int) -> bytes:
    """Return a tiny grey PNG of the given pixel size."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))  # fmt: skip


def test_image_from_png_keeps_the_aspect_ratio() -> None:
    image = image_from_png(_png(40, 10), 200)
    assert (image.drawWidth, image.drawHeight) == (200, 50)
    reader = PdfReader(io.BytesIO(_report([image])))
    assert len(reader.pages) == 1
    with pytest.raises(ValueError, match="png_bytes"):
        image_from_png(b"", 100)


def test_styles_share_one_font_family() -> None:
    sheet = styles()
    for name in ("Title", "Heading1", "Heading2", "Heading3", "Body", "Small", "TableHeader"):
        assert sheet[name].fontName.split("-")[0] in ("Helvetica", "Times")


@pytest.mark.parametrize("module", ["core/pdf.py", "certify/certificates.py"])
def test_pdf_modules_import_neither_flask_nor_sqlalchemy(module: str) -> None:
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_sqlalchemy", "sqlalchemy", "flask_login", "flask_wtf"}
