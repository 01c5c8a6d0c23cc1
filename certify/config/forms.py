"""Board configuration forms: credential types with their rules, endorsements; no writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from certify.config.services import LEVELS, RULE_FIELDS, rule_problems
from certify.models import EDUCATION_LEVELS, SUPERVISOR_LICENSES
from core.units import hours, is_quarter_hours, minutes_from_hours

CATEGORY_ROWS = 6
CODE_RULES = [
    DataRequired(),
    Length(max=20),
    Regexp(r"^[A-Z0-9][A-Z0-9_-]*$", message="Use letters, digits, '-' or '_' (e.g. CPSS)."),
]
SUD_LICENSE_HELP = (
    "LADC and PLADC supervise substance use work only: their hours count only for credential "
    "types marked “Substance use credential”."
)
# rule or service field name -> the form field that shows its message
FORM_FIELD = {
    "training_minutes": "training_hours",
    "experience_minutes": "experience_hours",
    "supervision_minutes": "supervision_hours",
    "training_category_minutes": "categories",
}
# hours form field -> the minutes rule it stores
HOURS_FIELDS = {name: rule for rule, name in FORM_FIELD.items() if name != "categories"}


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if isinstance(value, str) else value


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def quarter_hours(form: Any, field: Any) -> None:
    """Hours are stored as whole minutes, in steps of a quarter hour."""
    if field.data is not None and not is_quarter_hours(field.data):
        raise ValidationError("Enter hours in steps of 0.25 (15 minutes), e.g. 10.25.")


def _minutes(typed: Decimal | None) -> int | None:
    return None if typed is None else minutes_from_hours(typed)


def _hours(minutes: int | None) -> Decimal | None:
    return None if minutes is None else hours(minutes)


def hours_field(label: str) -> DecimalField:
    return DecimalField(
        label,
        places=None,
        validators=[Optional(), NumberRange(min=0, max=100000), quarter_hours],
        render_kw={"step": "0.25", "min": "0", "inputmode": "decimal"},
    )


class TrainingCategoryRow(Form):
    """One training category and the hours it requires."""

    name = StringField("Category", filters=[_strip], validators=[Optional(), Length(max=80)])
    hours = hours_field("Hours")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.name.data and self.hours.data is None:
            self.hours.errors = [*self.hours.errors, "Give the hours for this category."]
            ok = False
        if not self.name.data and self.hours.data is not None:
            self.name.errors = [*self.name.errors, "Name the category these hours are for."]
            ok = False
        return ok


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CredentialTypeForm(FlaskForm):
    """A credential type and its requirement set; blank numbers mean 'not required'."""

    code = StringField("Code", filters=[_upper], validators=CODE_RULES)
    name = StringField("Name", filters=[_strip], validators=[DataRequired(), Length(max=200)])
    level = SelectField("Level", choices=list(LEVELS.items()), default="full")
    substance_use = BooleanField("Substance use credential (e.g. IC&RC Peer Recovery)")
    cycle_months = IntegerField(
        "Renewal cycle (months)",
        default=24,
        validators=[InputRequired(), NumberRange(1, 120, "Use 1 to 120 months.")],
        render_kw={"min": "1", "max": "120"},
    )
    min_age = IntegerField(
        "Minimum age",
        validators=[Optional(), NumberRange(14, 100, "Use an age between 14 and 100.")],
        render_kw={"min": "14", "max": "100"},
    )
    education = SelectField(
        "Education",
        default="",
        choices=[("", "Not required")]
        + [(k, label) for k, label in EDUCATION_LEVELS.items() if k != "none"],
    )
    lived_experience = BooleanField("Lived experience (self-identification)")
    recovery_months = IntegerField(
        "Lived recovery (months)",
        validators=[Optional(), NumberRange(1, 600, "Use 1 to 600 months.")],
        render_kw={"min": "1"},
    )
    training_hours = hours_field("Training hours in total")
    categories = FieldList(FormField(TrainingCategoryRow), min_entries=CATEGORY_ROWS)
    training_lookback_years = IntegerField(
        "Training look-back (years)",
        validators=[Optional(), NumberRange(1, 50, "Use 1 to 50 years.")],
        render_kw={"min": "1"},
    )
    approved_training_only = BooleanField("Only training from approved programs counts")
    experience_hours = hours_field("Work experience hours (paid or volunteer)")
    supervision_hours = hours_field("Supervision hours")
    supervisor_licenses = MultiCheckboxField(
        "Supervisor licenses accepted", choices=[(k, v[0]) for k, v in SUPERVISOR_LICENSES.items()]
    )
    residency_attestation = BooleanField("Residency / work in jurisdiction attestation")
    ethics_attestation = BooleanField("Code of ethics attestation")
    background_check = BooleanField("Background check cleared")
    exam_required = BooleanField("Exam passed")
    fee_required = BooleanField("Fee received (recorded by staff)")
    reciprocity_allowed = BooleanField(
        "Reciprocity route: a credential from another board, verified by staff, waives "
        "training and exam"
    )
    confirm_no_requirements = BooleanField(
        "Yes: this credential type has no requirements, and every trainee may apply for it"
    )
    submit = SubmitField("Save credential type")

    category_errors: list[str]

    @classmethod
    def initial_data(cls, ctype: Any) -> dict[str, Any]:
        """The form's values for an existing credential type (minutes shown as hours)."""
        req = ctype.requirements
        data: dict[str, Any] = {
            name: getattr(ctype, name)
            for name in ("code", "name", "level", "substance_use", "cycle_months")
        }
        if req is None:
            return data
        for name in RULE_FIELDS:
            data[name] = getattr(req, name)
        for form_name, rule in HOURS_FIELDS.items():
            data[form_name] = _hours(getattr(req, rule))
        data["education"] = req.education or ""
        data["categories"] = [
            {"name": name, "hours": _hours(minutes)}
            for name, minutes in (req.training_category_minutes or {}).items()
        ]
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category_errors = []

    def pad_categories(self) -> None:
        """Show CATEGORY_ROWS rows, or two empty ones after the filled ones when there are more."""
        filled = sum(1 for row in self.categories if row.form.name.data)
        while len(self.categories) < max(CATEGORY_ROWS, filled + 2):
            self.categories.append_entry()

    def type_fields(self) -> dict[str, Any]:
        return {
            "code": self.code.data,
            "name": self.name.data,
            "level": self.level.data,
            "substance_use": bool(self.substance_use.data),
            "cycle_months": self.cycle_months.data,
        }

    def rules(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            name: getattr(self, name).data
            for name in RULE_FIELDS
            if name in self._fields and name not in HOURS_FIELDS.values()
        }
        for form_name, rule in HOURS_FIELDS.items():
            values[rule] = _minutes(getattr(self, form_name).data)
        values["education"] = self.education.data or None
        values["supervisor_licenses"] = list(self.supervisor_licenses.data or [])
        values["training_category_minutes"] = {
            row.form.name.data: _minutes(row.form.hours.data)
            for row in self.categories
            if row.form.name.data and row.form.hours.data is not None
        }
        return values

    def add_error(self, field: str, message: str) -> None:
        """Show message next to the form field that corresponds to a rule or service field."""
        name = FORM_FIELD.get(field, field)
        if name == "categories":
            self.category_errors.append(message)
        else:
            target = getattr(self, name, None) or self.code
            target.errors = [*target.errors, message]

    def validate(self, extra_validators: Any = None) -> bool:
        """Every problem at once: the fields' own and the rules that contradict each other
        (a field that already has its own message keeps just that one)."""
        self.category_errors = []
        fields_ok = super().validate(extra_validators)
        try:
            rules = self.rules()
        except ValueError:  # a number its field already refuses: the rules cannot be read
            return False
        problems = rule_problems(self.type_fields(), rules)
        for field, message in problems.items():
            own = getattr(self, field, None)
            if own is not None and getattr(own, "errors", None):
                continue
            self.add_error(field, message)
        return fields_ok and not problems


class EndorsementForm(FlaskForm):
    """A new endorsement: adult, family, veteran, young adult, forensic, bridger, ..."""

    code = StringField("Code", filters=[_upper], validators=CODE_RULES)
    name = StringField("Name", filters=[_strip], validators=[DataRequired(), Length(max=120)])
    enhanced = BooleanField("Enhanced endorsement (e.g. forensic, bridger, homeless outreach)")
    submit = SubmitField("Add endorsement")


class RetireCredentialTypeForm(FlaskForm):
    """Confirmation, with a reason, that a credential type takes no new applications."""

    reason = TextAreaField(
        "Reason for retiring it", filters=[_strip], validators=[DataRequired(), Length(max=500)]
    )
    confirm = BooleanField(
        "Retire it: holders keep their credentials, nobody can apply for it any more",
        validators=[DataRequired("Tick the box to confirm.")],
    )
    submit = SubmitField("Retire credential type")


class ReopenCredentialTypeForm(FlaskForm):
    """Take applications for a retired credential type again (a confirmation with CSRF)."""

    submit = SubmitField("Take applications again")


class RemoveEndorsementForm(FlaskForm):
    """Confirmation, with a reason, that an endorsement is to be removed."""

    reason = TextAreaField(
        "Reason for removing it",
        filters=[_strip],
        validators=[DataRequired(), Length(max=500)],
    )
    submit = SubmitField("Remove endorsement")


class OfficePolicyForm(FlaskForm):
    """How the board's office works: whether issuing and revoking need a second person."""

    four_eyes = BooleanField(
        "Require a second person to issue and to revoke credentials (four eyes)",
        description=(
            "The staff member who approved an application cannot issue its credential, and a "
            "revocation requested by one staff member takes effect only when another confirms it."
        ),
    )
    submit = SubmitField("Save office policy")
