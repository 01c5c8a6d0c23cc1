"""Flask-WTF forms of delivery: field checks only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


class WindowForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    opens_on = DateField("Opens on", validators=[InputRequired()])
    closes_on = DateField("Closes on", validators=[InputRequired()])
    minutes = IntegerField(
        "Time allowed (minutes)", validators=[InputRequired(), NumberRange(min=1, max=600)]
    )
    submit = SubmitField("Create the window")


class RulesForm(FlaskForm):
    wait_days = IntegerField(
        "Days to wait after an attempt", validators=[InputRequired(), NumberRange(min=0, max=365)]
    )
    attempts = IntegerField(
        "Attempts in 365 days", validators=[InputRequired(), NumberRange(min=1, max=12)]
    )
    submit = SubmitField("Save the retake rules")


class AccommodationForm(FlaskForm):
    extra_minutes = IntegerField(
        "Extra minutes", validators=[InputRequired(), NumberRange(min=0, max=600)]
    )
    note = StringField("Note", validators=[Length(max=300)])
    submit = SubmitField("Save")


class ScoreWindowForm(FlaskForm):
    submit = SubmitField("Score this window")


class SimpleForm(FlaskForm):
    """CSRF only (register, start, submit)."""


class AnswerForm(FlaskForm):
    """One answer: the item, where the candidate is, the flag; ``choice`` is read raw.

    Rendered on the sitting page; the save endpoint reads these fields from the request
    itself (no form object per click), so a change here is a change there too.
    """

    form_item_id = IntegerField(validators=[InputRequired()])
    position = IntegerField(validators=[InputRequired()])
    flagged = BooleanField("Flag for review")
    go = HiddenField()
