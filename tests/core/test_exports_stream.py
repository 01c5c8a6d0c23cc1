"""Streamed exports: rows are read as the file is sent, spreadsheets stay safe, XLSX opens."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

from openpyxl import load_workbook

from core.exports import (
    CHUNK_BYTES,
    csv_chunks,
    stream_book,
    stream_download,
    xlsx_book_chunks,
    xlsx_chunks,
)


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


def test_a_workbook_of_several_sheets_streams_each_sheet_in_turn() -> None:
    first: list[int] = []
    second: list[int] = []
    sheets = [
        ("Domains", ["n", "text"], _rows(3_000, first)),
        ("Tasks: all?", ["n", "formula", "day", "text"], _rows(3_000, second)),
        ("domains", ["x"], iter([[1.5], [None], [True]])),
    ]
    chunks = xlsx_book_chunks(sheets)
    head = [next(chunks), next(chunks)]
    assert first and not second  # the second sheet's rows are read only when it is written
    book = load_workbook(io.BytesIO(b"".join([*head, *chunks])))
    assert book.sheetnames == ["Domains", "Tasks all", "domains 2"]  # valid, distinct names
    tasks = list(book["Tasks all"].iter_rows(values_only=True))
    assert len(tasks) == 3_001 and tasks[1][1] == '\'=HYPERLINK("x0")'
    assert book["Domains"]["A1"].font.b and book["Tasks all"]["A1"].font.b
    assert list(book["domains 2"].iter_rows(values_only=True)) == [("x",), (1.5,), (None,), (True,)]


def test_stream_book_and_a_named_sheet(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        book = stream_book([("A", ["a"], iter([[1]])), ("B", ["b"], iter([[2]]))], "blue.csv")
        assert book.is_streamed and book.mimetype.endswith("spreadsheetml.sheet")
        assert book.headers["Content-Disposition"] == 'attachment; filename="blue.xlsx"'
        assert load_workbook(io.BytesIO(b"".join(book.response))).sheetnames == ["A", "B"]
        one = stream_download(["a"], iter([["x"]]), "r.csv", "xlsx", sheet="responses")
        assert load_workbook(io.BytesIO(b"".join(one.response))).sheetnames == ["responses"]
        unix = stream_download(["a"], iter([["x"]]), "r.csv", lineterminator="\n")
        assert b"".join(unix.response) == b"a\nx\n"
