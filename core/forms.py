"""Account and staff forms: field validation only, no writes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

PASSWORD_RULES = [DataRequired(), Length(min=10, max=128, message="Use 10 to 128 characters.")]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])
    submit = SubmitField("Log in")


class RegisterForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    account_type = RadioField(
        "I am",
        choices=[("trainee", "A trainee or certificant"), ("employer", "An employer")],
        default="trainee",
        validators=[DataRequired()],
    )
    board_id = SelectField("Certification board", coerce=int, validators=[Optional()])
    password = PasswordField("Password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Create account")


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Save password")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    submit = SubmitField("Email me a reset link")


class InviteStaffForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        "Role",
        choices=[
            ("board_reviewer", "Board reviewer"),
            ("board_admin", "Board administrator"),
            ("psychometrician", "Psychometrician"),
            ("supervisor", "Supervisor"),
            ("trainer", "Trainer"),
        ],
        validators=[DataRequired()],
    )
    submit = SubmitField("Send invitation")
