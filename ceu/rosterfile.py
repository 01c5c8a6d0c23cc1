"""Provider rosters: reading a CSV or XLSX file, and matching each row to a credential.

Pure: bytes and plain values in, frozen dataclasses out. A file is refused whole only when
it is malformed (not a table, missing columns, empty or unreadable cells, repeated rows):
every such problem is listed with its row and column. A well-formed row that does not match
(unknown number, name differs, credential not active) is never dropped; it is kept for review.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from core.sheets import SheetError, duplicated_headers, xlsx_rows

COLUMNS = ("credential_number", "name")
OPTIONAL = ("completed_on",)
ALIASES = {
    "credential number": "credential_number",
    "credential no": "credential_number",
    "number": "credential_number",
    "license number": "credential_number",
    "full name": "name",
    "date": "completed_on",
    "completed": "completed_on",
    "completed on": "completed_on",
}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
ACTIVE = ("active", "provisional")


@dataclass(frozen=True)
class Problem:
    """One reason the file is malformed (row 1 is the header)."""

    row: int
    column: str
    message: str


class RosterFileError(ValueError):
    """The file is malformed; nothing was posted."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster file; nothing was posted")
        self.problems = problems


@dataclass(frozen=True)
class Line:
    row: int
    number: str
    name: str
    completed_on: date


@dataclass(frozen=True)
class Holder:
    """A credential a roster row may name."""

    credential_id: int
    holder_id: int
    number: str
    name: str
    status: str


@dataclass(frozen=True)
class Match:
    line: Line
    outcome: str  # posted, unknown_number, name_differs, not_active, duplicate
    message: str
    holder: Holder | None


def fold(text: str) -> str:
    """A header cell as a column name: lower case, single spaces, no surrounding spaces."""
    return " ".join(text.replace("_", " ").strip().lower().split())


def normal_number(text: str) -> str:
    """A credential number as compared: upper case, no spaces."""
    return "".join(text.split()).upper()


def name_tokens(name: str) -> list[str]:
    """A name's words without accents, punctuation or case: "O'Neil, Ana-María" -> ..."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return sorted(re.sub(r"[^\w\s]", " ", plain).split())


def same_person(roster_name: str, held_name: str) -> bool:
    """Whether two names are one person's: same words in any order, or one lacks a middle name."""
    one, other = name_tokens(roster_name), name_tokens(held_name)
    if one == other:
        return True
    short, long = (one, other) if len(one) <= len(other) else (other, one)
    return len(set(short)) >= 2 and set(short) <= set(long)


def _table(data: bytes, filename: str, problems: list[Problem]) -> list[list[str]]:
    if len(data) > MAX_BYTES:
        problems.append(Problem(1, "file", f"The file is larger than {MAX_BYTES // 2**20} MB."))
        return []
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data, problems)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(1, "file", "The file is neither UTF-8 CSV nor an .xlsx workbook."))
        return []
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        problems.append(Problem(1, "file", f"The CSV cannot be read: {exc}."))
        return []


def _xlsx_rows(data: bytes, problems: list[Problem]) -> list[list[str]]:
    try:
        rows = xlsx_rows(data)
    except SheetError as exc:
        problems.append(Problem(1, "file", str(exc)))
        return []
    return [[_cell_text(value) for value in values] for values in rows]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read(
    data: bytes, filename: str, course_start: date, course_end: date, today: date
) -> list[Line]:
    """The roster's rows; raises RosterFileError listing every problem if it is malformed.

    Without a completed_on column (or with an empty cell) a row's date is the course's last
    day; a date must fall within the course's dates and not after today.
    """
    problems: list[Problem] = []
    table = _table(data, filename, problems)
    if problems:
        raise RosterFileError(problems)
    if not table:
        raise RosterFileError([Problem(1, "file", "The file is empty.")])
    header = [ALIASES.get(fold(cell), fold(cell).replace(" ", "_")) for cell in table[0]]
    for twice in duplicated_headers(header):
        problems.append(Problem(1, twice, f"The header names the '{twice}' column twice."))
    for name in COLUMNS:
        if name not in header:
            problems.append(Problem(1, name, f"The header has no '{name}' column."))
    if problems:
        raise RosterFileError(problems)
    where = {name: header.index(name) for name in (*COLUMNS, *OPTIONAL) if name in header}
    lines: list[Line] = []
    first_row: dict[str, int] = {}
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(lines) >= MAX_ROWS:
            problems.append(Problem(number, "file", f"More than {MAX_ROWS} rows; split the file."))
            break
        cells = cells + [""] * (len(header) - len(cells))
        value = {name: cells[index].strip() for name, index in where.items()}
        found = len(problems)
        credential = normal_number(value["credential_number"])
        if not credential:
            problems.append(Problem(number, "credential_number", "The credential number is empty."))
        elif len(credential) > 40:
            problems.append(Problem(number, "credential_number", "Longer than 40 characters."))
        elif credential in first_row:
            problems.append(
                Problem(number, "credential_number", f"Repeats row {first_row[credential]}.")
            )
        if not value["name"]:
            problems.append(Problem(number, "name", "The name is empty."))
        elif len(value["name"]) > 200:
            problems.append(Problem(number, "name", "Longer than 200 characters."))
        completed = _date(value.get("completed_on", ""), number, course_start, course_end, today)
        if isinstance(completed, Problem):
            problems.append(completed)
        if len(problems) == found and not isinstance(completed, Problem):
            first_row[credential] = number
            lines.append(Line(number, credential, value["name"], completed))
    if not lines and not problems:
        problems.append(Problem(1, "file", "The file has no rows after the header."))
    if problems:
        raise RosterFileError(problems)
    return lines


def _date(text: str, row: int, start: date, end: date, today: date) -> date | Problem:
    if not text:
        return end if end <= today else today
    try:
        day = date.fromisoformat(text[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        return Problem(row, "completed_on", f"'{text}' is not a date as YYYY-MM-DD.")
    if day > today:
        return Problem(row, "completed_on", f"{day.isoformat()} is in the future.")
    if not start <= day <= end:
        return Problem(
            row,
            "completed_on",
            f"{day.isoformat()} is outside the course's dates "
            f"({start.isoformat()} to {end.isoformat()}).",
        )
    return day


def match(
    lines: list[Line], holders: Mapping[str, Holder], already: set[int] | frozenset[int]
) -> list[Match]:
    """Match each line by credential number; the name and the credential's status must agree.

    `holders` maps normalised credential numbers to credentials; `already` holds the people
    who have this course recorded in the cycle (their rows are duplicates, not posted twice).
    """
    matches = []
    recorded = set(already)
    for line in lines:
        holder = holders.get(line.number)
        if holder is None:
            matches.append(
                Match(line, "unknown_number", f"No credential numbered {line.number}.", None)
            )
        elif not same_person(line.name, holder.name):
            matches.append(
                Match(
                    line,
                    "name_differs",
                    f"{line.number} belongs to {holder.name}, not {line.name}.",
                    holder,
                )
            )
        elif holder.status not in ACTIVE:
            matches.append(Match(line, "not_active", f"{line.number} is {holder.status}.", holder))
        elif holder.holder_id in recorded:
            matches.append(
                Match(line, "duplicate", "This course is already on their record.", holder)
            )
        else:
            recorded.add(holder.holder_id)  # a second credential of theirs: posted once
            matches.append(Match(line, "posted", "", holder))
    return matches
