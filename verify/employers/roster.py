"""Staff rosters: read a CSV or XLSX file into rows, and flag each row against the register.

Pure: bytes in, frozen dataclasses out. Every row of the file comes back, a bad one with
what is wrong with it (row and column), so nothing is silently dropped.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from core.sheets import SheetError, xlsx_rows

EXPIRING_DAYS = 60
MAX_CELL = 200
NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
HEADERS = {
    "name": {"name", "full name", "employee", "employee name", "staff name", "person"},
    "first_name": {"first name", "given name", "first"},
    "last_name": {"last name", "family name", "surname", "last"},
    "number": {
        "credential number", "number", "credential", "credential no", "certification number",
        "certificate number", "license number", "licence number",
    },
    "board": {"board", "board slug", "certifying board", "state", "jurisdiction"},
}  # fmt: skip
FLAG_LABELS = {
    "bad_row": "Bad row",
    "not_found": "Number not found",
    "name_mismatch": "Name does not match",
    "expired": "Expired",
    "suspended": "Suspended",
    "revoked": "Revoked",
    "inactive": "Inactive",
    "expiring_soon": f"Expires within {EXPIRING_DAYS} days",
}


class RosterUnreadable(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no header, no usable columns)."""


@dataclass(frozen=True)
class RosterRow:
    """One data row of the file as read; `problem` says what is wrong, if anything."""

    row: int  # the row number in the file (the header is row 1)
    name: str
    number: str
    board: str  # the board as written in the file
    problem: str = ""


@dataclass(frozen=True)
class RegisterFacts:
    """What the register says about a roster row's credential (public facts only)."""

    name: str
    status: str  # as of the check day
    expires_on: date


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[_\-.#:]+", " ", text).lower().split())


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for position, text in enumerate(header):
        key = _header_key(text)
        for field, names in HEADERS.items():
            if key in names and field in found:
                raise RosterUnreadable(
                    f"Columns {found[field] + 1} and {position + 1} both hold the {field}; "
                    "keep one of them."
                )
            if key in names:
                found[field] = position
    has_name = "name" in found or ("first_name" in found and "last_name" in found)
    missing = [
        label
        for label, present in (
            ("name (or first name and last name)", has_name),
            ("credential number", "number" in found),
            ("board", "board" in found),
        )
        if not present
    ]
    if missing:
        raise RosterUnreadable(
            "The first row must name the columns; missing: " + ", ".join(missing) + "."
        )
    return found


def _table_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _table_from_xlsx(data: bytes) -> list[list[str]]:
    try:
        rows = xlsx_rows(data)
    except SheetError as exc:
        raise RosterUnreadable(str(exc)) from exc
    return [["" if cell is None else str(cell) for cell in row] for row in rows]


def read_roster(data: bytes, filename: str, max_rows: int) -> list[RosterRow]:
    """Every data row of a CSV or XLSX roster, each with its problem (empty when fine)."""
    is_xlsx = data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx")
    table = _table_from_xlsx(data) if is_xlsx else _table_from_csv(data)
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if not table:
        raise RosterUnreadable("The file is empty.")
    columns = _columns(table[0])
    if len(table) - 1 > max_rows:
        raise RosterUnreadable(
            f"The file has {len(table) - 1} rows; split it into files of {max_rows} or fewer."
        )
    rows: list[RosterRow] = []
    seen: dict[tuple[str, str], int] = {}
    for row_number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(field: str, cells: list[str] = cells) -> str:
            position = columns.get(field)
            if position is None or position >= len(cells):
                return ""
            return " ".join(cells[position].split())[:MAX_CELL]

        name = cell("name") or " ".join(p for p in (cell("first_name"), cell("last_name")) if p)
        number, board = cell("number").upper(), cell("board")
        problems = []
        if not name:
            problems.append("name is empty")
        if not number:
            problems.append("credential number is empty")
        elif not NUMBER.fullmatch(number):
            problems.append(f"credential number {number!r} is not a credential number")
        if not board:
            problems.append("board is empty")
        key = (board.lower(), number)
        if number and board and key in seen:
            problems.append(f"the same credential is on row {seen[key]}")
        elif number and board:
            seen[key] = row_number
        rows.append(RosterRow(row_number, name, number, board, "; ".join(problems)))
    return rows


def _name_tokens(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    if "," in plain:  # "Doe, Jane" -> "Jane Doe"
        last, _, first = plain.partition(",")
        plain = f"{first} {last}"
    return [t for t in re.split(r"[^a-z0-9']+", plain) if t]


def names_match(roster_name: str, register_name: str) -> bool:
    """Same person's name: first and last names equal (middle names and initials may differ)."""
    mine, theirs = _name_tokens(roster_name), _name_tokens(register_name)
    if not mine or not theirs:
        return False
    return mine[0] == theirs[0] and mine[-1] == theirs[-1]


def flags(row: RosterRow, facts: RegisterFacts | None, as_of: date) -> tuple[str, ...]:
    """What an employer must look at for this row; empty when all is well."""
    if row.problem:
        return ("bad_row",)
    if facts is None:
        return ("not_found",)
    found = []
    if not names_match(row.name, facts.name):
        found.append("name_mismatch")
    if facts.status in ("expired", "suspended", "revoked", "inactive"):
        found.append(facts.status)
    elif (facts.expires_on - as_of).days <= EXPIRING_DAYS:
        found.append("expiring_soon")
    return tuple(found)


def resolve_boards(
    rows: Iterable[RosterRow], lookup: Callable[[str], str | None]
) -> list[RosterRow]:
    """Rows with the board turned into its slug by lookup; unknown boards become problems."""
    out = []
    for row in rows:
        slug = lookup(row.board) if row.board else None
        if row.board and slug is None:
            problem = "; ".join(p for p in (row.problem, f"board {row.board!r} is not known") if p)
            out.append(RosterRow(row.row, row.name, row.number, row.board, problem))
        else:
            out.append(RosterRow(row.row, row.name, row.number, slug or row.board, row.problem))
    return out
