"""Forms of the SME workshop: the panel, its file import and task resolutions (no writes)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from rds.scope.forms import SCOPE_FILES


class SmeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the name."), Length(max=200)])
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter the email address."),
            Email("Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    background = StringField(
        "Background",
        validators=[Optional(), Length(max=1000)],
        description="e.g. certified peer specialist, supervisor, trainer",
    )
    years_experience = IntegerField(
        "Years of experience",
        validators=[Optional(), NumberRange(0, 70, "Enter 0 to 70 years.")],
    )
    submit = SubmitField("Add expert")


class SmeImportForm(FlaskForm):
    file = FileField(
        "SME list (.csv or .xlsx)", validators=[FileRequired("Choose a file."), SCOPE_FILES]
    )
    submit = SubmitField("Import experts")


class ResolveForm(FlaskForm):
    resolution = SelectField(
        "Decision",
        choices=[("keep", "Keep"), ("revise", "Revise"), ("drop", "Drop")],
        validators=[DataRequired("Choose keep, revise or drop.")],
    )
    statement = TextAreaField("Revised statement", validators=[Optional(), Length(max=2000)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Save decision")
