"""Forms of renewal: the holder's request, staff's decision, the board's policy."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from certify.renewal.models import REVIEW_CHOICES


class RenewForm(FlaskForm):
    """The attestations are checkboxes named `attestation` (one per board text)."""

    fee_paid = BooleanField("I have paid the fee to the board")
    note = TextAreaField(
        "Anything the board should know (optional; staff then review your request)",
        validators=[Length(max=4000)],
    )
    submit = SubmitField("Ask to renew")


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[("approve", "Approve"), ("reject", "Reject")],
        validators=[InputRequired("Choose approve or reject.")],
    )
    reason = TextAreaField("Reason (required to reject; the certificant reads it)",
                           validators=[Length(max=2000)])  # fmt: skip
    fee_paid = BooleanField("The board received the fee")
    exam_passed_on = DateField("Exam passed again on (reinstatement)", validators=[Optional()])
    confirm = BooleanField("I confirm this decision", validators=[DataRequired("Tick to confirm.")])
    submit = SubmitField("Record decision")


class PolicyForm(FlaskForm):
    window_days = IntegerField(
        "Renewal opens this many days before expiry",
        default=90,
        validators=[InputRequired(), NumberRange(0, 365)],
    )
    grace_days = IntegerField(
        "Grace period after expiry (days; renewal is still possible)",
        default=0,
        validators=[InputRequired(), NumberRange(0, 365)],
    )
    attestations = TextAreaField(
        "Attestations the certificant ticks (one per line)", validators=[Length(max=5000)]
    )
    fee_required = BooleanField("Renewal has a fee")
    review = SelectField("Staff review", choices=list(REVIEW_CHOICES.items()), default="all")
    reinstatement_fee = BooleanField("Reinstatement after the grace period has a fee")
    reinstatement_exam = BooleanField("Reinstatement needs the exam passed again")
    submit = SubmitField("Save renewal rules")
