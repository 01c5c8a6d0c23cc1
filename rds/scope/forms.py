"""Forms of the studies and the scope of service editor: field checks only, no writes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

SCOPE_FILES = FileAllowed(["csv", "xlsx"], "Upload a .csv or .xlsx file.")


class StudyForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Enter the study's title."), Length(max=200)]
    )
    credential_type_id = SelectField("Credential type", coerce=int, validators=[Optional()])
    purpose = TextAreaField("Purpose", validators=[Optional(), Length(max=4000)])
    started_on = DateField("Started on", validators=[DataRequired("Enter the start date.")])
    submit = SubmitField("Create study")


class FactsForm(FlaskForm):
    target_audience = TextAreaField("Target audience", validators=[Optional(), Length(max=4000)])
    minimum_requirements = TextAreaField(
        "Minimum requirements", validators=[Optional(), Length(max=4000)]
    )
    submit = SubmitField("Save")


class DomainForm(FlaskForm):
    name = StringField(
        "Performance domain",
        validators=[DataRequired("Enter the domain's name."), Length(max=200)],
    )
    submit = SubmitField("Add domain")


class MoveForm(FlaskForm):
    direction = HiddenField("Direction", validators=[AnyOf(["up", "down"])])


class TaskForm(FlaskForm):
    code = StringField(
        "Code", validators=[DataRequired("Enter a code such as A01."), Length(max=20)]
    )
    statement = TextAreaField(
        "Task statement",
        validators=[DataRequired("Enter the task statement."), Length(max=2000)],
    )
    submit = SubmitField("Add task")


class TaskEditForm(TaskForm):
    domain_id = SelectField("Performance domain", coerce=int)
    submit = SubmitField("Save task")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class KsaForm(FlaskForm):
    kind = SelectField(
        "Kind",
        choices=[("knowledge", "Knowledge"), ("skill", "Skill"), ("ability", "Ability")],
        validators=[DataRequired()],
    )
    code = StringField(
        "Code", validators=[DataRequired("Enter a code such as K1."), Length(max=20)]
    )
    statement = TextAreaField(
        "KSA statement", validators=[DataRequired("Enter the statement."), Length(max=2000)]
    )
    task_ids = MultiCheckboxField("Linked task statements", coerce=int, validators=[Optional()])
    submit = SubmitField("Save KSA")


class ScopeImportForm(FlaskForm):
    file = FileField(
        "tasks.csv or tasks.xlsx", validators=[FileRequired("Choose a file."), SCOPE_FILES]
    )
    replace = BooleanField("Replace the current scope (domains, tasks, KSAs and SME votes)")
    submit = SubmitField("Import")


class CloneForm(FlaskForm):
    started_on = DateField("The new version starts on", validators=[DataRequired()])
    confirm = BooleanField(
        "Create the next version from this scope",
        validators=[DataRequired("Tick the box to confirm.")],
    )
    submit = SubmitField("Clone into the next version")


class ConfirmForm(FlaskForm):
    """A bare POST with CSRF protection (delete, send links, status changes)."""

    reason = TextAreaField("Reason", validators=[Optional(), Length(max=1000)])
