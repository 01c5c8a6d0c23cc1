"""Data screening before the analysis: the rules, what each flags, and the decisions.

The rules are pure (plain values in, response ids out); :func:`screening_report` reads a
study's submitted responses and its stored decisions, :func:`decide` records a decision
(audited). The psychometrician decides which rules exclude what they flag; the analysis run
leaves the excluded responses out and records the counts (see ``rds.analysis.services``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from core.audit import record
from core.models import User
from rds.models import Study
from rds.survey.answers import ratings_matrices
from rds.survey.services import SubmittedSurvey, submitted_survey

RULES = ("blank", "straight_lining", "too_fast", "non_incumbent")
STRAIGHT_LINE_MIN_TASKS = 10
DEFAULT_SECONDS_PER_TASK = 2.0
RULE_TITLES = {
    "blank": "Blank submissions",
    "straight_lining": "Straight-lining",
    "too_fast": "Implausibly fast web submissions",
    "non_incumbent": "Not incumbents (screening question)",
}


def rule_text(rule: str, settings: Mapping[str, Any]) -> str:
    """What a rule flags, in words (the page and the report's method section say it)."""
    if rule == "blank":
        return "A submitted response without a single importance or frequency rating."
    if rule == "straight_lining":
        return (
            "Every importance rating the same and every frequency rating the same, over at "
            f"least {STRAIGHT_LINE_MIN_TASKS} rated tasks (or every task, when there are fewer)."
        )
    if rule == "too_fast":
        seconds = float(settings.get("seconds_per_task", DEFAULT_SECONDS_PER_TASK))
        return (
            "A web response submitted sooner after it was started than "
            f"{seconds:g} seconds per task rated (responses imported from a file, or started "
            "before the survey recorded the time taken, cannot be timed and are not flagged)."
        )
    answers = non_incumbent_answers(settings)
    if not answers:
        return (
            "A respondent whose answer to a screening question says they do not do the work. "
            "No answer is chosen as non-incumbent, so nobody is flagged."
        )
    listed = "; ".join(f"{key} = {value}" for key, value in answers)
    return f"A respondent whose answer is one of: {listed} (not an incumbent)."


def non_incumbent_answers(settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (question key, answer) pairs chosen as meaning "not an incumbent"."""
    pairs = settings.get("non_incumbent") or []
    return [(str(k), str(v)) for k, v in pairs]


@dataclass(frozen=True)
class Answered:
    """One submitted response as the rules see it."""

    id: int
    source: str
    demographics: Mapping[str, Any]
    ratings: Mapping[str, Any]
    seconds_taken: int | None = None


def flag(
    responses: Sequence[Answered], task_codes: Sequence[str], settings: Mapping[str, Any]
) -> dict[str, list[int]]:
    """The ids each rule flags (a response can be flagged by several rules)."""
    codes = list(dict.fromkeys(task_codes))
    importance, frequency = ratings_matrices(codes, [r.ratings for r in responses])
    survey = SubmittedSurvey(
        codes=codes,
        domains=[""] * len(codes),
        questions=[],
        ids=[r.id for r in responses],
        sources=[r.source for r in responses],
        seconds_taken=[r.seconds_taken for r in responses],
        demographics=[dict(r.demographics or {}) for r in responses],
        importance=importance,
        frequency=frequency,
    )
    return flag_survey(survey, settings)


def flag_survey(survey: SubmittedSurvey, settings: Mapping[str, Any]) -> dict[str, list[int]]:
    """:func:`flag` on responses already decoded into rating matrices (whole rows at once)."""
    need = min(STRAIGHT_LINE_MIN_TASKS, len(survey.codes)) or 1
    seconds = float(settings.get("seconds_per_task", DEFAULT_SECONDS_PER_TASK))
    bad_answers = set(non_incumbent_answers(settings))
    rated_imp, rated_freq = ~np.isnan(survey.importance), ~np.isnan(survey.frequency)
    n_imp, n_freq = rated_imp.sum(axis=1), rated_freq.sum(axis=1)
    rated = (rated_imp | rated_freq).sum(axis=1)
    blank = (n_imp == 0) & (n_freq == 0)

    def same(x: np.ndarray) -> np.ndarray:  # NaN-ignoring; all-NaN rows are not the same
        if x.shape[1] == 0:
            return np.zeros(x.shape[0], dtype=bool)
        return np.asarray(np.fmax.reduce(x, axis=1) == np.fmin.reduce(x, axis=1))

    straight = (
        ~blank & (n_imp >= need) & (n_freq >= need) & same(survey.importance)
        & same(survey.frequency)
    )  # fmt: skip
    found: dict[str, list[int]] = {rule: [] for rule in RULES}
    for i, rid in enumerate(survey.ids):
        if blank[i]:
            found["blank"].append(rid)
            continue
        if straight[i]:
            found["straight_lining"].append(rid)
        taken = survey.seconds_taken[i]
        if survey.sources[i] == "web" and taken is not None and taken < seconds * rated[i]:
            found["too_fast"].append(rid)
        answers = survey.demographics[i]
        if bad_answers and any((k, str(v)) in bad_answers for k, v in answers.items()):
            found["non_incumbent"].append(rid)
    return found


# --- the study's decisions -------------------------------------------------------------------


def settings_of(study: Study) -> dict[str, Any]:
    """The study's screening settings and decisions; by default only blanks are excluded."""
    stored = dict(study.screening or {})
    exclude = {rule: rule == "blank" for rule in RULES} | dict(stored.get("exclude") or {})
    return {
        "seconds_per_task": float(stored.get("seconds_per_task", DEFAULT_SECONDS_PER_TASK)),
        "non_incumbent": [list(p) for p in stored.get("non_incumbent") or []],
        "exclude": exclude,
        "reason": stored.get("reason", ""),
        "decided": bool(stored.get("decided")),
    }


@dataclass(frozen=True)
class RuleResult:
    rule: str
    title: str
    text: str
    flagged: tuple[int, ...]
    excluded: bool


@dataclass(frozen=True)
class ScreeningReport:
    """Each rule's count and decision, and the responses the analysis leaves out."""

    submitted: int
    rules: tuple[RuleResult, ...]
    excluded_ids: frozenset[int]
    settings: Mapping[str, Any]

    @property
    def analysed(self) -> int:
        return self.submitted - len(self.excluded_ids)

    def summary(self) -> dict[str, Any]:
        """The JSON kept with a blueprint version (and read by the report)."""
        return {
            "submitted": self.submitted,
            "excluded": len(self.excluded_ids),
            "decided": bool(self.settings.get("decided")),
            "reason": self.settings.get("reason", ""),
            "rules": [
                {
                    "rule": r.rule,
                    "title": r.title,
                    "text": r.text,
                    "flagged": len(r.flagged),
                    "excluded": r.excluded,
                }
                for r in self.rules
            ],
        }


def screening_report(
    session: Session,
    study: Study,
    settings: Mapping[str, Any] | None = None,
    survey: SubmittedSurvey | None = None,
) -> ScreeningReport:
    """What each rule flags among the submitted responses, under the study's decisions (or
    ``settings``); ``survey`` is the study's submitted responses when already read."""
    chosen = settings if settings is not None else settings_of(study)
    if survey is None:
        survey = submitted_survey(session, study)
    found = flag_survey(survey, chosen)
    rules = tuple(
        RuleResult(
            rule,
            RULE_TITLES[rule],
            rule_text(rule, chosen),
            tuple(found[rule]),
            bool(chosen["exclude"].get(rule)),
        )
        for rule in RULES
    )
    excluded = frozenset(i for r in rules if r.excluded for i in r.flagged)
    return ScreeningReport(len(survey.ids), rules, excluded, chosen)


class ScreeningError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def decide(
    session: Session,
    actor: User,
    study: Study,
    exclude: Mapping[str, bool],
    seconds_per_task: float,
    non_incumbent: Sequence[tuple[str, str]],
    reason: str,
) -> None:
    """Record the psychometrician's screening decisions (audited); later runs apply them."""
    if study.status == "archived":
        raise ScreeningError("This study is archived.")
    reason = reason.strip()
    if len(reason) < 10:
        raise ScreeningError("Write why these rules apply (10 characters or more).", "reason")
    if not 0 < seconds_per_task <= 120:
        raise ScreeningError("Between 0 and 120 seconds per task.", "seconds_per_task")
    before = settings_of(study)
    after = {
        "exclude": {rule: bool(exclude.get(rule)) for rule in RULES},
        "seconds_per_task": float(seconds_per_task),
        "non_incumbent": [[k, v] for k, v in non_incumbent],
        "reason": reason,
        "decided": True,
    }
    study.screening = after
    session.flush()
    record(session, actor, "rds.screening.decided", study, before, after)
