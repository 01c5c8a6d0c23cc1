"""Survey basics shared by its services: errors, surveyed tasks, questions, pages, refusals."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rds.models import DemographicQuestion, Domain, Study, SurveyResponse, Task
from rds.survey_tables import Problem


class SurveyError(ValueError):
    """A survey action that cannot be done; ``field`` names the form field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SurveyRefused(SurveyError):
    """A respondent's request the survey refuses (closed, not open, link used or unknown)."""


class SurveyImportError(ValueError):
    """A file with problems; nothing was stored and ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was stored")
        self.problems = problems


def token_hash(token: str) -> str:
    """The SHA-256 stored in place of an invitation token or resume key."""
    return hashlib.sha256(token.encode()).hexdigest()


# --- the study's survey content --------------------------------------------------------------


def surveyed_tasks(session: Session, study: Study) -> list[Task]:
    """The study's tasks the survey asks about (not dropped by the SMEs), in domain order."""
    query = (
        select(Task)
        .join(Domain, Task.domain_id == Domain.id)
        .where(Task.study_id == study.id)
        .where((Task.sme_resolution.is_(None)) | (Task.sme_resolution != "drop"))
        .order_by(Domain.position, Domain.id, Task.position, Task.id)
    )
    return list(session.execute(query).scalars())


def questions_of(session: Session, study: Study) -> list[DemographicQuestion]:
    """The study's demographic questions in the order they are asked."""
    query = select(DemographicQuestion).where(DemographicQuestion.study_id == study.id)
    order = (DemographicQuestion.position, DemographicQuestion.id)
    return list(session.execute(query.order_by(*order)).scalars())


@dataclass(frozen=True)
class SurveyPage:
    """One page of the survey: 0 is the demographics page, then one per performance domain."""

    number: int
    title: str
    tasks: tuple[Task, ...] = ()


def survey_pages(session: Session, study: Study) -> list[SurveyPage]:
    """The pages a respondent goes through, demographics first when there are questions."""
    pages = [SurveyPage(0, "About you")] if questions_of(session, study) else []
    by_domain: dict[int, list[Task]] = {}
    names: dict[int, str] = {}
    for task in surveyed_tasks(session, study):
        by_domain.setdefault(task.domain_id, []).append(task)
        names[task.domain_id] = task.domain.name
    for number, (domain_id, tasks) in enumerate(by_domain.items(), start=1):
        pages.append(SurveyPage(number, names[domain_id], tuple(tasks)))
    return pages


def estimated_minutes(session: Session, study: Study) -> int:
    """A rounded estimate of the time the survey takes (about 15 s per task), in minutes."""
    work = 2 + 0.25 * len(surveyed_tasks(session, study)) + 0.25 * len(questions_of(session, study))
    return max(5, 5 * math.ceil(work / 5))


def _responses_exist(session: Session, study: Study) -> bool:
    query = select(func.count(SurveyResponse.id)).where(SurveyResponse.study_id == study.id)
    return bool(session.execute(query).scalar_one())


def content_locked(session: Session, study: Study) -> bool:
    """Questions and scales are fixed once the survey has opened or has responses."""
    return study.status not in ("draft", "workshop") or _responses_exist(session, study)


def refusal(study: Study, today: date) -> str | None:
    """Why respondents cannot answer today, or None when the survey takes answers."""
    closes = study.survey_closes_on
    if study.status == "survey_open":
        if study.survey_opens_on and today < study.survey_opens_on:
            return f"This survey opens on {study.survey_opens_on.isoformat()}."
        if closes and today > closes:
            return f"This survey closed on {closes.isoformat()}."
        return None
    if study.status in ("survey_closed", "analyzed", "archived"):
        return (
            f"This survey closed on {closes.isoformat()}." if closes else "This survey is closed."
        )
    return "This survey is not open yet."
