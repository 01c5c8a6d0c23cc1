"""Validation survey forms: settings, questions, opening and closing, files (no writes)."""

from __future__ import annotations

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
from wtforms.widgets import HiddenInput

KEY_RE = r"^[a-z][a-z0-9_]*$"


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
    min_respondents = IntegerField(
        "Minimum respondents for a blueprint",
        validators=[Optional(), NumberRange(min=1, max=1_000_000, message="At least 1.")],
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
    # the responses still missing that the page stated (the service checks they still are)
    missing = IntegerField(widget=HiddenInput(), validators=[Optional()])
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
