"""Forms of the employer workspace: field validation only, no writes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional


class OrganizationForm(FlaskForm):
    name = StringField(
        "Organization name",
        validators=[DataRequired("Enter the organization's name."), Length(max=200)],
    )
    submit = SubmitField("Create the organization")


class ColleagueForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter the email address."),
            Email("Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    full_name = StringField(
        "Full name", validators=[Optional(), Length(max=200)],
        description="Needed when the person has no account yet.",
    )  # fmt: skip
    submit = SubmitField("Add person")


class RosterForm(FlaskForm):
    file = FileField(
        "Staff roster (.csv or .xlsx)",
        validators=[
            FileRequired("Choose the roster file."),
            FileAllowed(["csv", "xlsx", "txt"], "Choose a .csv or .xlsx file."),
        ],
    )
    submit = SubmitField("Check the roster")


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Key name",
        validators=[DataRequired("Name the key after what will use it."), Length(max=100)],
        description="e.g. HR system, credentialing spreadsheet",
    )
    submit = SubmitField("Create key")


class ConfirmForm(FlaskForm):
    """A destructive step: the person ticks that they understand what happens."""

    confirm = BooleanField("I understand", validators=[DataRequired("Tick to confirm.")])
    submit = SubmitField("Confirm")


class ActionForm(FlaskForm):
    """A plain POST button (CSRF only)."""

    submit = SubmitField("Go")
