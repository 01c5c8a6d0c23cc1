"""Training forms: programs, modules, approval, cohorts, attendance and roster upload."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from core.units import is_quarter_hours, minutes_from_hours


class ProgramForm(FlaskForm):
    name = StringField("Program name", validators=[DataRequired(), Length(max=200)])
    provider = StringField("Training provider", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Create program")


class ModuleForm(FlaskForm):
    title = StringField("Module title", validators=[DataRequired(), Length(max=200)])
    hours = DecimalField(
        "Hours",
        places=2,
        validators=[
            InputRequired("Enter the module's hours."),
            NumberRange(Decimal("0.25"), Decimal("200"), "Enter 0.25 to 200 hours."),
        ],
    )
    category = StringField("Training category", validators=[Optional(), Length(max=80)])
    performance_domain = StringField(
        "RDS performance domain", validators=[Optional(), Length(max=120)]
    )
    submit = SubmitField("Add module")

    def validate_hours(self, field: DecimalField) -> None:
        if field.data is not None and not is_quarter_hours(field.data):
            raise ValidationError("Use quarter hours (steps of 0.25).")

    @property
    def minutes(self) -> int:
        """The hours entered, as whole minutes."""
        return minutes_from_hours(self.hours.data)


class MoveForm(FlaskForm):
    direction = HiddenField("Direction", validators=[AnyOf(["up", "down"])])


class ApprovalForm(FlaskForm):
    decision = HiddenField("Decision", validators=[AnyOf(["approve", "withdraw"])])
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Give the reason for this decision."), Length(max=1000)]
    )
    confirm = BooleanField(
        "I understand what this decision changes",
        validators=[DataRequired("Tick the box to confirm.")],
    )
    submit = SubmitField("Confirm")


class CohortForm(FlaskForm):
    program_id = SelectField("Approved program", coerce=int, validators=[DataRequired()])
    name = StringField("Cohort name", validators=[DataRequired(), Length(max=200)])
    starts_on = DateField("Starts on", validators=[DataRequired("Enter a date (YYYY-MM-DD).")])
    trainer_id = SelectField("Trainer", coerce=int, validators=[Optional()])
    submit = SubmitField("Create cohort")


class AttendanceForm(FlaskForm):
    email = EmailField("Trainee email", validators=[DataRequired(), Email(), Length(max=254)])
    module_id = SelectField("Module", coerce=int, validators=[DataRequired()])
    attended_on = DateField("Date attended", validators=[DataRequired("Enter a date.")])
    minutes = IntegerField(
        "Minutes attended",
        validators=[
            InputRequired("Enter the minutes attended."),
            NumberRange(min=0, max=24 * 60, message="Enter 0 to 1,440 minutes (one day)."),
        ],
    )
    submit = SubmitField("Record attendance")


class RosterForm(FlaskForm):
    roster = FileField(
        "Roster file (CSV)",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv"], "Upload a .csv file."),
        ],
    )
    submit = SubmitField("Upload roster")
