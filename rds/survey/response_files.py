"""Survey responses in bulk: import of engine-format files, export as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import record
from core.exports import stream_rows
from core.models import User
from rds.models import Study, SurveyResponse
from rds.survey.io import SurveyFileError, read_responses
from rds.survey.services import (
    SurveyError,
    SurveyImportError,
    questions_of,
    surveyed_tasks,
)
from rds.survey.tables import SCALES, Problem, Table, read_xlsx_table


def _is_rating_column(label: str) -> bool:
    task, _, scale = label.strip().rpartition("_")
    return bool(task) and scale.lower() in SCALES


def _demographic_problems(data: bytes, name: str, questions: dict[str, list[str]]) -> list[Problem]:
    """Unknown columns and answers that are not one of a question's choices."""
    table: Table | None
    if data.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx"):
        table = read_xlsx_table(data, name, [])
    else:
        text = data.decode("utf-8-sig", errors="replace")
        table = Table.from_rows([list(r) for r in csv.reader(io.StringIO(text, newline=""))], name)
    if table is None:
        return []
    problems: list[Problem] = []
    known = ", ".join(questions) or "none yet"
    for index, label in enumerate(table.header):
        label = label.strip()
        if not label or label.lower() == "respondent_id" or _is_rating_column(label):
            continue
        if label not in questions:
            message = f"unknown column: not a demographic question of this study (known: {known})"
            problems.append(Problem(name, 1, label, message))
            continue
        for number, cells in table.rows:
            value = table.text(cells, index)
            if value and value not in questions[label]:
                message = f"{value!r} is not one of the choices of this question"
                problems.append(Problem(name, number, label, message))
    return problems


def import_responses(
    session: Session, actor: User, study: Study, data: bytes, name: str, today: date
) -> int:
    """Store the responses of an engine-format CSV/XLSX file, all or nothing."""
    if study.status == "archived":
        raise SurveyError("This study is archived.")
    codes = [t.code for t in surveyed_tasks(session, study)]
    if not codes:
        raise SurveyError("The study has no tasks to survey; add task statements first.")
    questions = {q.key: list(q.options) for q in questions_of(session, study)}
    problems: list[Problem] = []
    parsed = None
    try:
        parsed = read_responses(
            data,
            codes,
            name,
            scale_min=study.scale_min,
            scale_max=study.scale_max,
            tasks_name="this study's surveyed tasks",
        )
    except SurveyFileError as exc:
        problems.extend(exc.problems)
    problems.extend(_demographic_problems(data, name, questions))
    if problems or parsed is None:
        problems.sort(key=lambda p: -1 if p.row is None else p.row)
        raise SurveyImportError(problems)
    for i in range(len(parsed.respondent_ids)):
        ratings: dict[str, list[int | None]] = {}
        for j, code in enumerate(codes):
            pair = [parsed.importance[i, j], parsed.frequency[i, j]]
            if not all(np.isnan(pair)):
                ratings[code] = [None if np.isnan(v) else int(v) for v in pair]
        demographics = {k: v[i] for k, v in parsed.demographics.items() if v[i] is not None}
        session.add(
            SurveyResponse(
                board_id=study.board_id,
                study_id=study.id,
                status="submitted",
                source="import",
                demographics=demographics,
                ratings=ratings,
                pages_done=[],
                submitted_on=today,
            )
        )
    session.flush()
    count = len(parsed.respondent_ids)
    record(session, actor, "rds.survey.imported", study, None, {"responses": count, "file": name})
    return count


def export_rows(session: Session, study: Study) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of the submitted responses in the engine's format, read from the
    database as they are written (three statements, a hundred responses in memory at a time),
    in a new random order at every export (respondent ids R00001... follow it): the order
    says nothing about when anyone answered."""
    codes = [t.code for t in surveyed_tasks(session, study)]
    keys = [q.key for q in questions_of(session, study)]
    header = ["respondent_id", *keys, *[f"{c}_{s}" for c in codes for s in SCALES]]
    query = (
        select(SurveyResponse.demographics, SurveyResponse.ratings)
        .where(SurveyResponse.study_id == study.id, SurveyResponse.status == "submitted")
        .order_by(func.random())
    )

    def rows() -> Iterator[list[Any]]:
        answers = stream_rows(session, query, batch=100)
        for number, (demographics, ratings) in enumerate(answers, start=1):
            demographics, ratings = demographics or {}, ratings or {}
            row: list[Any] = [f"R{number:05d}", *[demographics.get(k) for k in keys]]
            for code in codes:
                row.extend(ratings.get(code) or [None, None])
            yield row

    return header, rows()
