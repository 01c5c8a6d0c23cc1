"""Forms for CE settings, categories and rule versions; field checks only, no writes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ceu.compliance import PRORATIONS, ROUNDINGS
from ceu.forms import hours_field
from ceu.models import AUDIT_CONSEQUENCES

CAP_ROWS = 3
# what a cap may limit: delivery modes (sets that nest) or one category ("category:<id>")
MODE_SCOPES = {
    "live_online,self_study": "Self-study and live online together",
    "self_study": "Self-study / on-demand online",
    "live_online": "Live online (webinar)",
    "in_person": "In person",
}


class SettingsForm(FlaskForm):
    show_ceus = BooleanField("Show CEUs (1 CEU = 10 contact hours) instead of hours")
    audit_consequence = SelectField(
        "When a CE audit fails", choices=list(AUDIT_CONSEQUENCES.items())
    )
    submit = SubmitField("Save settings")


class CategoryForm(FlaskForm):
    code = StringField(
        "Code", validators=[DataRequired(), Length(max=30)], description="e.g. ethics"
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Add category")


class MinimumRow(Form):
    category_id = HiddenField()
    hours = hours_field("Minimum hours", required=False)


class CapRow(Form):
    label = StringField("Label", validators=[Optional(), Length(max=120)])
    percent = IntegerField("At most (% of the total)", validators=[Optional(), NumberRange(0, 100)])
    scope = SelectField("Limits", validators=[Optional()])


class RuleVersionForm(FlaskForm):
    effective_on = DateField(
        "In force from", validators=[InputRequired(message="Give the day it takes effect.")]
    )
    total_hours = hours_field("CE hours per cycle")
    cycle_kind = RadioField(
        "Cycle",
        choices=[
            ("renewal", "The credential's renewal cycle, ending on its expiry day"),
            ("calendar", "Calendar periods (e.g. 18 hours every calendar year)"),
        ],
        default="renewal",
        validators=[InputRequired()],
    )
    calendar_months = SelectField(
        "Calendar period",
        choices=[(12, "12 months"), (24, "24 months"), (36, "36 months")],
        coerce=int,
        default=12,
    )
    calendar_first_year = IntegerField(
        "First period began in January of", validators=[Optional(), NumberRange(1990, 2100)]
    )
    minimums = FieldList(FormField(MinimumRow), min_entries=0)
    caps = FieldList(FormField(CapRow), min_entries=CAP_ROWS, max_entries=CAP_ROWS)
    proration = SelectField("First cycle", choices=list(PRORATIONS.items()), default="none")
    rounding = SelectField(
        "Rounding of a prorated requirement",
        choices=[(k, v.capitalize()) for k, v in ROUNDINGS.items()],
        default="down_hour",
    )
    carry_over_hours = hours_field("Carry-over into the next cycle (hours, 0 for none)")
    reinstatement_hours = hours_field("Reinstatement after the grace period: extra CE hours")
    submit = SubmitField("Save rule version")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Delete")
