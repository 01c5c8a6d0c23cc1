"""Forms for board staff's credential changes: status, discipline and upgrade."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from certify.models import DISCIPLINE_KINDS


class StatusForm(FlaskForm):
    target = SelectField("New status", choices=[])
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=2000)])
    confirm = BooleanField(
        "I understand the holder is emailed and the public page changes",
        validators=[DataRequired("Tick to confirm.")],
    )
    submit = SubmitField("Change status")


class DisciplineForm(FlaskForm):
    kind = SelectField("Action", choices=list(DISCIPLINE_KINDS.items()))
    started_on = DateField("Date", validators=[DataRequired()], default=date.today)
    scheduled = BooleanField("Scheduled: it starts on a future date")
    public = BooleanField("Publish on the public verification page")
    public_summary = TextAreaField("Public summary", validators=[Length(max=1000)])
    internal_notes = TextAreaField("Internal notes (never public)", validators=[Length(max=4000)])
    submit = SubmitField("Record action")


class UpgradeForm(FlaskForm):
    credential_type_id = SelectField("Full credential", coerce=int, choices=[])
    submit = SubmitField("Upgrade to the full credential")


class WithdrawRevocationForm(FlaskForm):
    reason = TextAreaField(
        "Why the revocation is withdrawn", validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField("Withdraw the request")
