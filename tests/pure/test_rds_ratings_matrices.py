"""Stored survey answers into rating matrices, all rows at once (issue 15, the web run's speed)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rds.survey.answers import ratings_matrices


def one_by_one(codes: list[str], responses: list[dict[str, Any]]) -> tuple[np.ndarray, ...]:
    """The cell-by-cell reading the fast one replaced: the reference."""
    column = {code: j for j, code in enumerate(codes)}
    importance = np.full((len(responses), len(codes)), np.nan)
    frequency = np.full((len(responses), len(codes)), np.nan)
    for i, ratings in enumerate(responses):
        for code, pair in ratings.items():
            j = column.get(code)
            if j is None or not pair:
                continue
            if pair[0] is not None:
                importance[i, j] = pair[0]
            if len(pair) > 1 and pair[1] is not None:
                frequency[i, j] = pair[1]
    return importance, frequency


def test_a_hand_worked_survey() -> None:
    codes = ["A1", "A2", "B1"]
    responses: list[dict[str, Any]] = [
        {"B1": [4, 3], "A1": [2, 0], "Z9": [1, 1]},  # any order; a task no longer surveyed
        {},  # nothing rated
        {"A2": [3, None]},  # the frequency left blank
    ]
    importance, frequency = ratings_matrices(codes, responses)
    nan = math.nan
    np.testing.assert_array_equal(importance, [[2, nan, 4], [nan, nan, nan], [nan, 3, nan]])
    np.testing.assert_array_equal(frequency, [[0, nan, 3], [nan, nan, nan], [nan, nan, nan]])


def test_pairs_that_are_not_two_numbers_read_as_what_they_have() -> None:
    codes = ["A1", "A2", "A3"]
    importance, frequency = ratings_matrices(codes, [{"A1": [], "A2": [1], "A3": None}])
    assert np.isnan(importance[0, [0, 2]]).all() and importance[0, 1] == 1
    assert np.isnan(frequency).all()


def test_no_responses_and_no_tasks() -> None:
    importance, frequency = ratings_matrices(["A1"], [])
    assert importance.shape == frequency.shape == (0, 1)
    importance, frequency = ratings_matrices([], [{"A1": [1, 2]}])
    assert importance.shape == (1, 0)


value = st.one_of(st.none(), st.integers(0, 4))
pair = st.one_of(
    st.lists(value, min_size=2, max_size=2),
    st.lists(value, min_size=0, max_size=3),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["T1", "T2", "T3", "T4", "X"]), pair, max_size=5),
        max_size=6,
    )
)
def test_the_same_as_cell_by_cell(responses: list[dict[str, Any]]) -> None:
    codes = ["T1", "T2", "T3", "T4"]
    fast = ratings_matrices(codes, responses)
    slow = one_by_one(codes, responses)
    for got, expected in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(got, expected)
