"""Validation survey forms and answer parsing: field validation only, no writes."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from rds.survey_tables import Problem

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
KEY_RE = r"^[a-z][a-z0-9_]*$"
MAX_EMAIL_FILE = 1024 * 1024


def lines(text: str | None) -> list[str]:
    """The non-blank lines of a textarea, stripped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _distinct_lines(minimum: int, maximum: int, what: str):  # type: ignore[no-untyped-def]
    def check(form: FlaskForm, fld: TextAreaField) -> None:
        values = lines(fld.data)
        if len(values) < minimum or len(values) > maximum:
            raise ValidationError(f"Give {minimum} to {maximum} {what}, one per line.")
        if len({v.lower() for v in values}) != len(values):
            raise ValidationError(f"Each of the {what} must be different.")
        if any(len(v) > 200 for v in values):
            raise ValidationError("Keep each line under 200 characters.")

    return check


class SurveySettingsForm(FlaskForm):
    opens_on = DateField("Opens on", validators=[Optional()])
    closes_on = DateField("Closes on", validators=[Optional()])
    incumbents = IntegerField(
        "Estimated number of incumbents",
        validators=[Optional(), NumberRange(min=1, max=10_000_000, message="At least 1.")],
    )
    importance_anchors = TextAreaField(
        "Importance scale labels",
        validators=[DataRequired(), _distinct_lines(2, 11, "importance labels")],
    )
    frequency_anchors = TextAreaField(
        "Frequency scale labels",
        validators=[DataRequired(), _distinct_lines(2, 11, "frequency labels")],
    )
    submit = SubmitField("Save settings")

    def validate_closes_on(self, fld: DateField) -> None:
        if fld.data and self.opens_on.data and fld.data < self.opens_on.data:
            raise ValidationError("The survey must close on or after the day it opens.")

    def validate_frequency_anchors(self, fld: TextAreaField) -> None:
        if len(lines(fld.data)) != len(lines(self.importance_anchors.data)):
            raise ValidationError("Both scales need the same number of labels (the same points).")


class QuestionForm(FlaskForm):
    key = StringField(
        "Column name",
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(KEY_RE, message="Lower-case letters, digits and _; start with a letter."),
        ],
    )
    label = StringField("Question", validators=[DataRequired(), Length(max=200)])
    options = TextAreaField(
        "Choices", validators=[DataRequired(), _distinct_lines(2, 30, "choices")]
    )
    submit = SubmitField("Save question")


class MoveForm(FlaskForm):
    direction = SelectField("Move", choices=[("up", "Up"), ("down", "Down")])


class DeleteForm(FlaskForm):
    confirm = BooleanField(
        "Yes, delete this question", validators=[DataRequired("Tick the box to confirm.")]
    )


class DefaultQuestionsForm(FlaskForm):
    submit = SubmitField("Add the default questions")


class OpenSurveyForm(FlaskForm):
    confirm = BooleanField(
        "I have checked the questions, scales and dates; open the survey",
        validators=[DataRequired("Tick the box to confirm.")],
    )
    note = StringField("Note for the audit log", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Open the survey")


class CloseSurveyForm(FlaskForm):
    confirm = BooleanField(
        "Close the survey now; no one can submit answers afterwards",
        validators=[DataRequired("Tick the box to confirm.")],
    )
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Close the survey")


class InvitationUploadForm(FlaskForm):
    file = FileField(
        "Email addresses (CSV)",
        validators=[FileRequired("Choose a CSV file."), FileAllowed(["csv", "txt"], "Upload .csv")],
    )
    submit = SubmitField("Send invitations")


class ReminderForm(FlaskForm):
    submit = SubmitField("Send reminders")


class ResponsesImportForm(FlaskForm):
    file = FileField(
        "Responses file",
        validators=[
            FileRequired("Choose a CSV or XLSX file."),
            FileAllowed(["csv", "xlsx"], "Upload a .csv or .xlsx file."),
        ],
    )
    submit = SubmitField("Import responses")


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
