"""RDS analysis forms: run options, retention overrides and blueprint approval (no writes)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

METHODS = [
    ("multiplicative", "Multiplicative: mean of importance × frequency per respondent"),
    ("product-of-means", "Product of means: mean importance × mean frequency"),
    ("additive", "Additive: (mean importance + mean frequency) / 2"),
    ("geometric", "Geometric: √(mean importance × mean frequency)"),
]


class AnalysisRunForm(FlaskForm):
    method = SelectField("Criticality method", choices=METHODS, default="multiplicative")
    importance_min = DecimalField(
        "Minimum mean importance",
        default=2.0,
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100, message="Between 0 and 100.")],
        render_kw={"step": "0.1", "inputmode": "decimal"},
    )
    performing_min = DecimalField(
        "Minimum share performing (0 to 1)",
        default=0.5,
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=1, message="A share from 0 to 1.")],
        render_kw={"step": "0.05", "inputmode": "decimal"},
    )
    items = IntegerField(
        "Total exam items",
        default=150,
        validators=[InputRequired(), NumberRange(min=1, max=1000, message="From 1 to 1000.")],
    )
    min_per_domain = IntegerField(
        "Minimum items per domain",
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=500, message="From 0 to 500.")],
    )
    min_group = IntegerField(
        "Minimum subgroup size",
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=100_000, message="At least 1.")],
    )
    importance_basis = SelectField(
        "Importance of a task over",
        choices=[("all", "every respondent"), ("performers", "the respondents who perform it")],
        default="all",
    )
    importance_rule = SelectField(
        "Retain on",
        choices=[
            ("mean", "the mean importance"),
            ("lower-bound", "the lower limit of the 95% CI of the mean importance"),
        ],
        default="mean",
    )
    criticality_min = DecimalField(
        "Minimum criticality (optional)",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100, message="Between 0 and 100.")],
        render_kw={"step": "0.1", "inputmode": "decimal"},
    )
    submit = SubmitField("Run analysis")


class OverrideForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[("keep", "Keep the task in the blueprint"), ("drop", "Drop the task")],
        validators=[DataRequired(message="Choose keep or drop.")],
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired(message="Write why the task's retention is overridden."),
            Length(min=10, max=2000, message="Write 10 to 2000 characters."),
        ],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Save override")


class ClearOverrideForm(FlaskForm):
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField("Clear override")


class RerunForm(FlaskForm):
    submit = SubmitField("Rerun with the overrides")


class ApproveForm(FlaskForm):
    note = TextAreaField(
        "Approval note",
        validators=[
            DataRequired(message="Write a note for the record, e.g. the board meeting."),
            Length(min=5, max=2000, message="Write 5 to 2000 characters."),
        ],
        render_kw={"rows": 3},
    )
    confirm = BooleanField(
        "I understand that approving freezes this blueprint; later changes need a new version.",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )
    acknowledge = BooleanField(
        "I acknowledge the concerns listed and approve the blueprint anyway."
    )
    acknowledgement = TextAreaField(
        "Why the board approves it anyway",
        validators=[Optional(), Length(max=2000, message="Write at most 2000 characters.")],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Approve blueprint")


class ScreeningForm(FlaskForm):
    exclude_blank = BooleanField("Exclude blank submissions")
    exclude_straight_lining = BooleanField("Exclude straight-lined responses")
    exclude_too_fast = BooleanField("Exclude implausibly fast web submissions")
    exclude_non_incumbent = BooleanField("Exclude respondents who are not incumbents")
    seconds_per_task = DecimalField(
        "Fewest seconds per task rated",
        default=2.0,
        places=1,
        validators=[InputRequired(), NumberRange(min=0.1, max=120, message="0.1 to 120 seconds.")],
        render_kw={"step": "0.5", "inputmode": "decimal"},
    )
    non_incumbent = SelectMultipleField(
        "Answers that mean “not an incumbent”", choices=[], validate_choice=True
    )
    reason = TextAreaField(
        "Reason for these decisions",
        validators=[
            DataRequired(message="Write why these rules apply."),
            Length(min=10, max=2000, message="Write 10 to 2000 characters."),
        ],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Save the screening decisions")


class DomainReviewForm(FlaskForm):
    change = DecimalField(
        "Weight change (percentage points)",
        places=1,
        validators=[Optional(), NumberRange(min=-5, max=5, message="Between -5 and +5 points.")],
        render_kw={"step": "0.5", "inputmode": "decimal"},
    )
    reason = TextAreaField(
        "Reason", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    recall = IntegerField(
        "Recall %", validators=[Optional(), NumberRange(min=0, max=100, message="0 to 100.")]
    )
    application = IntegerField(
        "Application %", validators=[Optional(), NumberRange(min=0, max=100, message="0 to 100.")]
    )
    analysis = IntegerField(
        "Analysis %", validators=[Optional(), NumberRange(min=0, max=100, message="0 to 100.")]
    )
    submit = SubmitField("Save the panel's review")


class WeightJudgmentForm(FlaskForm):
    """A judge's direct weights; the percent per domain is posted as ``pct-<domain id>``."""

    judge = StringField(
        "Judge",
        validators=[DataRequired(message="Name the judge."), Length(max=200)],
        description="A name or an anonymous label such as SME 3.",
    )
    source = SelectField(
        "The judge is",
        choices=[("sme", "an SME panel member"), ("respondent", "a survey respondent")],
        default="sme",
    )
    submit = SubmitField("Record the judgment")


class DeleteJudgmentForm(FlaskForm):
    submit = SubmitField("Remove")
