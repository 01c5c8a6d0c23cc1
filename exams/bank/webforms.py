"""Flask-WTF forms of the item bank: field validation only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

LEVELS = [("recall", "Recall"), ("application", "Application"), ("analysis", "Analysis")]
KEYS = [(str(i), letter) for i, letter in enumerate("ABCDE")]


class ItemForm(FlaskForm):
    """One version of an item; task choices come from the approved blueprint."""

    task = SelectField("Performance domain and task", validators=[DataRequired()])
    ksa_codes = StringField(
        "KSAs (codes, comma separated)", validators=[Optional(), Length(max=300)]
    )
    cognitive_level = SelectField("Cognitive level", choices=LEVELS, validators=[DataRequired()])
    stem = TextAreaField("Stem", validators=[DataRequired(), Length(max=4000)])
    option_a = TextAreaField("Option A", validators=[DataRequired(), Length(max=1000)])
    option_b = TextAreaField("Option B", validators=[DataRequired(), Length(max=1000)])
    option_c = TextAreaField("Option C", validators=[DataRequired(), Length(max=1000)])
    option_d = TextAreaField("Option D (optional)", validators=[Optional(), Length(max=1000)])
    option_e = TextAreaField("Option E (optional)", validators=[Optional(), Length(max=1000)])
    key = SelectField("Key (the correct option)", choices=KEYS, validators=[DataRequired()])
    rationale = TextAreaField("Rationale", validators=[Optional(), Length(max=4000)])
    references = TextAreaField("References", validators=[Optional(), Length(max=2000)])

    def option_texts(self) -> tuple[str, ...]:
        """The options given, in order, up to the last one filled in."""
        texts = [
            (f.data or "").strip()
            for f in (self.option_a, self.option_b, self.option_c, self.option_d, self.option_e)
        ]
        while texts and not texts[-1]:
            texts.pop()
        return tuple(texts)


class NoteForm(FlaskForm):
    """A reviewer's note, or a reason (send back, retire)."""

    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])


class ActionForm(FlaskForm):
    """A button that only carries the CSRF token."""


class EnemyForm(FlaskForm):
    code = StringField("Item code", validators=[DataRequired(), Length(max=40)])
    note = StringField("Why (optional)", validators=[Optional(), Length(max=300)])


class ImportForm(FlaskForm):
    credential_type = SelectField("Credential type", coerce=int, validators=[InputRequired()])
    file = FileField(
        "Items file (CSV or XLSX)",
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], "Upload a .csv or .xlsx file.")],
    )


class AssignmentForm(FlaskForm):
    writer = SelectField("Item writer", coerce=int, validators=[InputRequired()])
    task = SelectField("Task", validators=[DataRequired()])
    items_requested = IntegerField(
        "Items requested", validators=[InputRequired(), NumberRange(min=1, max=500)]
    )
    due_on = DateField("Due on", validators=[Optional()])
    note = StringField("Note", validators=[Optional(), Length(max=500)])
