"""Streamed exports: rows are read as the file is sent, spreadsheets stay safe, XLSX opens."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

from openpyxl import load_workbook

from core.exports import CHUNK_BYTES, csv_chunks, stream_download, xlsx_chunks


def _rows(n: int, seen: list[int]) -> Iterator[list[object]]:
    for i in range(n):
        seen.append(i)
        yield [i, f'=HYPERLINK("x{i}")', date(2026, 1, 1 + i % 28), "plain text " * 5]


def test_csv_is_sent_in_chunks_while_rows_are_read() -> None:
    seen: list[int] = []
    chunks = csv_chunks(["n", "formula", "day", "text"], _rows(20_000, seen))
    first = next(chunks)
    assert len(first) >= CHUNK_BYTES and len(seen) < 20_000  # sent before every row was read
    rest = b"".join(chunks)
    text = (first + rest).decode()
    lines = text.splitlines()
    assert len(lines) == 20_001 and len(seen) == 20_000
    assert lines[1] == '0,"\'=HYPERLINK(""x0"")",2026-01-01,' + "plain text " * 5


def test_xlsx_streams_and_opens_with_a_bold_header_and_the_formula_guard() -> None:
    seen: list[int] = []
    chunks = xlsx_chunks(["n", "formula", "day", "text"], _rows(5_000, seen), "Hours")
    head = [next(chunks), next(chunks)]
    assert len(seen) < 5_000
    data = b"".join([*head, *chunks])
    book = load_workbook(io.BytesIO(data))
    sheet = book["Hours"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("n", "formula", "day", "text") and sheet["A1"].font.b
    assert rows[1] == (0, '\'=HYPERLINK("x0")', "2026-01-01", "plain text " * 5)
    assert len(rows) == 5_001


def test_stream_download_names_the_file_by_its_format(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        csv = stream_download(["a"], iter([["=1"]]), "board-hours.csv")
        xlsx = stream_download(["a"], iter([["=1"]]), "board-hours.csv", "xlsx")
        assert csv.is_streamed and xlsx.is_streamed
        assert csv.headers["Content-Disposition"] == 'attachment; filename="board-hours.csv"'
        assert xlsx.headers["Content-Disposition"] == 'attachment; filename="board-hours.xlsx"'
        assert csv.mimetype == "text/csv" and xlsx.mimetype.endswith("spreadsheetml.sheet")
        assert b"".join(csv.response) == b"a\r\n'=1\r\n"
