"""Forms for adding CE, evidence, and the board's review of other activities; no writes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ceu.compliance import DELIVERY_MODES
from ceu.forms import hours_field, not_in_future

EVIDENCE_TYPES = FileAllowed(["pdf", "jpg", "jpeg", "png"], "PDF, JPEG or PNG only.")


class CourseRecordForm(FlaskForm):
    """An approved course: only the day it was completed is asked."""

    completed_on = DateField(
        "Completed on",
        validators=[InputRequired(message="Enter the day you completed it."), not_in_future],
    )
    evidence = FileField("Certificate (optional)", validators=[Optional(), EVIDENCE_TYPES])
    submit = SubmitField("Add to my CE")


class OtherActivityForm(FlaskForm):
    """Another activity, with its certificate; the board reviews it."""

    board_id = SelectField("Board", coerce=int, validators=[InputRequired()])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    provider_name = StringField("Provider", validators=[Optional(), Length(max=200)])
    completed_on = DateField(
        "Completed on",
        validators=[InputRequired(message="Enter the day you completed it."), not_in_future],
    )
    hours = hours_field("Hours", maximum="40")
    category_id = SelectField("Category", coerce=int, validators=[InputRequired()])
    delivery_mode = SelectField(
        "Delivery", choices=list(DELIVERY_MODES.items()), validators=[InputRequired()]
    )
    evidence = FileField(
        "Certificate of attendance",
        validators=[FileRequired("Attach the certificate (PDF, JPEG or PNG)."), EVIDENCE_TYPES],
    )
    submit = SubmitField("Send for review")


class ResubmitForm(OtherActivityForm):
    evidence = FileField(
        "New certificate (optional if the one on file is right)",
        validators=[Optional(), EVIDENCE_TYPES],
    )
    submit = SubmitField("Correct and send again")


class EvidenceForm(FlaskForm):
    evidence = FileField("Certificate", validators=[FileRequired("Choose a file."), EVIDENCE_TYPES])
    submit = SubmitField("Upload")


class ReviewForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("Reason (the person reads it)", validators=[Length(max=2000)])
    confirm = BooleanField("I confirm this decision")
    submit = SubmitField("Confirm")


class ConfirmForm(FlaskForm):
    """An empty form: a confirmation with its CSRF token."""

    submit = SubmitField("Confirm")
