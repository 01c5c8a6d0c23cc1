"""The one display rule and the one input rule for hours, worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.units import (
    hours,
    hours_number,
    hours_text,
    is_quarter_hours,
    minutes_from_hours,
    percent,
    percent_text,
)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0"),
        (2400, "40"),
        (2399, "39.9"),  # floored, never "40"
        (2397, "39.9"),  # 39.95 h is not a quarter-hour amount: floored
        (2430, "40.5"),
        (615, "10.25"),
        (1515, "25.25"),
        (15, "0.25"),
        (5, "0"),  # 0.083 h floors to 0
        (6, "0.1"),
        (138, "2.3"),  # 2.3 h is 138 minutes: not a quarter hour, shown floored to 0.1
        (-90, "-1.5"),
    ],
)
def test_display_rule(minutes: int, text: str) -> None:
    assert hours_text(minutes) == text


def test_display_with_a_fixed_number_of_places() -> None:
    assert hours_text(2760, decimals=1) == "46.0"
    assert hours_text(615, decimals=1) == "10.25"
    assert hours_text(None, decimals=1) == "0.0"
    assert hours_number(2399) == 39.9


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("40", 2400), ("0.25", 15), (Decimal("10.25"), 615), (1.5, 90), (0, 0), ("24.75", 1485)],
)
def test_input_rule_converts_quarter_hours_exactly(typed: object, minutes: int) -> None:
    assert minutes_from_hours(typed) == minutes  # type: ignore[arg-type]


@pytest.mark.parametrize("typed", ["2.3", "0.1", "1.33", "abc", "nan", "inf", ""])
def test_input_rule_refuses_what_is_not_quarter_hours(typed: str) -> None:
    with pytest.raises(ValueError):
        minutes_from_hours(typed)
    assert not is_quarter_hours(typed)


def test_minutes_must_be_whole() -> None:
    with pytest.raises(ValueError):
        hours(2.5)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=10**7))
def test_display_never_overstates_and_round_trips_quarter_hours(minutes: int) -> None:
    shown = hours(minutes)
    assert shown * 60 <= minutes
    assert minutes - shown * 60 < 6  # off by less than a tenth of an hour
    if minutes % 15 == 0:
        assert minutes_from_hours(hours_text(minutes)) == minutes


@pytest.mark.parametrize(
    ("value", "whole", "digits", "text"),
    [
        (23, 80, 1, "28.8%"),  # 28.75: half up (f"{100 * (23 / 80):.1f}" gives 28.7)
        (57, 80, 1, "71.3%"),  # 71.25: half up, not to even
        (0.2875, None, 1, "28.8%"),  # a float share read as its shortest decimal
        (0.7125, None, 1, "71.3%"),
        (1, 3, 2, "33.33%"),
        (2, 3, 1, "66.7%"),
        (0.5, None, 0, "50%"),
        (0.005, None, 0, "1%"),
        (0.004999, None, 0, "0%"),
        (0.0, None, 1, "0.0%"),
        (1, None, 1, "100.0%"),
        (-0.2875, None, 1, "-28.8%"),  # away from zero on both sides
        (Decimal("0.12345"), None, 2, "12.35%"),
    ],
)
def test_one_rounding_rule_for_percentages(value, whole, digits, text) -> None:  # type: ignore[no-untyped-def]
    assert percent_text(value, digits, whole=whole) == text
    assert percent(value, digits, whole=whole) == Decimal(text.removesuffix("%"))


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_a_count_and_its_share_read_the_same(part: int, whole: int) -> None:
    """ "23 of 80" and the float 23 / 80 give the same text (as page, chart and report do)."""
    assert percent_text(part, whole=whole) == percent_text(part / whole)


def test_percent_refuses_what_is_no_share() -> None:
    for bad in (float("nan"), float("inf"), True):
        with pytest.raises(ValueError):
            percent(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        percent(1, whole=0)
