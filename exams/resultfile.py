"""Read an answer key and candidates' responses (or total scores) from CSV or .xlsx.

Pure: bytes and plain values in, frozen dataclasses and numpy arrays out (no Flask, no
SQLAlchemy), shared by ``python -m exams analyze`` and the vendor import page. Every
problem a person can fix is collected (file, row, column, message; the header is row 1, as
in a spreadsheet) and raised at once as :class:`ResultFileError`: a file is taken whole or
not at all.

key.csv
    ``item_id,key`` and optionally ``domain``, ``scored`` (1/0, yes/no, true/false; blank
    = scored) and ``options`` (the item's number of options, 2-26). A key is a letter
    (A = first option) or a number (1 = first option).
responses.csv
    ``candidate_id`` (or ``candidate``) and one column per item of the key, headed by the
    item id, in any order; a cell is the chosen option as a letter or a number (1 = A),
    and a blank, ``-`` or ``.`` is an omitted item. Other columns are an error, so that a
    misspelt item id is never dropped silently.
totals.csv
    ``candidate_id`` and ``total`` (or ``raw_score``/``score``): a vendor's whole raw scores.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from exams.scoring import MAX_OPTIONS, OMIT
from rds.survey.tables import (
    Problem,
    Table,
    cell_text,
    column_letter,
    decode_csv,
    read_xlsx_table,
)

__all__ = [
    "AnswerKey",
    "Problem",
    "ResponseSheet",
    "ResultFileError",
    "TotalsSheet",
    "parse_option",
    "parse_responses",
    "parse_totals",
    "read_key",
    "read_responses",
    "read_results",
    "read_totals",
]

Source = str | os.PathLike[str] | bytes | bytearray | BinaryIO

_XLSX_MAGIC = b"PK\x03\x04"
OMITTED_MARKS = frozenset({"", "-", "."})
CANDIDATE_COLUMNS = ("candidate_id", "candidate")
TOTAL_COLUMNS = ("total", "raw_score", "score")
_TRUE = frozenset({"1", "yes", "y", "true", "scored"})
_FALSE = frozenset({"0", "no", "n", "false", "unscored", "pretest"})
MAX_PROBLEMS = 1000


class ResultFileError(ValueError):
    """One or more problems in the files; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        head = "\n".join(str(p) for p in self.problems[:20])
        more = f"\n... and {count - 20} more" if count > 20 else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the files:\n{head}{more}")


@dataclass(frozen=True)
class AnswerKey:
    """The key of a form, in file order; ``n_options`` is 0 where the file gives none."""

    item_ids: tuple[str, ...]
    key: tuple[int, ...]
    domains: tuple[str, ...] | None
    scored: tuple[bool, ...]
    n_options: tuple[int, ...]

    def options_or_none(self) -> tuple[int, ...] | None:
        """The number of options of every item, or None unless the file gave all of them."""
        return self.n_options if all(self.n_options) else None


@dataclass(frozen=True)
class ResponseSheet:
    """Chosen options (candidates x key items, key order), :data:`OMIT` for omitted."""

    candidate_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    responses: npt.NDArray[np.int8]
    rows: tuple[int, ...] = ()  # each candidate's row in the file (the header is row 1)


@dataclass(frozen=True)
class TotalsSheet:
    """A vendor's whole raw scores per candidate."""

    candidate_ids: tuple[str, ...]
    raw: npt.NDArray[np.int64]
    rows: tuple[int, ...] = ()  # each candidate's row in the file (the header is row 1)


# --------------------------------------------------------------------------- bytes


def _load(source: Source, name: str | None) -> tuple[bytes, str]:
    """Bytes of a path, bytes object or binary file, and the name to show in messages."""
    if isinstance(source, bytes | bytearray):
        return bytes(source), name or "upload"
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        with open(path, "rb") as handle:
            return handle.read(), name or os.path.basename(path)
    data = source.read()
    if isinstance(data, str):
        raise ValueError("open result files in binary mode ('rb')")
    return bytes(data), name or os.path.basename(str(getattr(source, "name", "upload")))


def _table(data: bytes, name: str, problems: list[Problem]) -> Table | None:
    """Header and rows of a CSV or the first sheet of an .xlsx, or None if unreadable."""
    if data.startswith(_XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        return read_xlsx_table(data, name, problems)
    if name.lower().endswith(".xls"):
        problems.append(Problem(name, None, None, "is an old .xls workbook; save it as .xlsx"))
        return None
    text = decode_csv(data, name, problems)
    if text is None:
        return None
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    table = Table.from_rows(rows, name)
    if len(table.header) == 1 and any(sep in table.header[0] for sep in ";\t"):
        sep = "semicolons" if ";" in table.header[0] else "tabs"
        problems.append(
            Problem(
                name, 1, None, f"columns are separated by {sep}; save it as comma-separated CSV"
            )
        )
        return None
    return table


def _header(table: Table, problems: list[Problem]) -> dict[str, int]:
    """Lower-cased header labels to column index; blank and repeated labels are problems."""
    seen: dict[str, int] = {}
    for index, raw in enumerate(table.header):
        label = raw.strip()
        if not label:
            problems.append(Problem(table.name, 1, column_letter(index), "column has no header"))
            continue
        lower = label.lower()
        if lower in seen:
            problems.append(
                Problem(
                    table.name,
                    1,
                    label,
                    f"repeated column (also column {column_letter(seen[lower])})",
                )
            )
            continue
        seen[lower] = index
    return seen


def _width_problems(table: Table, problems: list[Problem]) -> None:
    if not table.strict_width:
        return
    width = len(table.header)
    for number, cells in table.rows:
        if len(cells) != width:
            problems.append(
                Problem(
                    table.name,
                    number,
                    None,
                    f"has {len(cells)} values for {width} columns (a stray comma or quote?)",
                )
            )


def parse_option(text: str) -> int | None:
    """A chosen option or key as a 0-based index: "A"/"a"/"1" -> 0; None when unreadable."""
    value = text.strip()
    if len(value) == 1 and value.isascii() and value.isalpha():
        return ord(value.upper()) - ord("A")
    if value.isdigit() and value.isascii():
        number = int(value)
        return number - 1 if 1 <= number <= MAX_OPTIONS else None
    return None


# --------------------------------------------------------------------------- key


def _by_row(problems: list[Problem], start: int) -> None:
    """Sort the problems recorded since ``start`` by row (file-wide ones first)."""
    problems[start:] = sorted(problems[start:], key=lambda p: p.row or 0)


def _read_key(data: bytes, name: str, problems: list[Problem]) -> AnswerKey | None:
    start = len(problems)
    try:
        return _read_key_table(data, name, problems)
    finally:
        _by_row(problems, start)


def _read_key_table(data: bytes, name: str, problems: list[Problem]) -> AnswerKey | None:
    table = _table(data, name, problems)
    if table is None:
        return None
    columns = _header(table, problems)
    missing = [c for c in ("item_id", "key") if c not in columns]
    for column in missing:
        problems.append(Problem(name, 1, column, "required column is missing"))
    if missing:
        return None
    _width_problems(table, problems)
    if not table.rows:
        problems.append(Problem(name, 2, None, "has no items (no rows below the header)"))
        return None
    id_col, key_col = columns["item_id"], columns["key"]
    domain_col = columns.get("domain")
    scored_col = columns.get("scored")
    options_col = columns.get("options")
    ids: list[str] = []
    keys: list[int] = []
    domains: list[str] = []
    scored: list[bool] = []
    options: list[int] = []
    first: dict[str, int] = {}
    for number, cells in table.rows:
        item = table.text(cells, id_col)
        if not item:
            problems.append(Problem(name, number, "item_id", "item id is blank"))
        elif item in first:
            problems.append(
                Problem(
                    name,
                    number,
                    "item_id",
                    f"repeated item id {item!r} (first in row {first[item]})",
                )
            )
        else:
            first[item] = number
        raw_key = table.text(cells, key_col)
        key = parse_option(raw_key)
        if key is None:
            message = "key is blank" if not raw_key else f"key {raw_key!r} is not an option"
            problems.append(Problem(name, number, "key", message + " (A-Z or 1-26)"))
        n_opt = 0
        if options_col is not None:
            raw = table.text(cells, options_col)
            if raw:
                if raw.isdigit() and 2 <= int(raw) <= MAX_OPTIONS:
                    n_opt = int(raw)
                    if key is not None and key >= n_opt:
                        problems.append(
                            Problem(
                                name,
                                number,
                                "key",
                                f"key {raw_key!r} is beyond the item's {n_opt} options",
                            )
                        )
                else:
                    problems.append(
                        Problem(
                            name,
                            number,
                            "options",
                            f"{raw!r} is not a number of options (2-{MAX_OPTIONS})",
                        )
                    )
        is_scored = True
        if scored_col is not None:
            raw = table.text(cells, scored_col).lower()
            if raw in _FALSE:
                is_scored = False
            elif raw and raw not in _TRUE:
                problems.append(Problem(name, number, "scored", f"{raw!r} is not yes/no (1/0)"))
        domain = table.text(cells, domain_col) if domain_col is not None else ""
        if domain_col is not None and not domain:
            problems.append(Problem(name, number, "domain", "domain is blank"))
        ids.append(item)
        keys.append(0 if key is None else key)
        domains.append(domain)
        scored.append(is_scored)
        options.append(n_opt)
    if scored and not any(scored):
        problems.append(Problem(name, None, "scored", "no item is scored"))
    return AnswerKey(
        tuple(ids),
        tuple(keys),
        tuple(domains) if domain_col is not None else None,
        tuple(scored),
        tuple(options),
    )


def read_key(source: Source, name: str | None = None) -> AnswerKey:
    """Read an answer key; raises :class:`ResultFileError` with every problem."""
    data, display = _load(source, name)
    problems: list[Problem] = []
    key = _read_key(data, display, problems)
    if problems or key is None:
        raise ResultFileError(problems)
    return key


# --------------------------------------------------------------------------- responses


def _candidate_column(columns: dict[str, int]) -> str | None:
    return next((c for c in CANDIDATE_COLUMNS if c in columns), None)


def _candidate_ids(table: Table, col: int, label: str, problems: list[Problem]) -> list[str]:
    ids: list[str] = []
    first: dict[str, int] = {}
    for number, cells in table.rows:
        cid = table.text(cells, col)
        if not cid:
            problems.append(Problem(table.name, number, label, "candidate id is blank"))
        elif cid in first:
            problems.append(
                Problem(
                    table.name,
                    number,
                    label,
                    f"repeated candidate id {cid!r} (first in row {first[cid]})",
                )
            )
        else:
            first[cid] = number
        ids.append(cid)
    return ids


def _read_responses(
    data: bytes, name: str, key: AnswerKey | None, key_name: str, problems: list[Problem]
) -> ResponseSheet | None:
    start = len(problems)
    try:
        return _read_response_table(data, name, key, key_name, problems)
    finally:
        _by_row(problems, start)


def _read_response_table(
    data: bytes, name: str, key: AnswerKey | None, key_name: str, problems: list[Problem]
) -> ResponseSheet | None:
    table = _table(data, name, problems)
    if table is None:
        return None
    columns = _header(table, problems)
    id_label = _candidate_column(columns)
    if id_label is None:
        problems.append(Problem(name, 1, "candidate_id", "required column is missing"))
    # item columns keep the header's own spelling; ids are matched exactly
    item_cols = {table.header[i].strip(): i for label, i in columns.items() if label != id_label}
    if key is not None:
        known = set(key.item_ids)
        for label, index in item_cols.items():
            if label not in known:
                problems.append(
                    Problem(
                        name,
                        1,
                        label,
                        f"column {column_letter(index)} is not an item of {key_name}",
                    )
                )
        for item in key.item_ids:
            if item and item not in item_cols:
                problems.append(Problem(name, 1, item, f"item of {key_name} has no column"))
        order = list(key.item_ids)
    else:
        order = list(item_cols)
    _width_problems(table, problems)
    if not table.rows:
        problems.append(Problem(name, 2, None, "has no candidates (no rows below the header)"))
        return None
    ids = (
        _candidate_ids(table, columns[id_label], id_label, problems)
        if id_label is not None
        else [""] * len(table.rows)
    )
    limits = [
        (key.n_options[j] or MAX_OPTIONS) if key is not None else MAX_OPTIONS
        for j in range(len(order))
    ]
    indexes = [item_cols.get(item) for item in order]
    codes: dict[str, int] = {mark: OMIT for mark in OMITTED_MARKS}
    for o in range(MAX_OPTIONS):
        codes[chr(ord("A") + o)] = o
        codes[chr(ord("a") + o)] = o
        codes[str(o + 1)] = o
    matrix = np.full((len(table.rows), len(order)), OMIT, dtype=np.int8)
    for r, (number, cells) in enumerate(table.rows):
        width = len(cells)
        row = matrix[r]
        for j, col in enumerate(indexes):
            if col is None or col >= width:
                continue
            value = cells[col]
            text = value.strip() if isinstance(value, str) else cell_text(value)
            code = codes.get(text)
            if code is None:
                problems.append(
                    Problem(
                        name,
                        number,
                        order[j],
                        f"{text!r} is not an option (A-Z, 1-26 or blank for omitted)",
                    )
                )
            elif code >= limits[j]:
                problems.append(
                    Problem(
                        name, number, order[j], f"{text!r} is beyond the item's {limits[j]} options"
                    )
                )
            else:
                row[j] = code
        if len(problems) >= MAX_PROBLEMS:
            break
    return ResponseSheet(tuple(ids), tuple(order), matrix, tuple(n for n, _ in table.rows))


def read_responses(
    source: Source, key: AnswerKey | None, name: str | None = None, key_name: str = "the key"
) -> ResponseSheet:
    """Read responses, columns in the key's order; raises :class:`ResultFileError`."""
    sheet, problems = parse_responses(source, key, name, key_name)
    if problems or sheet is None:
        raise ResultFileError(problems)
    return sheet


def parse_responses(
    source: Source, key: AnswerKey | None, name: str | None = None, key_name: str = "the key"
) -> tuple[ResponseSheet | None, list[Problem]]:
    """As :func:`read_responses`, but the problems come back with whatever could be read
    (None when the table itself is unreadable), so that a caller can add its own checks of
    the rows (unknown candidates) to one list."""
    data, display = _load(source, name)
    problems: list[Problem] = []
    sheet = _read_responses(data, display, key, key_name, problems)
    return sheet, problems


def read_results(
    responses: Source,
    key: Source,
    *,
    responses_name: str | None = None,
    key_name: str | None = None,
) -> tuple[AnswerKey, ResponseSheet]:
    """Read a key and the responses to it; every problem of both files in one error."""
    key_data, key_display = _load(key, key_name)
    problems: list[Problem] = []
    answer_key = _read_key(key_data, key_display, problems)
    data, display = _load(responses, responses_name)
    key_ok = answer_key is not None and not problems
    sheet = _read_responses(data, display, answer_key if key_ok else None, key_display, problems)
    if problems or answer_key is None or sheet is None:
        raise ResultFileError(problems)
    return answer_key, sheet


# --------------------------------------------------------------------------- totals


def read_totals(source: Source, n_items: int, name: str | None = None) -> TotalsSheet:
    """Read ``candidate_id,total``: whole raw scores between 0 and ``n_items``."""
    sheet, problems = parse_totals(source, n_items, name)
    if problems or sheet is None:
        raise ResultFileError(problems)
    return sheet


def parse_totals(
    source: Source, n_items: int, name: str | None = None
) -> tuple[TotalsSheet | None, list[Problem]]:
    """As :func:`read_totals`, the problems returned with whatever could be read."""
    data, display = _load(source, name)
    problems: list[Problem] = []
    table = _table(data, display, problems)
    if table is None:
        return None, problems
    columns = _header(table, problems)
    id_label = _candidate_column(columns)
    total_label = next((c for c in TOTAL_COLUMNS if c in columns), None)
    if id_label is None:
        problems.append(Problem(display, 1, "candidate_id", "required column is missing"))
    if total_label is None:
        problems.append(Problem(display, 1, "total", "required column is missing"))
    if id_label is None or total_label is None:
        return None, problems
    _width_problems(table, problems)
    if not table.rows:
        problems.append(Problem(display, 2, None, "has no candidates (no rows below the header)"))
        return None, problems
    ids = _candidate_ids(table, columns[id_label], id_label, problems)
    raw: list[int] = []
    for number, cells in table.rows:
        text = table.text(cells, columns[total_label])
        value = int(text) if text.isdigit() and text.isascii() else None
        if value is None:
            message = "total is blank" if not text else f"{text!r} is not a whole raw score"
            problems.append(Problem(display, number, total_label, message))
        elif value > n_items:
            problems.append(
                Problem(display, number, total_label, f"{value} is above the {n_items} items")
            )
        raw.append(value or 0)
    _by_row(problems, 0)
    rows = tuple(n for n, _ in table.rows)
    return TotalsSheet(tuple(ids), np.asarray(raw, dtype=np.int64), rows), problems
