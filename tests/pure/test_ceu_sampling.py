"""Audit samples are reproducible from their seed (ceu/sampling.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceu.sampling import draw, sample_size

PEOPLE = [(i, "CPSS" if i % 3 else "CPRS") for i in range(1, 301)]


def test_the_same_seed_draws_the_same_people_whatever_the_order() -> None:
    first = draw(PEOPLE, 10, seed=20261130)
    again = draw(list(reversed(PEOPLE)), 10, seed=20261130)
    assert first == again
    assert len(first.keys) == 30
    assert draw(PEOPLE, 10, seed=7).keys != first.keys


def test_stratified_draws_the_percentage_of_each_credential_type() -> None:
    sample = draw(PEOPLE, 10, seed=1, stratified=True)
    assert sample.strata == (("CPRS", 10, 100), ("CPSS", 20, 200))
    drawn = dict(PEOPLE)
    assert sum(1 for k in sample.keys if drawn[k] == "CPRS") == 10


def test_sizes_round_up_so_a_small_group_is_still_audited() -> None:
    assert sample_size(0, 5) == 0
    assert sample_size(1, 5) == 1
    assert sample_size(40, 5) == 2
    assert sample_size(41, 5) == 3
    with pytest.raises(ValueError):
        sample_size(10, 0)
    with pytest.raises(ValueError):
        draw([(1, ""), (1, "")], 50, 1)


@given(st.integers(0, 2**31), st.integers(1, 100), st.booleans())
def test_any_seed_reproduces_and_draws_from_the_population(
    seed: int, percent: int, strat: bool
) -> None:
    one, two = draw(PEOPLE, percent, seed, strat), draw(PEOPLE, percent, seed, strat)
    assert one == two
    assert set(one.keys) <= {k for k, _ in PEOPLE}
    assert len(set(one.keys)) == len(one.keys)
