"""Flask-WTF forms of standard setting: field checks only (the services decide the rest)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class JudgeChoice(SelectMultipleField):
    """Judges as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class StartPanelForm(FlaskForm):
    judges = JudgeChoice("Judges", coerce=int, validators=[InputRequired("Choose the judges.")])
    submit = SubmitField("Invite the panel")


class RatingsForm(FlaskForm):
    """CSRF and the two buttons; the ratings are read from ``r-<form item id>`` fields."""

    save = SubmitField("Save")
    finish = SubmitField("Submit this round")


class Round2Form(FlaskForm):
    submit = SubmitField("Open round 2")


class AdoptForm(FlaskForm):
    round = SelectField("Ratings of", coerce=int, choices=[(2, "Round 2"), (1, "Round 1")])
    raw_cut = DecimalField(
        "Raw cut score to adopt",
        places=2,
        validators=[Optional(), NumberRange(min=0, message="The cut cannot be negative.")],
        description="Leave empty to adopt the panel's cut as it is.",
    )
    note = TextAreaField("Note (why, when the cut differs from the panel's)", [Length(max=1000)])
    submit = SubmitField("Adopt this cut score")
