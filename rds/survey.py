"""Validation survey services: settings, questions, open/close, progress; re-exports the rest."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.audit import record
from core.models import User
from rds.models import DemographicQuestion, Study, SurveyInvitation, SurveyResponse
from rds.stats import cochran_sample_size
from rds.survey_base import (  # noqa: F401  (re-exported)
    SurveyError,
    SurveyImportError,
    SurveyPage,
    SurveyRefused,
    content_locked,
    estimated_minutes,
    questions_of,
    refusal,
    survey_pages,
    surveyed_tasks,
    token_hash,
)
from rds.survey_data import (  # noqa: F401  (re-exported)
    export_csv,
    export_table,
    export_xlsx,
    import_responses,
    survey_matrix,
)
from rds.survey_invitations import (  # noqa: F401  (re-exported)
    REMINDER_GAP,
    invitations_query,
    invite,
    send_reminders,
)
from rds.survey_responses import (  # noqa: F401  (re-exported)
    INVITATION_USED,
    NOT_RESUMABLE,
    invitation_by_link,
    invitation_refusal,
    key_matches_invitation,
    next_page,
    response_by_key,
    save_page,
    start_response,
    study_by_link,
    submit_response,
)
from rds.survey_tables import SCALES

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


def _check_unlocked(session: Session, study: Study, what: str) -> None:
    if content_locked(session, study):
        raise SurveyError(f"{what} are fixed once the survey has opened or has responses.")


# --- settings and questions -------------------------------------------------------------------


def update_settings(
    session: Session,
    actor: User,
    study: Study,
    opens_on: date | None,
    closes_on: date | None,
    incumbents: int | None,
    importance_anchors: list[str],
    frequency_anchors: list[str],
) -> None:
    """Save dates, incumbents and the scales' labels (labels only while nothing is answered)."""
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
    session.flush()
    record(session, actor, "rds.survey.settings", study, before, _settings(study))


def _settings(study: Study) -> dict[str, Any]:
    return {
        "opens_on": study.survey_opens_on,
        "closes_on": study.survey_closes_on,
        "incumbents": study.incumbents,
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


# --- opening, closing and progress -------------------------------------------------------------


def _unresolved_tasks(session: Session, study: Study) -> int:
    try:
        from rds.workshop import unresolved_count
    except ImportError:  # the workshop module is not there yet: nothing to wait for
        return 0
    return int(unresolved_count(session, study))


def open_survey(session: Session, actor: User, study: Study, today: date, note: str = "") -> None:
    """Open the survey to respondents and give it a public link."""
    if study.status not in OPEN_STATUSES:
        raise SurveyError(f"A study that is {study.status.replace('_', ' ')} cannot be opened.")
    if not surveyed_tasks(session, study):
        raise SurveyError("There are no tasks to survey; add task statements first.")
    unresolved = _unresolved_tasks(session, study)
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


def close_survey(session: Session, actor: User, study: Study, today: date, reason: str) -> None:
    """Close the survey: no more answers; the closing date becomes today if it was later."""
    if study.status != "survey_open":
        raise SurveyError("The survey is not open.")
    before = {"status": study.status, "closes_on": study.survey_closes_on}
    study.status = "survey_closed"
    if study.survey_closes_on is None or study.survey_closes_on > today:
        study.survey_closes_on = today
    session.flush()
    after = {"status": study.status, "closes_on": study.survey_closes_on, "reason": reason}
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
