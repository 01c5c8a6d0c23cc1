"""Read an RDS validation survey (tasks and responses) from CSV or .xlsx into plain arrays.

Every problem a person can fix is collected (file, row, column, message) and raised at once
as :class:`SurveyFileError`. Sources may be paths, bytes or binary file objects, so the web
import can reuse this module. A responses CSV takes a fast path (pandas' C parser, then
vectorised checks); anything that path cannot parse (text in a rating column, ragged rows,
header problems) goes through the cell-by-cell path of :mod:`rds.survey.tables`, which
reports every problem with its row and column. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from rds.survey.tables import (
    Problem,
    Table,
    cell_text,
    classify_header,
    decode_csv,
    finish,
    parse_responses,
    rating_columns,
    read_xlsx_table,
)

__all__ = [
    "SurveyFileError",
    "SurveyResponses",
    "TaskList",
    "read_responses",
    "read_survey",
    "read_tasks",
]

Source = str | os.PathLike[str] | bytes | bytearray | BinaryIO

_XLSX_MAGIC = b"PK\x03\x04"


class SurveyFileError(ValueError):
    """One or more problems in the survey files; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        head = "\n".join(str(p) for p in self.problems[:20])
        more = f"\n... and {count - 20} more" if count > 20 else ""
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the survey files:\n{head}{more}"
        )


@dataclass(frozen=True)
class TaskList:
    """The tasks of a survey, in file order."""

    task_ids: tuple[str, ...]
    domains: tuple[str, ...]
    statements: tuple[str, ...]


@dataclass(frozen=True)
class SurveyResponses:
    """Respondents' ratings as (respondents x tasks) float matrices, NaN for blank."""

    respondent_ids: tuple[str, ...]
    importance: np.ndarray
    frequency: np.ndarray
    demographics: dict[str, tuple[str | None, ...]] = field(default_factory=dict)


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
        raise ValueError("open survey files in binary mode ('rb')")
    return bytes(data), name or str(getattr(source, "name", "upload"))


def _is_xlsx(data: bytes, name: str) -> bool:
    return data.startswith(_XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm"))


def _table(data: bytes, name: str, problems: list[Problem]) -> Table | None:
    """Header and rows of a CSV or the first sheet of an .xlsx, or None if unreadable."""
    if _is_xlsx(data, name):
        return read_xlsx_table(data, name, problems)
    if name.lower().endswith(".xls"):
        problems.append(Problem(name, None, None, "is an old .xls workbook; save it as .xlsx"))
        return None
    text = decode_csv(data, name, problems)
    if text is None:
        return None
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    return Table.from_rows(rows, name)


def _read_tasks(data: bytes, name: str, problems: list[Problem]) -> TaskList | None:
    table = _table(data, name, problems)
    if table is None:
        return None
    columns = {h.strip().lower(): i for i, h in enumerate(table.header)}
    missing = [c for c in ("task_id", "domain") if c not in columns]
    for column in missing:
        problems.append(Problem(name, 1, column, "required column is missing"))
    if missing:
        return None
    if not table.rows:
        problems.append(Problem(name, 2, None, "has no tasks (no rows below the header)"))
        return None
    ids: list[str] = []
    domains: list[str] = []
    statements: list[str] = []
    first_row: dict[str, int] = {}
    for row_number, cells in table.rows:
        values = {key: table.text(cells, idx) for key, idx in columns.items()}
        task_id, domain = values["task_id"], values["domain"]
        if not task_id:
            problems.append(Problem(name, row_number, "task_id", "task id is blank"))
        elif task_id in first_row:
            problems.append(
                Problem(
                    name,
                    row_number,
                    "task_id",
                    f"duplicate task id {task_id!r} (first in row {first_row[task_id]})",
                )
            )
        else:
            first_row[task_id] = row_number
        if not domain:
            problems.append(Problem(name, row_number, "domain", "domain is blank"))
        ids.append(task_id)
        domains.append(domain)
        statements.append(values.get("statement", ""))
    return TaskList(tuple(ids), tuple(domains), tuple(statements))


def read_tasks(source: Source, name: str | None = None) -> TaskList:
    """Read ``tasks.csv`` (``task_id,domain,statement``; other columns ignored).

    Raises
    ------
    SurveyFileError
        With every problem found (missing columns, blank or duplicate ids, ...).
    """
    data, display = _load(source, name)
    problems: list[Problem] = []
    tasks = _read_tasks(data, display, problems)
    if problems or tasks is None:
        raise SurveyFileError(problems)
    return tasks


def read_responses(
    source: Source,
    task_ids: Sequence[str] | None,
    name: str | None = None,
    *,
    scale_min: float = 0,
    scale_max: float = 4,
    tasks_name: str = "tasks.csv",
) -> SurveyResponses:
    """Read ``responses.csv``: ``respondent_id``, demographics, ``<task>_importance/_frequency``.

    Parameters
    ----------
    source : path, bytes or binary file object
        CSV (UTF-8, with or without BOM) or .xlsx (first sheet).
    task_ids : sequence of str or None
        Known task ids; ``None`` skips the unknown/missing column checks.
    name : str, optional
        Name shown in messages (default: the file name).
    scale_min, scale_max : float
        Ratings must be whole numbers on this scale; blank means missing.
    tasks_name : str
        Name of the task file, for messages about unknown task ids.

    Raises
    ------
    SurveyFileError
        With every problem found, each naming file, row and column.
    """
    data, display = _load(source, name)
    problems: list[Problem] = []
    result = _read_responses(data, display, task_ids, scale_min, scale_max, tasks_name, problems)
    if problems or result is None:
        raise SurveyFileError(problems)
    return result


# --- the fast path for a responses CSV --------------------------------------------------------


def _widths_match(text: str, width: int) -> bool:
    """Whether every non-blank CSV record has ``width`` fields (quotes handled)."""
    if '"' in text:
        return all(len(r) in (0, width) for r in csv.reader(io.StringIO(text, newline="")))
    raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if raw.size and raw[-1] != 10:
        ends = np.append(ends, raw.size)
    commas_before = np.searchsorted(np.flatnonzero(raw == 44), ends)
    per_line = np.diff(np.concatenate(([0], commas_before)))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    blank = (lengths == 0) | ((lengths == 1) & (raw[np.minimum(starts, raw.size - 1)] == 13))
    return bool(np.all(blank | (per_line == width - 1)))


def _parse_responses_csv(
    text: str,
    name: str,
    task_ids: Sequence[str] | None,
    scale_min: float,
    scale_max: float,
    tasks_name: str,
    problems: list[Problem],
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, dict[str, tuple[str | None, ...]]] | None:
    """Fast path for a responses CSV, falling back to the slow path on any oddity."""
    import pandas as pd

    header = [cell_text(h) for h in next(csv.reader(io.StringIO(text, newline="")), [])]
    header_problems: list[Problem] = []
    layout = classify_header(header, task_ids, name, tasks_name, header_problems)
    columns = rating_columns(layout)
    frame = None
    if not header_problems and _widths_match(text, len(header)):
        rating_idx = {index for _, _, index in columns if index is not None}
        dtypes = {i: ("float64" if i in rating_idx else object) for i in range(len(header))}
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                header=0,
                names=list(range(len(header))),
                dtype=dtypes,  # type: ignore[arg-type]
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
            )
        except (ValueError, pd.errors.ParserError):
            frame = None
    if frame is None:
        rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
        return parse_responses(
            Table.from_rows(rows, name), task_ids, scale_min, scale_max, tasks_name, problems
        )
    n_rows = len(frame)
    rating_positions = [index for _, _, index in columns]
    values = frame[rating_positions].to_numpy(dtype=np.float64)
    rating_set = set(rating_positions)
    others = [i for i in range(len(header)) if i not in rating_set]
    text_cols = {i: [cell_text(v) for v in frame[i].tolist()] for i in others}
    blank = np.isnan(values).all(axis=1)
    for i in others:
        blank &= np.array([not v for v in text_cols[i]], dtype=bool).reshape(n_rows)
    keep = np.flatnonzero(~blank)
    row_numbers = keep + 2
    id_texts = text_cols[layout.id_col] if layout.id_col is not None else [""] * n_rows
    ids = [id_texts[k] for k in keep]
    demographics = {
        header[i]: tuple(text_cols[i][k] or None for k in keep) for i in layout.demographic_cols
    }
    return finish(
        name,
        layout,
        row_numbers,
        ids,
        values[keep],
        {},
        demographics,
        scale_min,
        scale_max,
        problems,
    )


def _read_responses(
    data: bytes,
    name: str,
    task_ids: Sequence[str] | None,
    scale_min: float,
    scale_max: float,
    tasks_name: str,
    problems: list[Problem],
) -> SurveyResponses | None:
    if _is_xlsx(data, name) or name.lower().endswith(".xls"):
        table = _table(data, name, problems)
        if table is None:
            return None
        parsed = parse_responses(table, task_ids, scale_min, scale_max, tasks_name, problems)
    else:
        text = decode_csv(data, name, problems)
        if text is None:
            return None
        parsed = _parse_responses_csv(
            text, name, task_ids, scale_min, scale_max, tasks_name, problems
        )
    if parsed is None:
        return None
    ids, importance, frequency, demographics = parsed
    return SurveyResponses(ids, importance, frequency, demographics)


def read_survey(
    tasks_source: Source,
    responses_source: Source,
    *,
    tasks_name: str | None = None,
    responses_name: str | None = None,
    scale_min: float = 0,
    scale_max: float = 4,
) -> tuple[TaskList, SurveyResponses]:
    """Read both files, reporting the problems of both at once.

    Raises
    ------
    SurveyFileError
        With every problem in either file.
    """
    t_data, t_name = _load(tasks_source, tasks_name)
    r_data, r_name = _load(responses_source, responses_name)
    problems: list[Problem] = []
    tasks = _read_tasks(t_data, t_name, problems)
    # Check the responses against the task ids that could be read, even if others could not.
    known = None if tasks is None else tuple(t for t in tasks.task_ids if t)
    responses = _read_responses(r_data, r_name, known, scale_min, scale_max, t_name, problems)
    if problems or tasks is None or responses is None:
        raise SurveyFileError(problems)
    return tasks, responses
