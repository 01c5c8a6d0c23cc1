"""Forms for provider applications and decisions, courses, rosters and the catalog search."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from ceu.compliance import DELIVERY_MODES
from ceu.forms import hours_field


class ApplicationForm(FlaskForm):
    name = StringField("Organization", validators=[DataRequired(), Length(max=200)])
    contact_name = StringField("Contact person", validators=[DataRequired(), Length(max=200)])
    contact_email = EmailField(
        "Contact email", validators=[DataRequired(), Email(), Length(max=254)]
    )
    website = StringField("Website", validators=[Optional(), Length(max=300)])
    description = TextAreaField("What CE you offer", validators=[Optional(), Length(max=3000)])
    submit = SubmitField("Apply")


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    approved_from = DateField("Approved from", validators=[Optional()])
    approved_until = DateField("Approved until", validators=[Optional()])
    trusted = BooleanField("Trust this provider: its courses are approved without review")
    reason = TextAreaField("Reason (the provider reads it)", validators=[Length(max=2000)])
    confirm = BooleanField("I confirm this decision")
    submit = SubmitField("Confirm")


class RenewForm(FlaskForm):
    approved_until = DateField("Approved until", validators=[InputRequired()])
    trusted = BooleanField("Trust this provider: its courses are approved without review")
    submit = SubmitField("Save approval")


class CategoryHours(Form):
    category_id = HiddenField()
    hours = hours_field("Hours", required=False, maximum="100")


class CourseForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=3000)])
    delivery_mode = SelectField("Delivery", choices=list(DELIVERY_MODES.items()))
    starts_on = DateField("First day", validators=[InputRequired()])
    ends_on = DateField("Last day", validators=[InputRequired()])
    location = StringField("Where (place or web address)", validators=[Optional(), Length(max=200)])
    categories = FieldList(FormField(CategoryHours), min_entries=0)
    submit = SubmitField("Save course")


class CourseDecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("Reason (the provider reads it)", validators=[Length(max=2000)])
    submit = SubmitField("Confirm")


class RosterForm(FlaskForm):
    course_id = SelectField("Course", coerce=int, validators=[InputRequired()])
    roster = FileField(
        "Roster (.csv or .xlsx)",
        validators=[
            FileRequired("Choose the file."),
            FileAllowed(["csv", "xlsx"], "A .csv or .xlsx file."),
        ],
    )
    submit = SubmitField("Post roster")


class ResolveForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    number = StringField("Corrected credential number", validators=[Optional(), Length(max=40)])
    submit = SubmitField("Save")
