"""Answers checked as plain values: a respondent's page of answers, the invitees' email list.

Pure: takes the posted values (any mapping) or a file's bytes and returns the clean values
with every problem found; no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

import numpy as np

from rds.survey.tables import Problem

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_EMAIL_FILE = 1024 * 1024


def parse_email_csv(data: bytes, name: str) -> tuple[list[tuple[int, str]], list[Problem]]:
    """(row, address) pairs of a one-column email CSV (header optional), and every problem."""
    problems: list[Problem] = []
    if len(data) > MAX_EMAIL_FILE:
        return [], [Problem(name, None, None, "is larger than 1 MB")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [Problem(name, None, None, "is not UTF-8 text; save it as CSV UTF-8")]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    found: list[tuple[int, str]] = []
    for number, cells in enumerate(rows, start=1):
        values = [c.strip() for c in cells]
        filled = [v for v in values if v]
        if not filled:
            continue
        if number == 1 and filled[0].lower() in ("email", "e-mail", "email address"):
            continue
        if len(filled) > 1 or (values and not values[0]):
            problems.append(Problem(name, number, "email", "expected one email address per row"))
            continue
        address = filled[0].lower()
        if len(address) > 254 or not EMAIL_RE.match(address):
            problems.append(
                Problem(name, number, "email", f"{filled[0]!r} is not an email address")
            )
            continue
        found.append((number, address))
    if not found and not problems:
        problems.append(Problem(name, None, None, "has no email addresses"))
    return found, problems


@dataclass
class PageAnswers:
    """What a respondent sent for one page: clean values, errors and skipped items."""

    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)


def parse_demographics(
    form: Mapping[str, str], questions: Sequence[tuple[str, list[str]]]
) -> PageAnswers:
    """Each question's answer must be one of its choices; a blank answer is allowed."""
    answers = PageAnswers()
    for key, options in questions:
        raw = (form.get(f"q_{key}") or "").strip()
        if not raw:
            answers.unanswered.append(key)
        elif raw in options:
            answers.values[key] = raw
        else:
            answers.errors[key] = "Choose one of the listed answers."
    return answers


def _rating(raw: str | None, low: int, high: int) -> tuple[int | None, bool]:
    """(rating or None for blank, valid?) for one posted radio value."""
    text = (raw or "").strip()
    if not text:
        return None, True
    if not re.fullmatch(r"-?\d{1,3}", text):
        return None, False
    value = int(text)
    return value, low <= value <= high


def parse_ratings(
    form: Mapping[str, str], tasks: Sequence[tuple[int, str]], low: int, high: int
) -> PageAnswers:
    """Ratings of a domain page as {code: [importance, frequency]}; both or neither per task."""
    answers = PageAnswers()
    for task_id, code in tasks:
        importance, ok_i = _rating(form.get(f"t{task_id}_importance"), low, high)
        frequency, ok_f = _rating(form.get(f"t{task_id}_frequency"), low, high)
        if not (ok_i and ok_f):
            answers.errors[code] = f"Choose one of the answers from {low} to {high}."
        elif importance is None and frequency is None:
            answers.unanswered.append(code)
        elif importance is None or frequency is None:
            missing = "importance" if importance is None else "frequency"
            answers.errors[code] = (
                f"Rate the {missing} too, or clear both answers to skip this task."
            )
        else:
            answers.values[code] = [importance, frequency]
    return answers


def answers_digest(demographics: Mapping[str, object], ratings: Mapping[str, object]) -> str:
    """A fingerprint of a response's answers, the same whatever order they were given in.

    Two responses with the same digest gave the same answer to every question and task: the
    survey counts them as looking duplicated (the psychometrician sees how many).
    """
    canonical = json.dumps(
        {"demographics": dict(demographics), "ratings": dict(ratings)},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def ratings_matrices(
    codes: Sequence[str], responses: Sequence[Mapping[str, Any]]
) -> tuple[np.ndarray, np.ndarray]:
    """Importance and frequency matrices (responses x ``codes``, NaN where blank) of stored
    ratings ``{code: [importance, frequency]}``; codes not in ``codes`` are ignored.

    One pass over the responses gathers every (column, pair), then numpy converts all the
    pairs at once (one stored pair decides nothing for the others: a blank value or a pair
    that is not two values takes a slower path, and reads as the values it has).
    """
    column = {code: j for j, code in enumerate(codes)}
    importance = np.full((len(responses), len(codes)), np.nan)
    frequency = np.full((len(responses), len(codes)), np.nan)
    columns: list[int] = []
    pairs: list[Any] = []
    counts = np.zeros(len(responses), dtype=np.int64)
    for i, ratings in enumerate(responses):
        columns.extend(map(column.get, ratings, repeat(-1)))
        pairs.extend(ratings.values())
        counts[i] = len(ratings)
    if not pairs:
        return importance, frequency
    values = _pair_values(pairs)
    rows = np.repeat(np.arange(len(responses)), counts)
    cols = np.asarray(columns, dtype=np.int64)
    known = cols >= 0
    importance[rows[known], cols[known]] = values[known, 0]
    frequency[rows[known], cols[known]] = values[known, 1]
    return importance, frequency


def _pair_values(pairs: list[Any]) -> np.ndarray:
    """The stored pairs as an (n, 2) float array, NaN for a blank (None) or missing value."""
    try:  # the common case, every pair two numbers: the fastest conversion
        lengths = np.fromiter(map(len, pairs), dtype=np.int64, count=len(pairs))
        if (lengths == 2).all():
            flat = np.fromiter(chain.from_iterable(pairs), dtype=np.float64, count=2 * len(pairs))
            return flat.reshape(-1, 2)
    except (TypeError, ValueError):  # a blank (None) in a pair, or a pair that is not a list
        pass
    try:
        values = np.array(pairs, dtype=np.float64)
        if values.ndim == 2 and values.shape[1] == 2:
            return values
    except (TypeError, ValueError):  # ragged: some pair is empty, None or one value
        pass
    return np.array([_pair(p) for p in pairs], dtype=np.float64)


def _pair(pair: Any) -> tuple[Any, Any]:
    """A stored rating pair as (importance, frequency), None for what it lacks."""
    if not pair:
        return None, None
    return pair[0], pair[1] if len(pair) > 1 else None
