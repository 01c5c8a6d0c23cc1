"""Tables behind ``rds.survey.io``: header layout, cell parsing and rating checks.

This is the cell-by-cell ("slow") path, used for .xlsx sheets and for CSV files that the
fast path in ``rds.survey.io`` cannot parse, so that every problem is reported with its
row and column. Rows are numbered as in a spreadsheet: the header is row 1.
No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.sheets import SheetError, unguard, xlsx_rows

SCALES = ("importance", "frequency")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Problem:
    """A problem a person can fix: file, row (1 = header), column name, message."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value: object) -> str:
    """A cell as stripped text ("" for blank); whole floats lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return unguard(str(value).strip())  # a file this app exported reads back as it was


@dataclass
class Table:
    """Header and non-blank data rows of a sheet; ``rows`` holds (row number, cells)."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[object]]]
    strict_width: bool = True

    @classmethod
    def from_rows(cls, rows: list[list[object]], name: str, strict: bool = True) -> Table:
        """Build a table from raw rows (the first is the header); blank rows are dropped."""
        header = [cell_text(c) for c in rows[0]] if rows else []
        body = [
            (number, cells)
            for number, cells in enumerate(rows[1:], start=2)
            if any(cell_text(c) for c in cells)
        ]
        return cls(name, header, body, strict)

    def text(self, cells: list[object], index: int) -> str:
        """Stripped text of one cell, "" when the row is shorter."""
        return cell_text(cells[index]) if index < len(cells) else ""


def read_xlsx_table(data: bytes, name: str, problems: list[Problem]) -> Table | None:
    """First worksheet of an .xlsx workbook as a :class:`Table` (within core.sheets' limits)."""
    try:
        rows = xlsx_rows(data)
    except SheetError as exc:
        problems.append(Problem(name, None, None, str(exc)))
        return None
    if not any(any(cell_text(c) for c in r) for r in rows):
        problems.append(Problem(name, None, None, "is empty"))
        return None
    header = rows[0]
    while header and cell_text(header[-1]) == "":
        header = header[:-1]
    width = len(header)
    for number, cells in enumerate(rows[1:], start=2):
        for index in range(width, len(cells)):
            if cell_text(cells[index]):
                problems.append(
                    Problem(name, number, column_letter(index), "value beyond the last column")
                )
    rows[0] = header
    return Table.from_rows(rows, name, strict=False)


@dataclass(frozen=True)
class Layout:
    """Where the respondent id, ratings and demographics sit in the header."""

    id_col: int | None
    rating_cols: dict[tuple[str, str], int]
    task_order: tuple[str, ...]
    demographic_cols: tuple[int, ...]


def classify_header(
    header: list[str],
    task_ids: Sequence[str] | None,
    name: str,
    tasks_name: str,
    problems: list[Problem],
) -> Layout:
    """Sort the columns into id, rating and demographic columns, recording header problems."""
    if len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        sep = "semicolons" if ";" in header[0] else "tabs"
        problems.append(
            Problem(
                name, 1, None, f"columns are separated by {sep}; save it as comma-separated CSV"
            )
        )
        return Layout(None, {}, (), ())
    known = None if task_ids is None else set(task_ids)
    id_col = None
    ratings: dict[tuple[str, str], int] = {}
    demographic: list[int] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(header):
        label = raw.strip()
        if not label:
            problems.append(Problem(name, 1, column_letter(index), "column has no header"))
            continue
        if label in seen:
            problems.append(
                Problem(
                    name,
                    1,
                    label,
                    f"duplicate column (also column {column_letter(seen[label])})",
                )
            )
            continue
        seen[label] = index
        if label.lower() == "respondent_id":
            id_col = index
            continue
        task, _, scale = label.rpartition("_")
        if task and scale.lower() in SCALES:
            if known is not None and task not in known:
                problems.append(
                    Problem(name, 1, label, f"unknown task id {task!r} (not in {tasks_name})")
                )
            else:
                ratings[(task, scale.lower())] = index
            continue
        demographic.append(index)
    if id_col is None:
        problems.append(Problem(name, 1, "respondent_id", "required column is missing"))
    if task_ids is not None:
        order = tuple(task_ids)
        for task in order:
            for scale in SCALES:
                if (task, scale) not in ratings:
                    problems.append(Problem(name, 1, f"{task}_{scale}", "rating column is missing"))
    else:
        order = tuple(dict.fromkeys(task for task, _ in ratings))
    return Layout(id_col, ratings, order, tuple(demographic))


def rating_columns(layout: Layout) -> list[tuple[str, str, int | None]]:
    """(task, scale, column index or None) for every task x scale, importance first."""
    return [
        (task, scale, layout.rating_cols.get((task, scale)))
        for scale in SCALES
        for task in layout.task_order
    ]


def parse_cell(value: object) -> float | str:
    """A rating cell as a float (NaN for blank), or the text when it is not a number."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not text:
        return math.nan
    if _NUMBER.match(text):
        return float(text)
    return text


def _check_values(
    values: np.ndarray,
    columns: list[tuple[str, str, int | None]],
    row_numbers: np.ndarray,
    scale_min: float,
    scale_max: float,
    name: str,
    bad_text: dict[tuple[int, int], str],
) -> list[tuple[int, int, Problem]]:
    """Problems for ratings that are not numbers, not whole or off the scale."""
    found: list[tuple[int, int, Problem]] = []
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        fractional = finite & (values != np.floor(values))
        off = ~np.isnan(values) & ((values < scale_min) | (values > scale_max))
    for r, c in np.argwhere(fractional | off):
        v = float(values[r, c])
        task, scale, _ = columns[c]
        message = (
            f"rating {v:g} is not a whole number"
            if fractional[r, c]
            else f"rating {v:g} is off the scale {scale_min:g}-{scale_max:g}"
        )
        found.append((int(row_numbers[r]), int(c), Problem(name, 0, f"{task}_{scale}", message)))
    for (r, c), text in bad_text.items():
        task, scale, _ = columns[c]
        problem = Problem(name, 0, f"{task}_{scale}", f"rating {text!r} is not a number")
        found.append((int(row_numbers[r]), c, problem))
    return found


def finish(
    name: str,
    layout: Layout,
    row_numbers: np.ndarray,
    ids: list[str],
    values: np.ndarray,
    bad_text: dict[tuple[int, int], str],
    demographics: dict[str, tuple[str | None, ...]],
    scale_min: float,
    scale_max: float,
    problems: list[Problem],
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, dict[str, tuple[str | None, ...]]] | None:
    """Check ids and ratings of the parsed rows; return ids, matrices and demographics."""
    columns = rating_columns(layout)
    if len(ids) == 0:
        problems.append(Problem(name, 2, None, "has no respondents (no rows below the header)"))
        return None
    cell_problems = _check_values(
        values, columns, row_numbers, scale_min, scale_max, name, bad_text
    )
    id_label = "respondent_id"
    first: dict[str, int] = {}
    for number, rid in zip(row_numbers.tolist(), ids, strict=True):
        if layout.id_col is None:
            break
        if not rid:
            cell_problems.append((number, -1, Problem(name, 0, id_label, "respondent id is blank")))
        elif rid in first:
            message = f"duplicate respondent id {rid!r} (first in row {first[rid]})"
            cell_problems.append((number, -1, Problem(name, 0, id_label, message)))
        else:
            first[rid] = number
    cell_problems.sort(key=lambda item: (item[0], item[1]))
    problems.extend(Problem(p.file, number, p.column, p.message) for number, _, p in cell_problems)
    n_tasks = len(layout.task_order)
    importance = np.ascontiguousarray(values[:, :n_tasks])
    frequency = np.ascontiguousarray(values[:, n_tasks:])
    return tuple(ids), importance, frequency, demographics


def parse_responses(
    table: Table,
    task_ids: Sequence[str] | None,
    scale_min: float,
    scale_max: float,
    tasks_name: str,
    problems: list[Problem],
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, dict[str, tuple[str | None, ...]]] | None:
    """Slow path: check and convert a table cell by cell."""
    name = table.name
    layout = classify_header(table.header, task_ids, name, tasks_name, problems)
    columns = rating_columns(layout)
    width = len(table.header)
    values = np.full((len(table.rows), len(columns)), np.nan)
    bad_text: dict[tuple[int, int], str] = {}
    ids: list[str] = []
    for r, (number, cells) in enumerate(table.rows):
        if table.strict_width and len(cells) != width:
            problems.append(
                Problem(name, number, None, f"has {len(cells)} values but the header has {width}")
            )
        ids.append(table.text(cells, layout.id_col) if layout.id_col is not None else "")
        for c, (_, _, index) in enumerate(columns):
            if index is None or index >= len(cells):
                continue
            parsed = parse_cell(cells[index])
            if isinstance(parsed, str):
                bad_text[(r, c)] = parsed
            else:
                values[r, c] = parsed
    demographics = {
        table.header[i]: tuple(table.text(cells, i) or None for _, cells in table.rows)
        for i in layout.demographic_cols
    }
    row_numbers = np.array([number for number, _ in table.rows], dtype=np.int64)
    return finish(
        name,
        layout,
        row_numbers,
        ids,
        values,
        bad_text,
        demographics,
        scale_min,
        scale_max,
        problems,
    )


UTF8_BOM = b"\xef\xbb\xbf"
OTHER_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}


def decode_csv(data: bytes, name: str, problems: list[Problem]) -> str | None:
    """A CSV file's UTF-8 text without a BOM, or None after recording why it cannot be read
    (another encoding, empty, or the first lines whose bytes are not UTF-8)."""
    for bom, encoding in OTHER_BOMS.items():
        if data.startswith(bom):
            problems.append(
                Problem(name, None, None, f"is {encoding} encoded; save it as CSV UTF-8")
            )
            return None
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    if not data.strip():
        problems.append(Problem(name, None, None, "is empty"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = line[exc.start]
            problems.append(
                Problem(
                    name,
                    number,
                    None,
                    f"is not UTF-8 text (byte 0x{byte:02X} at position {exc.start + 1} of "
                    "line " + str(number) + "); save it as CSV UTF-8",
                )
            )
    return None
