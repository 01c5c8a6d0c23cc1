"""Roster files: malformed files refused whole with row and column, mismatches kept for review."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from ceu.rosterfile import Holder, RosterFileError, match, read, same_person

START, END, TODAY = date(2026, 3, 2), date(2026, 3, 3), date(2026, 4, 1)
HOLDERS = {
    "NE-CPSS-000001": Holder(1, 11, "NE-CPSS-000001", "Riley Recovery", "active"),
    "NE-CPSS-000002": Holder(2, 12, "NE-CPSS-000002", "Ana María O'Neil", "active"),
    "NE-CPSS-000003": Holder(3, 13, "NE-CPSS-000003", "Sam Lapsed", "expired"),
    "NE-CPSS-000004": Holder(4, 14, "NE-CPSS-000004", "Dee Twice", "active"),
}


def csv_bytes(text: str) -> bytes:
    return text.encode()


def test_every_kind_of_row_is_matched_and_none_is_dropped() -> None:
    data = csv_bytes(
        "Credential number,Name,completed_on\n"
        "ne-cpss-000001,Riley Recovery,2026-03-03\n"
        'NE-CPSS-000002,"O\'Neil, Ana Maria",\n'
        "NE-CPSS-000003,Sam Lapsed,2026-03-02\n"
        "NE-CPSS-000009,Nobody Known,2026-03-02\n"
        "NE-CPSS-000004,Someone Else,2026-03-02\n"
        "\n"
    )
    lines = read(data, "roster.csv", START, END, TODAY)
    outcomes = [(m.line.row, m.outcome) for m in match(lines, HOLDERS, already=set())]
    assert outcomes == [
        (2, "posted"),
        (3, "posted"),
        (4, "not_active"),
        (5, "unknown_number"),
        (6, "name_differs"),
    ]
    assert lines[1].completed_on == END  # an empty date is the course's last day


def test_a_person_with_the_course_already_recorded_is_a_duplicate() -> None:
    lines = read(
        csv_bytes("credential_number,name\nNE-CPSS-000001,Riley Recovery\n"),
        "r.csv",
        START,
        END,
        TODAY,
    )
    assert match(lines, HOLDERS, already={11})[0].outcome == "duplicate"


def test_a_malformed_file_is_refused_whole_with_every_problem_by_row_and_column() -> None:
    data = csv_bytes(
        "credential_number,name,completed_on\n"
        "NE-CPSS-000001,Riley Recovery,03/03/2026\n"
        ",No Number,2026-03-02\n"
        "NE-CPSS-000002,,2026-03-02\n"
        "NE-CPSS-000004,Dee Twice,2026-05-01\n"
        "NE-CPSS-000004,Dee Twice,2026-03-01\n"
        "NE-CPSS-000004,Dee Twice,2026-03-02\n"
    )
    with pytest.raises(RosterFileError) as caught:
        read(data, "roster.csv", START, END, TODAY)
    found = [(p.row, p.column) for p in caught.value.problems]
    assert found == [
        (2, "completed_on"),
        (3, "credential_number"),
        (4, "name"),
        (5, "completed_on"),
        (6, "completed_on"),
    ]
    messages = " ".join(p.message for p in caught.value.problems)
    assert "not a date as YYYY-MM-DD" in messages and "in the future" in messages
    assert "outside the course's dates" in messages


def test_a_repeated_number_is_a_problem_of_the_file() -> None:
    data = csv_bytes("credential_number,name\nNE-CPSS-000001,Riley\nNE-CPSS-000001,Riley\n")
    with pytest.raises(RosterFileError) as caught:
        read(data, "roster.csv", START, END, TODAY)
    assert caught.value.problems[0].message == "Repeats row 2."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,date\nRiley,2026-03-03\n", "no 'credential_number' column"),
        (b"", "The file is empty."),
        (b"credential_number,name\n", "no rows after the header"),
        (b"\xff\xfe\x00bad", "neither UTF-8 CSV nor an .xlsx"),
        (b"PK\x03\x04broken", "not a readable .xlsx workbook"),
    ],
)
def test_files_that_are_not_rosters(data: bytes, message: str) -> None:
    with pytest.raises(RosterFileError) as caught:
        read(data, "roster.csv", START, END, TODAY)
    assert message in " ".join(p.message for p in caught.value.problems)


def test_an_xlsx_roster_with_real_dates() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Credential number", "Full name", "Date"])
    sheet.append(["NE-CPSS-000001", "Riley Recovery", date(2026, 3, 2)])
    out = io.BytesIO()
    book.save(out)
    (line,) = read(out.getvalue(), "roster.xlsx", START, END, TODAY)
    assert (line.number, line.completed_on) == ("NE-CPSS-000001", date(2026, 3, 2))


def test_names_compare_without_case_accents_order_or_a_middle_name() -> None:
    assert same_person("RECOVERY, Riley", "Riley Recovery")
    assert same_person("Ana Maria O'Neil", "Ana María O’Neil")
    assert same_person("Riley J Recovery", "Riley Recovery")
    assert not same_person("Riley", "Riley Recovery")
    assert not same_person("Riley Riley", "Riley Recovery")
    assert not same_person("Rylee Recovery", "Riley Recovery")
