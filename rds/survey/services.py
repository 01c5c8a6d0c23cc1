"""Validation survey services: content and pages, setup, opening and closing, progress, answers."""

from __future__ import annotations

import gc
import hashlib
import math
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, contains_eager

from core.audit import record
from core.models import User
from rds.models import DemographicQuestion, Domain, Study, SurveyInvitation, SurveyResponse, Task
from rds.stats import cochran_sample_size
from rds.survey.answers import answers_digest, ratings_matrices
from rds.survey.tables import SCALES, Problem
from rds.workshop.services import unresolved_count


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


DEFAULT_QUESTIONS = [
    (
        "role",
        "What is your current role?",
        ["Certified peer specialist", "Peer supervisor", "Trainee", "Other"],
    ),
    ("years_experience", "How many years have you worked as a peer?", ["<1", "1-3", "3-5", "5+"]),
    (
        "setting",
        "Where do you mostly work?",
        [
            "Community mental health center",
            "Peer-run organization",
            "Hospital / ER",
            "Jail or forensic program",
            "VA",
        ],
    ),
    ("region", "Which region do you work in?", ["North", "South", "East", "West"]),
]
OPEN_STATUSES = ("draft", "workshop", "survey_closed")


# --- the study's survey content --------------------------------------------------------------


def surveyed_tasks(session: Session, study: Study) -> list[Task]:
    """The study's tasks the survey asks about (not dropped by the SMEs), in domain order."""
    query = (
        select(Task)
        .join(Domain, Task.domain_id == Domain.id)
        .where(Task.study_id == study.id)
        .where((Task.sme_resolution.is_(None)) | (Task.sme_resolution != "drop"))
        .order_by(Domain.position, Domain.id, Task.position, Task.id)
        .options(contains_eager(Task.domain))
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
    """Why respondents cannot answer today, or None when the survey takes answers.

    A closing date is stated only when it has passed: a survey closed early has its closing
    date moved to that day, and a date still ahead is never given as the day it closed.
    """
    closes = study.survey_closes_on
    if study.status == "survey_open":
        if study.survey_opens_on and today < study.survey_opens_on:
            return f"This survey opens on {study.survey_opens_on.isoformat()}."
        if closes and today > closes:
            return f"This survey closed on {closes.isoformat()}."
        return None
    if study.status in ("survey_closed", "analyzed", "archived"):
        if closes and closes <= today:
            return f"This survey closed on {closes.isoformat()}."
        return "This survey is closed."
    return "This survey is not open yet."


def _check_unlocked(session: Session, study: Study, what: str) -> None:
    if content_locked(session, study):
        raise SurveyError(f"{what} are fixed once the survey has opened or has responses.")


# --- settings and questions ------------------------------------------------------------------


def update_settings(
    session: Session,
    actor: User,
    study: Study,
    opens_on: date | None,
    closes_on: date | None,
    incumbents: int | None,
    importance_anchors: list[str],
    frequency_anchors: list[str],
    min_respondents: int | None = None,
) -> None:
    """Save dates, incumbents and the scales' labels (labels only while nothing is answered).

    ``min_respondents``: below it, approving a blueprint needs an acknowledged reason (None
    keeps the study's value).
    """
    if study.status == "archived":
        raise SurveyError("This study is archived.")
    if len(importance_anchors) != len(frequency_anchors):
        raise SurveyError("Both scales need the same number of labels.", "frequency_anchors")
    before = _settings(study)
    if importance_anchors != study.importance_anchors or frequency_anchors != list(
        study.frequency_anchors
    ):
        _check_unlocked(session, study, "The rating scales")
        study.importance_anchors = list(importance_anchors)
        study.frequency_anchors = list(frequency_anchors)
        study.scale_max = study.scale_min + len(importance_anchors) - 1
    study.survey_opens_on, study.survey_closes_on = opens_on, closes_on
    study.incumbents = incumbents
    if min_respondents is not None:
        if min_respondents < 1:
            raise SurveyError("At least 1.", "min_respondents")
        study.min_respondents = min_respondents
    session.flush()
    record(session, actor, "rds.survey.settings", study, before, _settings(study))


def _settings(study: Study) -> dict[str, Any]:
    return {
        "opens_on": study.survey_opens_on,
        "closes_on": study.survey_closes_on,
        "incumbents": study.incumbents,
        "min_respondents": study.min_respondents,
        "scale": [study.scale_min, study.scale_max],
        "importance_anchors": list(study.importance_anchors),
        "frequency_anchors": list(study.frequency_anchors),
    }


def _question_dict(q: DemographicQuestion) -> dict[str, Any]:
    return {"key": q.key, "label": q.label, "options": list(q.options), "position": q.position}


def save_question(
    session: Session,
    actor: User,
    study: Study,
    key: str,
    label: str,
    options: list[str],
    question: DemographicQuestion | None = None,
) -> DemographicQuestion:
    """Add a demographic question, or change one; keys are unique within the study."""
    _check_unlocked(session, study, "The demographic questions")
    key = key.strip()
    taken = session.execute(
        select(DemographicQuestion.id).where(
            DemographicQuestion.study_id == study.id, DemographicQuestion.key == key
        )
    ).scalar()
    if taken is not None and (question is None or taken != question.id):
        raise SurveyError(f"Another question already uses the column name {key!r}.", "key")
    if key == "respondent_id" or key.endswith(tuple(f"_{s}" for s in SCALES)):
        raise SurveyError("That column name is reserved for the ratings.", "key")
    before = None if question is None else _question_dict(question)
    if question is None:
        position = len(questions_of(session, study))
        question = DemographicQuestion(
            board_id=study.board_id, study_id=study.id, position=position
        )
        session.add(question)
    question.key, question.label, question.options = key, label.strip(), list(options)
    session.flush()
    action = "rds.survey.question_added" if before is None else "rds.survey.question_changed"
    record(session, actor, action, question, before, _question_dict(question))
    return question


def add_default_questions(session: Session, actor: User, study: Study) -> int:
    """Add the default questions (role, experience, setting, region) the study lacks."""
    _check_unlocked(session, study, "The demographic questions")
    have = {q.key for q in questions_of(session, study)}
    added = 0
    for key, label, options in DEFAULT_QUESTIONS:
        if key not in have:
            save_question(session, actor, study, key, label, options)
            added += 1
    return added


def move_question(
    session: Session, actor: User, study: Study, question: DemographicQuestion, direction: str
) -> None:
    """Swap a question with its neighbour above or below."""
    _check_unlocked(session, study, "The demographic questions")
    questions = questions_of(session, study)
    index = [q.id for q in questions].index(question.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for position, q in enumerate(questions):
        q.position = position
    session.flush()
    record(session, actor, "rds.survey.question_moved", question, None, {"position": other})


def delete_question(
    session: Session, actor: User, study: Study, question: DemographicQuestion
) -> None:
    """Remove a question and close the gap in the order."""
    _check_unlocked(session, study, "The demographic questions")
    record(session, actor, "rds.survey.question_deleted", question, _question_dict(question))
    session.delete(question)
    session.flush()
    for position, q in enumerate(questions_of(session, study)):
        q.position = position
    session.flush()


# --- opening, closing and progress -----------------------------------------------------------


def open_survey(session: Session, actor: User, study: Study, today: date, note: str = "") -> None:
    """Open the survey to respondents and give it a public link."""
    if study.status not in OPEN_STATUSES:
        raise SurveyError(f"A study that is {study.status.replace('_', ' ')} cannot be opened.")
    if not surveyed_tasks(session, study):
        raise SurveyError("There are no tasks to survey; add task statements first.")
    unresolved = unresolved_count(session, study)
    if unresolved:
        raise SurveyError(
            f"{unresolved} task{'s are' if unresolved != 1 else ' is'} not resolved by the SME "
            "panel yet; resolve every task before opening the survey."
        )
    if study.survey_closes_on is None or study.survey_closes_on < today:
        raise SurveyError("Set a closing date that is today or later first.", "closes_on")
    if study.survey_opens_on is None or study.survey_opens_on > study.survey_closes_on:
        study.survey_opens_on = today
    before = {"status": study.status}
    study.status = "survey_open"
    study.public_token = study.public_token or secrets.token_urlsafe(24)
    session.flush()
    after = {"status": study.status, "opens_on": study.survey_opens_on, "note": note}
    record(session, actor, "rds.survey.opened", study, before, after)


def missing_responses(progress: SurveyProgress) -> int:
    """Responses still missing toward the required sample (0 when met or not computable)."""
    return max(0, (progress.required or 0) - progress.submitted)


def closing_confirmation(progress: SurveyProgress) -> str:
    """What the person closing the survey confirms, with the responses still missing."""
    if missing_responses(progress):
        return (
            f"Close the survey now with {progress.submitted:,} responses: "
            f"{missing_responses(progress):,} of the {progress.required:,} required are still "
            "missing, and no one can submit answers afterwards"
        )
    return "Close the survey now; no one can submit answers afterwards"


def close_survey(
    session: Session,
    actor: User,
    study: Study,
    today: date,
    reason: str,
    missing_confirmed: int | None = None,
) -> None:
    """Close the survey: no more answers; the closing date becomes today if it was later.

    Closing is its own action, never a side effect. While responses are missing toward the
    required sample, ``missing_confirmed`` must be the number the person saw and confirmed
    (a response that arrived meanwhile changes it, and the confirmation is asked again).
    """
    if study.status != "survey_open":
        raise SurveyError("The survey is not open.")
    progress = survey_progress(session, study)
    missing = missing_responses(progress)
    if missing and missing_confirmed != missing:
        raise SurveyError(
            f"{missing:,} of the {progress.required:,} required responses are still missing. "
            "Confirm that you close the survey with them missing.",
            "confirm",
        )
    before = {"status": study.status, "closes_on": study.survey_closes_on}
    study.status = "survey_closed"
    if study.survey_closes_on is None or study.survey_closes_on > today:
        study.survey_closes_on = today
    session.flush()
    after = {
        "status": study.status,
        "closes_on": study.survey_closes_on,
        "reason": reason,
        "submitted": progress.submitted,
        "missing": missing,
    }
    record(session, actor, "rds.survey.closed", study, before, after)


@dataclass(frozen=True)
class SurveyProgress:
    """Responses so far against Cochran's required sample size."""

    submitted: int
    imported: int
    in_progress: int
    invited: int
    invitations_used: int
    incumbents: int | None
    required: int | None
    margin_of_error: float | None

    @property
    def rate_of_incumbents(self) -> float | None:
        return self.submitted / self.incumbents if self.incumbents else None

    @property
    def rate_of_invitations(self) -> float | None:
        return self.invitations_used / self.invited if self.invited else None

    @property
    def percent(self) -> int:
        if not self.required:
            return 0
        return min(100, int(100 * self.submitted / self.required))


def survey_progress(session: Session, study: Study) -> SurveyProgress:
    """Live counts of responses and invitations, the required sample and margin of error."""
    rows = session.execute(
        select(SurveyResponse.status, SurveyResponse.source, func.count(SurveyResponse.id))
        .where(SurveyResponse.study_id == study.id)
        .group_by(SurveyResponse.status, SurveyResponse.source)
    ).all()
    submitted = sum(n for status, _, n in rows if status == "submitted")
    imported = sum(n for status, src, n in rows if status == "submitted" and src == "import")
    in_progress = sum(n for status, _, n in rows if status == "in_progress")
    invited, used = session.execute(
        select(
            func.count(SurveyInvitation.id),
            func.coalesce(func.sum(case((SurveyInvitation.used.is_(True), 1), else_=0)), 0),
        ).where(SurveyInvitation.study_id == study.id)
    ).one()
    required = margin = None
    if study.incumbents:
        sample = cochran_sample_size(study.incumbents, submitted)
        required = sample.required
        margin = None if math.isnan(sample.margin_of_error) else sample.margin_of_error
    return SurveyProgress(
        submitted,
        imported,
        in_progress,
        int(invited),
        int(used),
        study.incumbents,
        required,
        margin,
    )


def duplicated_count(session: Session, study: Study) -> int:
    """Submitted responses whose answers are identical to an earlier response's.

    The public link lets each browser answer once, but a person may answer again from another
    browser: the psychometrician sees how many responses look duplicated (one statement; the
    answers are read a batch at a time and only their fingerprints kept).
    """
    query = (
        select(SurveyResponse.demographics, SurveyResponse.ratings)
        .where(SurveyResponse.study_id == study.id, SurveyResponse.status == "submitted")
        .execution_options(yield_per=500)
    )
    seen: set[str] = set()
    duplicated = 0
    for demographics, ratings in session.execute(query):
        digest = answers_digest(demographics or {}, ratings or {})
        duplicated += digest in seen
        seen.add(digest)
    return duplicated


INTERIM_OPEN = "Interim — survey open"
INTERIM_CLOSED = "Interim — run before the survey closed"


def interim_label(study: Study, options: dict[str, Any] | None) -> str | None:
    """How a blueprint version run while the survey was open is named everywhere, or None.

    ``options`` are the version's stored run options (``interim`` is recorded at each run;
    a run stored before that is interim when the survey is still open).
    """
    interim = (options or {}).get("interim")
    if interim is None:
        interim = study.status == "survey_open"
    if not interim:
        return None
    return INTERIM_OPEN if study.status == "survey_open" else INTERIM_CLOSED


# --- the engine's input ----------------------------------------------------------------------


SurveyMatrix = tuple[list[str], list[str], np.ndarray, np.ndarray, dict[str, list[str | None]]]


@dataclass(frozen=True)
class SubmittedSurvey:
    """Every submitted response of a study with its answers decoded once, in the order they
    came in: what the screening rules and the analysis both read."""

    codes: list[str]  # the surveyed tasks, in domain order
    domains: list[str]
    questions: list[str]  # the demographic questions' keys, in the order asked
    ids: list[int]
    sources: list[str]
    seconds_taken: list[int | None]
    demographics: list[dict[str, Any]]
    importance: np.ndarray  # responses x codes, NaN blank
    frequency: np.ndarray

    def matrix(self, exclude: frozenset[int] = frozenset()) -> SurveyMatrix:
        """The engine's input: task codes, their domains, ratings and demographics, without
        the responses ``exclude`` names (the screening's exclusions)."""
        keep = [i for i, rid in enumerate(self.ids) if rid not in exclude]
        importance, frequency = self.importance, self.frequency
        if len(keep) != len(self.ids):
            importance, frequency = importance[keep], frequency[keep]
        answers = [self.demographics[i] for i in keep]
        demographics = {k: [d.get(k) for d in answers] for k in self.questions}
        return list(self.codes), list(self.domains), importance, frequency, demographics


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while thousands of stored answers are decoded:
    they make millions of small lists at once (none can form a cycle), and the collector would
    walk every one of them many times over, doubling the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def submitted_survey(session: Session, study: Study) -> SubmittedSurvey:
    """The study's submitted responses, read in one query and decoded once."""
    tasks = surveyed_tasks(session, study)
    codes = [t.code for t in tasks]
    query = (
        select(
            SurveyResponse.id,
            SurveyResponse.source,
            SurveyResponse.seconds_taken,
            SurveyResponse.demographics,
            SurveyResponse.ratings,
        )
        .where(SurveyResponse.study_id == study.id, SurveyResponse.status == "submitted")
        .order_by(SurveyResponse.id)
    )
    with _collector_paused():
        rows = session.execute(query).all()
        importance, frequency = ratings_matrices(codes, [r.ratings or {} for r in rows])
    return SubmittedSurvey(
        codes=codes,
        domains=[t.domain.name for t in tasks],
        questions=[q.key for q in questions_of(session, study)],
        ids=[r.id for r in rows],
        sources=[r.source for r in rows],
        seconds_taken=[r.seconds_taken for r in rows],
        demographics=[r.demographics or {} for r in rows],
        importance=importance,
        frequency=frequency,
    )


def survey_matrix(
    session: Session, study: Study, exclude: frozenset[int] = frozenset()
) -> SurveyMatrix:
    """The engine's input (see :meth:`SubmittedSurvey.matrix`)."""
    return submitted_survey(session, study).matrix(exclude)
