"""Supervised hours forms: field validation only, no writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import NumberInput

from certify.models import SETTINGS, SUPERVISOR_LICENSES
from core.units import is_quarter_hours, minutes_from_hours

# IC&RC Peer Recovery performance domains, offered as suggestions; any text is accepted.
PERFORMANCE_DOMAINS = (
    "Advocacy",
    "Mentoring and Education",
    "Recovery and Wellness Support",
    "Ethical Responsibility",
)


class HoursEntryForm(FlaskForm):
    """A trainee's work, volunteer or supervision hours on one day."""

    board_id = SelectField("Certification board", coerce=int, validators=[InputRequired()])
    kind = RadioField(
        "What did you do?",
        choices=[
            ("experience", "Work or volunteer experience"),
            ("supervision", "Supervision session"),
        ],
        default="experience",
        validators=[InputRequired(message="Choose experience or supervision.")],
    )
    worked_on = DateField(
        "Date", validators=[InputRequired(message="Enter the date you worked (YYYY-MM-DD).")]
    )
    hours = DecimalField(
        "Hours",
        places=2,
        widget=NumberInput(step="0.25", min="0.25", max="24"),
        validators=[InputRequired(message="Enter the hours, for example 2.5.")],
    )
    setting = SelectField(
        "Setting",
        choices=[(s, s) for s in SETTINGS],
        validators=[InputRequired(message="Choose a setting.")],
    )
    paid = RadioField(
        "Paid or volunteer",
        choices=[("volunteer", "Volunteer"), ("paid", "Paid")],
        default="volunteer",
        validators=[InputRequired(message="Choose paid or volunteer.")],
    )
    performance_domain = StringField(
        "Performance domain",
        validators=[Optional(), Length(max=120)],
        render_kw={"list": "performance-domains", "autocomplete": "off"},
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    supervisor_email = EmailField(
        "Supervisor's email",
        validators=[
            DataRequired(message="Enter your supervisor's email."),
            Email(message="Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    supervisor_name = StringField(
        "Supervisor's full name", validators=[Optional(), Length(max=200)]
    )
    submit = SubmitField("Log hours")

    def __init__(self, *args: Any, today: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if today:
            self.worked_on.render_kw = {"max": today}

    def validate_hours(self, field: DecimalField) -> None:
        if field.data is not None and not is_quarter_hours(field.data):
            raise ValidationError("Enter hours in steps of 0.25 (15 minutes), for example 2.5.")

    @property
    def minutes(self) -> int:
        """The hours typed, as whole minutes."""
        return minutes_from_hours(self.hours.data or Decimal(0))


class SupervisorProfileForm(FlaskForm):
    """A supervisor's license for one board."""

    board_id = SelectField("Board", coerce=int, validators=[InputRequired()])
    license_type = SelectField(
        "License type",
        choices=[(key, label) for key, (label, _) in SUPERVISOR_LICENSES.items()],
        validators=[InputRequired(message="Choose your license type.")],
    )
    license_number = StringField(
        "License number",
        validators=[DataRequired(message="Enter your license number."), Length(max=60)],
    )
    license_state = StringField(
        "Issuing state",
        validators=[DataRequired(message="Enter the state that issued it."), Length(max=40)],
    )
    submit = SubmitField("Save license")


class RejectHoursForm(FlaskForm):
    """Why a supervisor does not confirm an entry."""

    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired(message="Give a reason so the trainee knows what to correct."),
            Length(max=2000),
        ],
    )
    submit = SubmitField("Reject entry")


class VerifySupervisorForm(FlaskForm):
    """A reviewer's record of how a license was checked."""

    note = StringField("How you checked (optional)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Verify supervisor")


class ApproveSupervisorForm(FlaskForm):
    """The board accepts a supervisor trainees named (a confirmation with its CSRF token)."""

    submit = SubmitField("Approve as supervisor")


class DeclineSupervisorForm(FlaskForm):
    """Why the board does not accept a supervisor trainees named (the trainees read it)."""

    reason = TextAreaField(
        "Reason (the trainees read it)",
        validators=[DataRequired(message="Give the reason the trainees will read."),
                    Length(max=2000)],
    )  # fmt: skip
    submit = SubmitField("Decline and reject their pending entries")


class ConfirmForm(FlaskForm):
    """An empty form: a confirmation with its CSRF token."""

    submit = SubmitField("Delete entry")
