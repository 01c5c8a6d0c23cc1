"""CSV and file downloads shared by every module's tables."""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from html import escape
from typing import Any

from flask import Response, stream_with_context

from core.sheets import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# characters XML 1.0 cannot hold (a spreadsheet refuses the file); tab and newlines stay
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_cell = safe_cell  # every cell and header of every export goes through the formula guard


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[Any]], lineterminator: str = "\r\n"
) -> str:
    """A CSV document with a header row; safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([_cell(text) for text in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def download(body: str | bytes, filename: str, mimetype: str = "text/csv") -> Response:
    """A file the browser saves under filename."""
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def xlsx_bytes(
    header: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1"
) -> bytes:
    """An .xlsx workbook of one sheet with a bold header row; safe to open in a spreadsheet."""
    return xlsx_book([(sheet, header, rows)])


def xlsx_book(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An .xlsx workbook of several sheets (name, header, rows), each with a bold header row;
    every cell goes through the formula guard."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    for name, header, rows in sheets:
        worksheet = book.create_sheet(name[:31])
        worksheet.append([_header_cell(worksheet, text, Font(bold=True)) for text in header])
        for row in rows:
            worksheet.append([_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header_cell(worksheet: Any, text: str, font: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(worksheet, value=_cell(text))
    cell.font = font
    return cell


# --- streamed downloads: rows are sent as they are read ------------------------------------

CHUNK_BYTES = 64 * 1024


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], lineterminator: str = "\r\n"
) -> Iterator[bytes]:
    """A CSV document in chunks of about 64 KiB, each sent as soon as it is full."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([_cell(text) for text in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        if out.tell() >= CHUNK_BYTES:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


class _Sink(io.RawIOBase):
    """A write-only stream that keeps what was written until it is taken (for zipfile)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PARTS = {
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        "</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _book_parts(names: Sequence[str]) -> dict[str, str]:
    """The parts of a workbook of these sheets (sheet1.xml, sheet2.xml...) besides the sheets."""
    numbers = range(1, len(names) + 1)
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_WORKSHEET}"/>'
        for n in numbers
    )
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in numbers
    )
    listed = "".join(
        f'<sheet name="{escape(name, quote=True)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in zip(numbers, names, strict=True)
    )
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{sheets}"
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"
        ),
        **_XLSX_PARTS,
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}"
            f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{_REL}"><sheets>{listed}</sheets></workbook>'
        ),
    }


def _sheet_names(names: Iterable[str]) -> list[str]:
    """Names a spreadsheet accepts: at most 31 characters, none of []:*?/\\, each once."""
    found: list[str] = []
    for number, name in enumerate(names, start=1):
        name = re.sub(r"[\[\]:*?/\\]", "", _XML_UNSAFE.sub("", name))[:31] or f"Sheet{number}"
        taken = {f.casefold() for f in found}
        base, suffix = name, 1
        while name.casefold() in taken:
            suffix += 1
            name = f"{base[: 31 - len(str(suffix)) - 1]} {suffix}"
        found.append(name)
    return found


def _xlsx_cell(value: Any, style: str = "") -> str:
    value = _cell(value)
    if value is None or value == "":
        return f"<c{style}/>"
    if isinstance(value, bool):
        return f'<c t="b"{style}><v>{int(value)}</v></c>'
    if isinstance(value, int | float) and math.isfinite(value):
        return f"<c{style}><v>{value!r}</v></c>"
    text = value.isoformat() if isinstance(value, date) else str(value)
    text = _XML_UNSAFE.sub("", text)
    return f'<c t="inlineStr"{style}><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def xlsx_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1"
) -> Iterator[bytes]:
    """An .xlsx workbook of one sheet (bold header) in chunks, each sent as soon as it is full.

    Cells are written as they come (text inline, dates as ISO text); the zip is written to
    the response as it grows, so memory stays the size of one chunk whatever the rows.
    """
    return xlsx_book_chunks([(sheet, header, rows)])


def xlsx_book_chunks(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> Iterator[bytes]:
    """An .xlsx workbook of several sheets (name, header, rows), each with a bold header, in
    chunks as xlsx_chunks writes one: each sheet's rows are read only when it is written."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in _book_parts(_sheet_names(s[0] for s in sheets)).items():
            book.writestr(name, text)
        yield sink.take()
        for number, (_, header, rows) in enumerate(sheets, start=1):
            with book.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as part:
                part.write(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    b"<sheetData>"
                )
                cells = "".join(_xlsx_cell(text, ' s="1"') for text in header)
                part.write(f"<row>{cells}</row>".encode())
                pending = 0
                for row in rows:
                    line = f"<row>{''.join(_xlsx_cell(value) for value in row)}</row>".encode()
                    part.write(line)
                    pending += len(line)
                    if pending >= CHUNK_BYTES:
                        pending = 0
                        yield sink.take()
                part.write(b"</sheetData></worksheet>")
            yield sink.take()
    yield sink.take()


def stream_download(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    filename: str,
    fmt: str = "csv",
    sheet: str | None = None,
    lineterminator: str = "\r\n",
) -> Response:
    """A CSV (or, with fmt "xlsx", XLSX) file sent while its rows are read.

    rows should come from a streamed query (`stream_rows`) or a generator: the first bytes
    leave at once and the worker holds one chunk, not the whole file. Runs inside the
    request's context, so the rows may be read from db.session as they are sent. The XLSX
    sheet is named sheet (else after the file); the CSV ends its lines with lineterminator.
    """
    stem = filename.rsplit(".", 1)[0]
    if fmt == "xlsx":
        return stream_book([(sheet or stem, header, rows)], filename)
    body = csv_chunks(header, rows, lineterminator)
    return Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def stream_book(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], filename: str
) -> Response:
    """An XLSX workbook of several sheets (name, header, rows) sent while its rows are read."""
    name = filename.rsplit(".", 1)[0] + ".xlsx"
    return Response(
        stream_with_context(xlsx_book_chunks(sheets)),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def stream_rows(session: Any, query: Any, batch: int = 1000) -> Iterator[Any]:
    """The rows of query read in batches from a server-side cursor (PostgreSQL), never all
    at once: one statement, memory of one batch."""
    yield from session.execute(query.execution_options(yield_per=batch))
