"""The item file (exams/itemfile.py): columns, cells and problems by row and column."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from exams.itemfile import HEADER, ItemFileError, read

GOOD = (
    "code,domain,task,ksas,cognitive_level,stem,option_a,option_b,option_c,option_d,key\n"
    "PR-1,Ethics,E01,K1; S2,recall,What first?,One,Two,Three,,b\n"
)


def test_rows_are_read_by_column_name() -> None:
    rows, problems = read(GOOD.encode(), "items.csv")
    assert problems == []
    (row,) = rows
    assert row.row == 2 and row.cells["task"] == "E01"
    assert row.options() == ("One", "Two", "Three")
    assert row.key_index() == 1
    assert row.ksa_codes() == ("K1", "S2")


def test_a_guarded_cell_reads_back_as_written() -> None:
    text = GOOD.replace("What first?", "'=1+1 is not a formula")
    rows, _ = read(text.encode(), "items.csv")
    assert rows[0].cells["stem"] == "=1+1 is not a formula"


def test_cell_problems_are_returned_by_row_and_column() -> None:
    text = GOOD + "PR-2,Ethics,E01,,recall,,One,Two,Three,,Z\n,,,,,,,,,,\n"
    rows, problems = read(text.encode(), "items.csv")
    assert len(rows) == 2  # the blank line is skipped
    assert [(p.row, p.column) for p in problems] == [(3, "stem"), (3, "key")]
    assert problems[1].describe() == "Row 3, column key: Write the key as a letter A to E."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "Row 1, column file: The file is empty: it needs a header row."),
        (b"domain,task,colour\n", "Row 1, column colour: Unknown column 'colour'."),
        (b"domain,task\n", "Row 1, column cognitive_level: This column is required."),
        (b"\xff\xfe\x00", "Row 1, column file: The file is neither UTF-8 CSV nor an .xlsx"),
        (GOOD.split("\n")[0].encode() + b"\n", "Row 2, column file: The file has no item rows."),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data: bytes, expected: str) -> None:
    with pytest.raises(ItemFileError) as caught:
        read(data, "items.csv")
    assert any(p.describe().startswith(expected) for p in caught.value.problems)


def test_xlsx_is_read_through_the_safe_reader() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADER[:12]))
    sheet.append(["", "Ethics", "E01", "", "analysis", "Stem?", "A1", "B1", "C1", 4, "", "A"])
    data = io.BytesIO()
    book.save(data)
    rows, problems = read(data.getvalue(), "items.xlsx")
    assert problems == []
    assert rows[0].cells["option_d"] == "4" and rows[0].options() == ("A1", "B1", "C1", "4")
    with pytest.raises(ItemFileError, match="problem"):
        read(b"PK\x03\x04 not really a zip", "items.xlsx")
