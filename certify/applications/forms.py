"""Forms for the trainee's profile, applications, documents and review decisions."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from certify.config.forms import MultiCheckboxField
from certify.models import DOCUMENT_KINDS, EDUCATION_LEVELS


def not_in_future(form: FlaskForm, field: DateField) -> None:
    if field.data and field.data > date.today():
        raise ValidationError("This date is in the future.")


class ProfileForm(FlaskForm):
    birth_date = DateField("Date of birth", validators=[Optional(), not_in_future])
    education = SelectField(
        "Highest education",
        choices=[("", "— choose —"), *EDUCATION_LEVELS.items()],
        validators=[Optional()],
    )
    lived_experience = BooleanField(
        "I self-identify as a person with lived experience of recovery from a mental health "
        "and/or substance use condition (or as a parent/caregiver, for family peer support)"
    )
    recovery_since = DateField("In recovery since", validators=[Optional(), not_in_future])
    residency_attested = BooleanField(
        "I live or work at least 51% of the time in this board's jurisdiction"
    )
    ethics_attested = BooleanField("I have read and signed the board's code of ethics")
    submit = SubmitField("Save my details")


class StaffFactsForm(FlaskForm):
    background_check_cleared = BooleanField("Background check cleared")
    fee_received = BooleanField("Fee received")
    exam_passed = BooleanField("Certification exam passed")
    reciprocity_verified = BooleanField("Credential from another board verified (reciprocity)")
    submit = SubmitField("Save board records")


class DecisionForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("Reason (the applicant reads it)", validators=[Length(max=2000)])
    override_reason = TextAreaField("Override reason", validators=[Length(max=2000)])
    confirm = BooleanField("I confirm this decision")
    submit = SubmitField("Confirm")


class DocumentForm(FlaskForm):
    kind = SelectField("Document type", choices=list(DOCUMENT_KINDS.items()))
    file = FileField(
        "File (PDF, JPEG or PNG, up to 5 MB)",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["pdf", "jpg", "jpeg", "png"], "PDF, JPEG or PNG only."),
        ],
    )
    submit = SubmitField("Upload")


class IssueForm(FlaskForm):
    endorsements = MultiCheckboxField("Endorsements", choices=[], validate_choice=True)
    override_reason = TextAreaField(
        "Override reason (requirements are unmet; kept in the history and audit trail)",
        validators=[Length(max=2000)],
    )
    submit = SubmitField("Issue credential")
