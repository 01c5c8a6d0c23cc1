"""Forms of the signed-credential pages: field validation only, no writes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class ReissueForm(FlaskForm):
    number = StringField(
        "Credential number", validators=[DataRequired("Type the number."), Length(max=40)]
    )
    confirm = BooleanField(
        "The earlier signed copy will be revoked", validators=[DataRequired("Tick to confirm.")]
    )
    submit = SubmitField("Reissue")


class RotateKeyForm(FlaskForm):
    confirm = BooleanField(
        "New credentials will be signed with a new key",
        validators=[DataRequired("Tick to confirm.")],
    )
    submit = SubmitField("Rotate the signing key")


class SignMissingForm(FlaskForm):
    submit = SubmitField("Sign")
