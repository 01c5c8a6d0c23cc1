"""Form pieces every CE seam shares: hours in quarter-hour steps, dates not in the future."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import NumberInput

from core.units import is_quarter_hours


def quarter_hours(form: Any, field: Any) -> None:
    """Hours are stored as whole minutes, in steps of a quarter hour."""
    if field.data is not None and not is_quarter_hours(field.data):
        raise ValidationError("Enter hours in steps of 0.25 (15 minutes), e.g. 1.5.")
    if field.data is not None and field.data < 0:
        raise ValidationError("Hours cannot be negative.")


def not_in_future(form: Any, field: Any) -> None:
    if field.data and field.data > date.today():
        raise ValidationError("This date is in the future.")


def hours_field(label: str, required: bool = True, maximum: str = "200") -> DecimalField:
    """A number input of hours in 0.25 steps."""
    return DecimalField(
        label,
        places=2,
        widget=NumberInput(step="0.25", min="0", max=maximum),
        validators=[
            InputRequired(message="Enter the hours, for example 1.5.") if required else Optional(),
            NumberRange(max=Decimal(maximum), message=f"Enter at most {maximum} hours."),
            quarter_hours,
        ],
    )
