"""Minutes and hours: one rule for showing hours, one for reading them from a form.

Amounts of time are stored as whole minutes. People type and read hours.

Display: an amount that is a whole number of quarter hours (what forms accept) is shown
exactly (40, 40.5, 10.25); any other amount is floored to 0.1 h, so a total never rounds
up to a goal it has not reached (2,399 minutes is "39.9", not "40.0").

Input: hours must be a whole number of quarter hours; they convert to minutes exactly.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction

MINUTES_PER_HOUR = 60
QUARTER_HOUR = 15


def hours(minutes: int) -> Decimal:
    """Minutes as hours under the display rule (exact quarter hours, else floored to 0.1 h)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValueError(f"minutes must be a whole number, not {minutes!r}")
    if minutes % QUARTER_HOUR == 0:
        return Decimal(minutes) / MINUTES_PER_HOUR
    return Decimal(minutes // 6) / 10 if minutes >= 0 else -hours(-minutes)


def hours_text(minutes: int | None, decimals: int = 0) -> str:
    """Hours for people: no needless zeros ("40", "39.9", "10.25"), at least `decimals` places.

    >>> hours_text(2400), hours_text(2400, decimals=1), hours_text(2399), hours_text(615)
    ('40', '40.0', '39.9', '10.25')
    """
    value = hours(minutes or 0)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    places = len(text.partition(".")[2])
    if places < decimals:
        text = (text if "." in text else text + ".") + "0" * (decimals - places)
    return text


def hours_number(minutes: int) -> float:
    """Hours under the display rule as a float, for charts and progress bars."""
    return float(hours(minutes))


MOST_HOURS = 1_000_000


def minutes_from_hours(value: Decimal | float | int | str) -> int:
    """Hours typed by a person as whole minutes; refuses anything but whole quarter hours."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"'{value}' is not a number of hours") from exc
    if not amount.is_finite():
        raise ValueError(f"'{value}' is not a number of hours")
    if abs(amount) > MOST_HOURS:  # beyond any record, and past Decimal's exact remainder
        raise ValueError(f"{value} hours is more than any record can hold")
    minutes = amount * MINUTES_PER_HOUR
    if minutes % QUARTER_HOUR:
        raise ValueError(f"{value} hours is not a whole number of quarter hours (0.25 h steps)")
    return int(minutes)


def is_quarter_hours(value: Decimal | float | int | str) -> bool:
    """Whether typed hours are a whole number of quarter hours."""
    try:
        minutes_from_hours(value)
    except ValueError:
        return False
    return True


# --- percentages -------------------------------------------------------------------------------
# One rounding rule for every percentage a person reads (pages, chart labels, PDF reports):
# the exact decimal value, rounded half up (away from zero) to the digits shown. A share given
# as a float is read as its shortest decimal form (0.2875 is 28.75%, shown 28.8%), a count out
# of a whole as the exact fraction, so "23 of 80" reads the same wherever it is computed.


def percent(
    value: Decimal | Fraction | float | int, digits: int = 1, *, whole: int | None = None
) -> Decimal:
    """A share (or ``value`` out of ``whole``) as a percentage rounded half up to `digits`.

    >>> percent(0.2875), percent(23, whole=80), percent(1, whole=3, digits=2)
    (Decimal('28.8'), Decimal('28.8'), Decimal('33.33'))
    """
    if isinstance(value, bool):
        raise ValueError(f"a share must be a number, not {value!r}")
    if whole is not None:
        if whole == 0:
            raise ValueError("a share of nothing has no percentage")
        share = Fraction(value) / Fraction(whole)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a share must be finite, not {value!r}")
        share = Fraction(Decimal(repr(value)))
    else:
        share = Fraction(value)
    if share < 0:  # half away from zero on both sides
        return -percent(-share, digits)
    scaled = share * 100 * 10**digits
    steps = math.floor(scaled + Fraction(1, 2))  # ties compared exactly, never through a float
    step = Decimal(1).scaleb(-digits)
    return (Decimal(steps) * step).quantize(step)


def percent_text(
    value: Decimal | Fraction | float | int, digits: int = 1, *, whole: int | None = None
) -> str:
    """The percentage under the rounding rule as text with its sign: "28.8%"."""
    return f"{percent(value, digits, whole=whole)}%"
