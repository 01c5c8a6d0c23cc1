"""The board's studies at a glance: lists, CSV, credential types, current studies, attention."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certify.models import CredentialType
from core.boards import Page, paginate
from core.exports import stream_rows
from rds.models import STUDY_STATUSES, Study, Task

STALE_YEARS = 5
_SORTS = {"title": Study.title, "version": Study.version, "status": Study.status}


def studies_page(
    session: Session, board_id: int, page: int = 1, status: str = "", sort: str = "-started"
) -> Page:
    """The board's studies, filtered by status and sorted (newest start first by default)."""
    query = select(Study).where(Study.board_id == board_id)
    if status in STUDY_STATUSES:
        query = query.where(Study.status == status)
    column = _SORTS.get(sort.lstrip("-"), Study.started_on)
    order = column.desc() if sort.startswith("-") else column.asc()
    return paginate(session, query.order_by(order, Study.id.desc()), page)


def task_counts(session: Session, study_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(tasks, resolved tasks) per study."""
    rows = session.execute(
        select(Task.study_id, func.count(), func.count(Task.sme_resolution))
        .where(Task.study_id.in_(study_ids or [0]))
        .group_by(Task.study_id)
    )
    return {study_id: (total, resolved) for study_id, total, resolved in rows}


def credential_types(session: Session, board_id: int) -> dict[int, str]:
    """The board's credential types, id -> name, in certify's one order.

    That order (provisional before full, then by code) is the one of
    `certify.config.services.credential_types`; rds may import only the model, so the query
    is repeated here and tests/rds/test_credential_types.py checks that the two agree.
    """
    rows = session.execute(
        select(CredentialType.id, CredentialType.name)
        .where(CredentialType.board_id == board_id)
        .order_by(CredentialType.level.desc(), CredentialType.code)
    )
    return {key: name for key, name in rows}


def studies_rows(session: Session, board_id: int) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of every study of the board, read as they are written: two statements
    (the credential types, then the studies with their task counts)."""
    names = credential_types(session, board_id)
    tasks = (
        select(Task.study_id, func.count(Task.id).label("n"))
        .where(Task.board_id == board_id)
        .group_by(Task.study_id)
        .subquery()
    )
    query = (
        select(Study.title, Study.version, Study.credential_type_id, Study.status,
               Study.started_on, func.coalesce(tasks.c.n, 0))
        .outerjoin(tasks, tasks.c.study_id == Study.id)
        .where(Study.board_id == board_id)
        .order_by(Study.title, Study.version)
    )  # fmt: skip
    header = ["title", "version", "credential_type", "status", "started_on", "tasks"]
    rows = (
        [title, version, names.get(type_id or 0, ""), status, started.isoformat(), n]
        for title, version, type_id, status, started, n in stream_rows(session, query)
    )
    return header, rows


def years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass(frozen=True)
class CurrentStudy:
    """The newest study of one credential type of a board, and whether it is overdue."""

    credential: str
    study: Study
    stale: bool


def current_studies(session: Session, board_id: int, today: date) -> list[CurrentStudy]:
    """Per credential type, the newest study; stale when it started over 5 years ago."""
    names = credential_types(session, board_id)
    studies = session.execute(
        select(Study)
        .where(Study.board_id == board_id, Study.status != "archived")
        .order_by(Study.started_on.desc(), Study.version.desc(), Study.id.desc())
    ).scalars()
    newest: dict[int | None, Study] = {}
    for study in studies:
        newest.setdefault(study.credential_type_id, study)
    limit = years_before(today, STALE_YEARS)
    return [
        CurrentStudy(names.get(key or 0, "No credential type"), study, study.started_on < limit)
        for key, study in newest.items()
    ]


@dataclass(frozen=True)
class Attention:
    """One line of the psychometrician's dashboard: what a study needs next."""

    study: Study
    message: str
    endpoint: str
    urgent: bool


_NEXT = {
    "survey_open": "Validation survey open — watch the responses come in",
    "survey_closed": "Survey closed — run the analysis",
    "analyzed": "Analyzed — the blueprint waits for the board's approval",
}


def attention(session: Session, board_ids: set[int], today: date) -> list[Attention]:
    """What each active study of these boards needs next, overdue ones first."""
    studies = list(
        session.execute(
            select(Study)
            .where(Study.board_id.in_(board_ids or {0}), Study.status != "archived")
            .order_by(Study.started_on.desc(), Study.id.desc())
        ).scalars()
    )
    counts = task_counts(session, [s.id for s in studies])
    stale = {c.study.id for b in board_ids for c in current_studies(session, b, today) if c.stale}
    lines = []
    for s in studies:
        tasks, resolved = counts.get(s.id, (0, 0))
        if s.id in stale:
            lines.append(
                Attention(
                    s,
                    f"Started {s.started_on.isoformat()}, more than "
                    f"{STALE_YEARS} years ago — clone it into the next "
                    "version",
                    "rds.clone",
                    True,
                )
            )
        if s.status == "draft" and not tasks:
            lines.append(
                Attention(s, "No task statements yet — draft the scope", "rds.scope", True)
            )
        elif s.status == "draft":
            lines.append(
                Attention(
                    s,
                    f"{tasks} task statements drafted — record the SME panel "
                    "and start the workshop",
                    "rds.workshop",
                    True,
                )
            )
        elif s.status == "workshop":
            lines.append(
                Attention(
                    s,
                    f"{resolved} of {tasks} tasks resolved by the SME panel",
                    "rds.workshop_tally",
                    resolved < tasks,
                )
            )
        else:
            lines.append(Attention(s, _NEXT.get(s.status, s.status), "rds.scope", False))
    return sorted(lines, key=lambda a: not a.urgent)
