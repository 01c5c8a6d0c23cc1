"""Flask-WTF forms of results: field checks only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange


class ImportForm(FlaskForm):
    kind = SelectField(
        "The file holds",
        choices=[
            ("responses", "Each candidate's answer to every item"),
            ("totals", "Each candidate's total score"),
        ],
    )
    taken_on = DateField("Date of the sitting", validators=[InputRequired()])
    file = FileField(
        "Results file (CSV or XLSX)",
        validators=[
            FileRequired("Choose the vendor's file."),
            FileAllowed(["csv", "xlsx"], "A .csv or .xlsx file, please."),
        ],
    )
    submit = SubmitField("Import and score")


class ItemActionForm(FlaskForm):
    action = SelectField(
        "Decision",
        choices=[
            ("kept", "Keep as it is"),
            ("sent_back", "Send back to review (a new version)"),
            ("retired", "Retire the item"),
        ],
    )
    note = TextAreaField("Why", validators=[Length(max=500)])
    submit = SubmitField("Record")


class ScaleForm(FlaskForm):
    low = IntegerField(
        "Lowest scaled score",
        validators=[InputRequired("Enter the lowest score, e.g. 200."), NumberRange(min=0)],
    )
    passing = IntegerField(
        "Passing scaled score",
        validators=[InputRequired("Enter the passing score, e.g. 500."), NumberRange(min=1)],
    )
    high = IntegerField(
        "Highest scaled score",
        validators=[InputRequired("Enter the highest score, e.g. 800."), NumberRange(min=2)],
    )
    submit = SubmitField("Save the scale")


class RemoveScaleForm(FlaskForm):
    remove = SubmitField("Stop reporting scaled scores")
