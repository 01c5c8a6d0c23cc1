"""Forms for starting an audit, deciding audited activities and closing a person's audit."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ceu.audits.services import OUTCOMES


class StartAuditForm(FlaskForm):
    cycles_from = DateField("Cycles that ended from", validators=[InputRequired()])
    cycles_to = DateField("to", validators=[InputRequired()])
    credential_type_id = SelectField("Credential type", coerce=int, validators=[Optional()])
    percent = IntegerField(
        "Sample (% of those who renewed)",
        default=5,
        validators=[InputRequired(), NumberRange(1, 100)],
    )
    stratified = BooleanField("The same percentage of each credential type (stratified)")
    due_on = DateField("Evidence due by", validators=[InputRequired()])
    seed = IntegerField(
        "Seed (leave empty for a random one; give one to repeat a draw)",
        validators=[Optional(), NumberRange(1, 2**31 - 1)],
    )
    submit = SubmitField("Draw the sample and notify")


class ItemForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("Reason (the person reads it)", validators=[Length(max=2000)])
    submit = SubmitField("Save")


class OutcomeForm(FlaskForm):
    outcome = RadioField("Outcome", choices=list(OUTCOMES.items()), validators=[InputRequired()])
    reason = TextAreaField("Reason (the person reads it)", validators=[Length(max=2000)])
    extended_until = DateField("New due day (for an extension)", validators=[Optional()])
    confirm = BooleanField("I confirm this outcome")
    submit = SubmitField("Close this person's audit")


class SubmitEvidenceForm(FlaskForm):
    submit = SubmitField("My evidence is complete: send it to the board")


class ExtensionForm(FlaskForm):
    cycle_end = HiddenField(validators=[DataRequired()])
    until = DateField("Extended until", validators=[InputRequired()])
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Grant extension")
