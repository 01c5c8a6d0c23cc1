"""Roster files: every row comes back, bad ones with their problem; flags and name matching."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from verify.employers import roster

TODAY = date(2026, 11, 30)


def test_csv_rows_with_every_kind_of_problem() -> None:
    text = (
        "Name,Credential Number,Board\n"
        "Jane Doe,NE-CPSS-000001,ne\n"
        ",NE-CPSS-000002,ne\n"  # no name
        "Sam Smith,,ne\n"  # no number
        "Ann Lee,NE CPSS 3,ne\n"  # not a number
        "Bo Ray,NE-CPSS-000004,\n"  # no board
        "Jane Doe,ne-cpss-000001,ne\n"  # the same credential again
        ",,\n"  # an empty line is no row
    )
    rows = roster.read_roster(text.encode(), "staff.csv", 100)
    assert [r.row for r in rows] == [2, 3, 4, 5, 6, 7]
    problems = {r.row: r.problem for r in rows}
    assert problems[2] == ""
    assert "name is empty" in problems[3]
    assert "credential number is empty" in problems[4]
    assert "not a credential number" in problems[5]
    assert "board is empty" in problems[6]
    assert "row 2" in problems[7]
    assert rows[0].number == "NE-CPSS-000001"


def test_header_variants_semicolons_and_split_names() -> None:
    text = "Last name;First name;License number;State\nDoe;Jane;NE-CPSS-000001;NE\n"
    rows = roster.read_roster(text.encode("utf-8-sig"), "staff.csv", 100)
    assert rows == [roster.RosterRow(2, "Jane Doe", "NE-CPSS-000001", "NE")]


def test_missing_columns_are_named() -> None:
    with pytest.raises(roster.RosterUnreadable, match="credential number, board"):
        roster.read_roster(b"name,phone\nJane,555\n", "staff.csv", 100)
    with pytest.raises(roster.RosterUnreadable, match="empty"):
        roster.read_roster(b"", "staff.csv", 100)


def test_too_many_rows() -> None:
    text = "name,number,board\n" + "Jane Doe,NE-1,ne\n" * 11
    with pytest.raises(roster.RosterUnreadable, match="11 rows"):
        roster.read_roster(text.encode(), "staff.csv", 10)


def test_xlsx() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Employee name", "Credential #", "Board"])
    sheet.append(["Jane Doe", "NE-CPSS-000001", "ne"])
    sheet.append([None, None, None])
    sheet.append(["Sam Smith", None, "ne"])
    out = io.BytesIO()
    book.save(out)
    rows = roster.read_roster(out.getvalue(), "staff.xlsx", 100)
    assert [r.row for r in rows] == [2, 4]
    assert rows[1].problem == "credential number is empty"
    with pytest.raises(roster.RosterUnreadable):
        roster.read_roster(b"PK\x03\x04 not really", "staff.xlsx", 100)


@pytest.mark.parametrize(
    ("mine", "theirs", "same"),
    [
        ("Jane Doe", "Jane Q. Doe", True),
        ("Doe, Jane", "Jane Doe", True),
        ("JOSÉ García", "Jose Garcia", True),
        ("Jane Doe", "John Doe", False),
        ("Jane", "Jane Doe", False),
        ("", "Jane Doe", False),
    ],
)
def test_names_match(mine: str, theirs: str, same: bool) -> None:
    assert roster.names_match(mine, theirs) is same


def test_flags() -> None:
    row = roster.RosterRow(2, "Jane Doe", "NE-1", "ne")
    facts = roster.RegisterFacts("Jane Doe", "active", date(2027, 6, 30))
    assert roster.flags(row, facts, TODAY) == ()
    assert roster.flags(row, None, TODAY) == ("not_found",)
    soon = roster.RegisterFacts("Jane Doe", "active", date(2027, 1, 29))
    assert roster.flags(row, soon, TODAY) == ("expiring_soon",)
    other = roster.RegisterFacts("John Roe", "suspended", date(2027, 6, 30))
    assert roster.flags(row, other, TODAY) == ("name_mismatch", "suspended")
    for status in ("expired", "revoked", "inactive"):
        gone = roster.RegisterFacts("Jane Doe", status, date(2027, 6, 30))
        assert roster.flags(row, gone, TODAY) == (status,)
    bad = roster.RosterRow(3, "", "NE-1", "ne", "name is empty")
    assert roster.flags(bad, facts, TODAY) == ("bad_row",)


def test_unknown_boards_become_problems() -> None:
    rows = [roster.RosterRow(2, "Jane", "NE-1", "Nebraska"), roster.RosterRow(3, "Sam", "X", "??")]
    resolved = roster.resolve_boards(rows, lambda text: {"nebraska": "ne"}.get(text.lower()))
    assert resolved[0].board == "ne" and not resolved[0].problem
    assert "not known" in resolved[1].problem
