"""Account and staff forms: field validation only, no writes.

Importing this module also gives every FlaskForm of the project (core's and the modules')
the text filters below, so no name, title or email can carry a line break into a header, and
the bounds below, so no field takes a value the database or date arithmetic cannot hold: text
has a length limit, numbers are finite and bounded, dates fall between the years 1900 and
2199. A field's own, narrower validators still apply and word the usual errors.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    Field,
    FloatField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.meta import DefaultMeta
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from core.passwords import is_common

# Characters that end a line somewhere (CR, LF, tab, VT, FF, FS-US, NEL, U+2028, U+2029) and
# the other C0 and C1 control characters and DEL.
_BREAKS = "\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029"
_OTHER_CONTROLS = "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
_BREAK_RUNS = re.compile(f"[{_BREAKS}]+")
_CONTROL_CHARS = re.compile(f"[{_OTHER_CONTROLS}]")
_NEWLINES = re.compile("\r\n|[\r\x85\u2028\u2029]")
_MULTI_LINE_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")


def single_line(value: Any) -> Any:
    """Text on one line: line breaks and tabs become one space, other control characters go."""
    if not isinstance(value, str):
        return value
    return _CONTROL_CHARS.sub("", _BREAK_RUNS.sub(" ", value))


def multi_line(value: Any) -> Any:
    """Text that may span lines: newlines become LF; tabs stay; other control characters go."""
    if not isinstance(value, str):
        return value
    return _MULTI_LINE_DROPPED.sub("", _NEWLINES.sub("\n", value))


def text_filter(field: Field) -> Any:
    """The filter a bound field gets: multi_line for text areas, none for passwords."""
    if isinstance(field, PasswordField) or not isinstance(field, StringField):
        return None
    return multi_line if isinstance(field, TextAreaField) else single_line


def longest(field: Field) -> int | None:
    """The most characters a text field's Length validator allows (None without one)."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max >= 0]
    return min(limits) if limits else None


def oversize_guard(field: Field) -> Any:
    """A filter that refuses text far longer than the field allows without keeping it.

    Text over twice the field's limit (at least 1,000 characters over) is cut to the limit,
    with an error that says how long it was, so the page that reports the error does not
    send megabytes back to the browser; shorter overruns keep their text for the person to
    trim, and the field's Length validator words the error.
    """
    limit = longest(field)

    def guard(value: Any) -> Any:
        if (
            limit is None
            or not isinstance(value, str)
            or len(value) <= max(2 * limit, limit + 1000)
        ):
            return value
        field.process_errors.append(
            f"This was {len(value):,} characters long; at most {limit:,} are allowed. "
            f"Only the first {limit:,} are shown here: shorten it and send it again."
        )
        return value[:limit]

    return guard


# The bounds a field gets when it has none of its own (see the module's docstring).
LONGEST_LINE = 1_000
LONGEST_TEXT = 20_000
LARGEST_NUMBER = 1_000_000_000
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)
_NUMBER_FIELDS = (IntegerField, DecimalField, FloatField)
_RANGE_MESSAGES = {
    (-LARGEST_NUMBER, LARGEST_NUMBER): f"Enter a number between -{LARGEST_NUMBER:,} and "
    f"{LARGEST_NUMBER:,}.",
    (-LARGEST_NUMBER, None): f"Enter a number of at least -{LARGEST_NUMBER:,}.",
    (None, LARGEST_NUMBER): f"Enter a number of at most {LARGEST_NUMBER:,}.",
}


def finite_number(form: Any, field: Field) -> None:
    """Refuse NaN and infinities, which compare with nothing (and make Decimal raise)."""
    data = field.data
    if isinstance(data, (Decimal, float)) and not math.isfinite(data):
        raise StopValidation("Enter a number.")


def date_in_range(form: Any, field: Field) -> None:
    """Refuse dates no record of this platform can have (and that date arithmetic overflows)."""
    if isinstance(field.data, date) and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(
            f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year} "
            f"(this was {field.data.isoformat()})."
        )


def bounds(field: Field) -> list[Any]:
    """The validators a bound field lacks to be bounded: a length limit for text, finiteness
    and a range for numbers, a year range for dates."""
    if isinstance(field, StringField) and not isinstance(field, PasswordField):
        if longest(field) is not None:
            return []
        limit = LONGEST_TEXT if isinstance(field, TextAreaField) else LONGEST_LINE
        return [Length(max=limit, message=f"Use at most {limit:,} characters.")]
    if isinstance(field, _NUMBER_FIELDS):
        ranges = [v for v in field.validators if isinstance(v, NumberRange)]
        low = None if any(v.min is not None for v in ranges) else -LARGEST_NUMBER
        high = None if any(v.max is not None for v in ranges) else LARGEST_NUMBER
        wanted: list[Any] = [finite_number]
        if low is not None or high is not None:
            wanted.append(NumberRange(min=low, max=high, message=_RANGE_MESSAGES[low, high]))
        return wanted
    if isinstance(field, DateField):
        return [date_in_range]
    return []


def _bind_with_guards(meta: Any, form: Any, unbound_field: Any, options: Any) -> Field:
    field = _plain_bind_field(meta, form, unbound_field, options)
    extra = text_filter(field)
    if extra is not None and extra not in field.filters:
        field.filters = (extra, *field.filters)  # first, so a field's own filters see clean text
    missing = bounds(field)
    if missing:
        # a new list: the unbound field's validators are shared by every form instance
        finite = [v for v in missing if v is finite_number]
        others = [v for v in missing if v is not finite_number]
        field.validators = [*finite, *field.validators, *others]
    if isinstance(field, StringField) and not isinstance(field, PasswordField) and longest(field):
        field.filters = (oversize_guard(field), *field.filters)
    return field


# wtforms' hook for customising how fields bind, set on the default Meta (which FlaskForm's
# Meta, and so every form's, inherits, and which the rows of a FieldList or FormField use)
# rather than on a base class: the modules' forms subclass FlaskForm or Form directly.
_plain_bind_field = DefaultMeta.bind_field
if getattr(_plain_bind_field, "__name__", "") != _bind_with_guards.__name__:
    DefaultMeta.bind_field = _bind_with_guards  # type: ignore[method-assign]


def _not_common(form: Any, field: Any) -> None:
    if field.data and is_common(field.data):
        raise ValidationError(
            "This password is among the first that guessers try; choose a less common one "
            "(a few unrelated words work well)."
        )


PASSWORD_RULES = [
    DataRequired(),
    Length(min=10, max=128, message="Use 10 to 128 characters."),
    _not_common,
]


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


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=PASSWORD_RULES)
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Change password")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    submit = SubmitField("Email me a reset link")


class ResendActivationForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    submit = SubmitField("Email me a new activation link")


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
            ("exam_manager", "Exam manager"),
            ("item_writer", "Item writer"),
            ("item_reviewer", "Item reviewer"),
            ("sme_judge", "SME judge"),
        ],
        validators=[DataRequired()],
    )
    submit = SubmitField("Send invitation")


class BoardForm(FlaskForm):
    """A new board, created by a platform admin."""

    slug = StringField(
        "Short name",
        validators=[DataRequired(), Length(min=3, max=40)],
        description="Lowercase letters, digits and hyphens; used in links, e.g. ne-dbh.",
    )
    name = StringField("Board name", validators=[DataRequired(), Length(max=200)])
    jurisdiction = StringField("Jurisdiction", validators=[DataRequired(), Length(max=100)])
    contact_email = EmailField("Contact email", validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField("Create board")
