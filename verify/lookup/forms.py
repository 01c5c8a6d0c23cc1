"""The public search form and the signed-credential upload form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional


class SearchForm(FlaskForm):
    """Search by number, or by last and first name (the board narrows either)."""

    class Meta:
        csrf = False  # a GET search changes nothing

    number = StringField("Credential number", validators=[Optional(), Length(max=40)])
    last_name = StringField("Last name", validators=[Optional(), Length(max=100)])
    first_name = StringField("First name", validators=[Optional(), Length(max=100)])
    board = SelectField("Board", choices=[], validators=[Optional()])
    submit = SubmitField("Search")


class CheckFileForm(FlaskForm):
    file = FileField(
        "Signed credential (.json)",
        validators=[
            FileRequired("Choose the credential file."),
            FileAllowed(["json", "jsonld"], "Choose a .json file."),
        ],
    )
    submit = SubmitField("Check the credential")
