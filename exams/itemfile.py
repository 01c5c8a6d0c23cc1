"""Items in and out of a CSV or XLSX file: the columns, and the rows of an uploaded file.

Pure: plain bytes in, rows of text (or the file's problems with row and column) out. Whether
a row's domain, task and KSAs exist in the blueprint is checked by the bank's import, which
reports those problems in the same row/column terms.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from core.sheets import SheetError, unguard, xlsx_rows

HEADER = (
    "code",
    "domain",
    "task",
    "ksas",
    "cognitive_level",
    "stem",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "option_e",
    "key",
    "rationale",
    "references",
    "status",
    "version",
)
REQUIRED = ("domain", "task", "cognitive_level", "stem", "option_a", "option_b", "option_c", "key")
OPTION_COLUMNS = ("option_a", "option_b", "option_c", "option_d", "option_e")
MAX_BYTES = 10 * 2**20
# the field of a bank problem -> the column that holds it
FIELD_COLUMNS = {
    "domain": "domain",
    "task_code": "task",
    "ksa_codes": "ksas",
    "cognitive_level": "cognitive_level",
    "stem": "stem",
    "options": "option_a",
    "key": "key",
    "code": "code",
}


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file: the row (1 = the header) and column it is in."""

    row: int
    column: str
    message: str

    def describe(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


class ItemFileError(ValueError):
    """The file cannot be imported; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = list(problems)


@dataclass(frozen=True)
class ItemRow:
    """A data row of the file, its cells by column name (text, guard removed)."""

    row: int
    cells: dict[str, str]

    def options(self) -> tuple[str, ...]:
        texts = [self.cells.get(c, "").strip() for c in OPTION_COLUMNS]
        while texts and not texts[-1]:
            texts.pop()
        return tuple(texts)

    def key_index(self) -> int | None:
        letter = self.cells.get("key", "").strip().upper()
        return "ABCDE".index(letter) if len(letter) == 1 and letter in "ABCDE" else None

    def ksa_codes(self) -> tuple[str, ...]:
        raw = self.cells.get("ksas", "").replace(";", ",")
        return tuple(code.strip() for code in raw.split(",") if code.strip())


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(data: bytes, filename: str) -> list[list[str]]:
    if len(data) > MAX_BYTES:
        raise ItemFileError([Problem(1, "file", "The file is larger than 10 MB.")])
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        try:
            return [[_text(v) for v in row] for row in xlsx_rows(data)]
        except SheetError as exc:
            raise ItemFileError([Problem(1, "file", str(exc))]) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = Problem(1, "file", "The file is neither UTF-8 CSV nor an .xlsx workbook.")
        raise ItemFileError([problem]) from exc
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ItemFileError([Problem(1, "file", f"The CSV cannot be read: {exc}.")]) from exc


def read(data: bytes, filename: str) -> tuple[list[ItemRow], list[Problem]]:
    """The file's data rows and the problems of its cells (empty required cells, a key that
    is not A-E), so that the import can list them with its own; ItemFileError when the file
    cannot be read at all (not CSV or XLSX, no header, unknown or missing columns)."""
    table = _table(data, filename)
    if not table or not any(cell.strip() for cell in table[0]):
        raise ItemFileError([Problem(1, "file", "The file is empty: it needs a header row.")])
    header = [unguard(cell).strip().lower() for cell in table[0]]
    problems = [
        Problem(1, name, f"Unknown column {name!r}.") for name in header if name not in HEADER
    ]
    problems += [
        Problem(1, name, "This column is required.") for name in REQUIRED if name not in header
    ]
    if problems:
        raise ItemFileError(problems)
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            problems.append(Problem(number, "file", "The row has more cells than the header."))
            continue
        cells = {
            name: unguard(values[i]) if i < len(values) else "" for i, name in enumerate(header)
        }
        row = ItemRow(number, cells)
        for name in REQUIRED:
            if not cells.get(name, "").strip():
                problems.append(Problem(number, name, "This cell is empty."))
        if cells.get("key", "").strip() and row.key_index() is None:
            problems.append(Problem(number, "key", "Write the key as a letter A to E."))
        rows.append(row)
    if not rows and not problems:
        raise ItemFileError([Problem(2, "file", "The file has no item rows.")])
    return rows, problems
