"""Fast path for a responses CSV: pandas' C parser, then vectorised checks.

Anything the fast path cannot parse (text in a rating column, ragged rows, header problems)
goes through the cell-by-cell path of ``rds.survey_tables``, which reports every problem with
its row and column. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np

from rds.survey_tables import (
    Problem,
    Table,
    cell_text,
    classify_header,
    finish,
    parse_responses,
    rating_columns,
)


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


def parse_responses_csv(
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
