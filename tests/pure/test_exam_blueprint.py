"""Largest-remainder apportionment of exam items: hand-worked cases, ties, properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rds.exam_blueprint import apportion, build_blueprint, domain_weights


def test_plain_largest_remainder() -> None:
    # quotas 4.6, 3.1, 2.3: floors 4+3+2 = 9, the last item goes to the largest part (.6)
    assert apportion(10, [0.46, 0.31, 0.23]) == (5, 3, 2)
    # weights need not sum to 1
    assert apportion(10, [46, 31, 23]) == (5, 3, 2)


def test_equal_parts_and_equal_weights_go_to_the_earlier_entry() -> None:
    # quotas 3.33 each: one item left, tie on part and weight -> first entry
    assert apportion(10, [1, 1, 1]) == (4, 3, 3)
    # quotas 5, 2.5, 2.5 -> the earlier of the two tied entries
    assert apportion(10, [2, 1, 1]) == (5, 3, 2)


def test_equal_parts_go_to_the_larger_weight() -> None:
    # weights 1, 2, 3 of 6, 3 items: quotas 0.5, 1, 1.5; parts .5 and .5 tie -> weight 3 wins
    assert apportion(3, [1, 2, 3]) == (0, 1, 2)
    # 0.45/0.35/0.20 of 10: 4.5, 3.5, 2 -> tie between .5 parts, larger weight first
    assert apportion(10, [0.45, 0.35, 0.20]) == (5, 3, 2)


def test_parts_within_1e9_are_tied_but_larger_gaps_are_not() -> None:
    # a 1e-12 difference in part is a tie, so the larger weight still wins
    assert apportion(3, [1 + 1e-12, 2, 3]) == (0, 1, 2)
    # parts .500005 vs .499995 differ by 1e-5: the larger part wins despite its smaller weight
    assert apportion(3, [1.00001, 2, 2.99999]) == (1, 1, 1)


def test_chain_of_ties_is_resolved_by_weight_then_order() -> None:
    # 4 equal quotas of 2.25 over 9 items: 1 left -> first; with 11 items: 2.75, 3 left
    assert apportion(9, [1, 1, 1, 1]) == (3, 2, 2, 2)
    assert apportion(11, [1, 1, 1, 1]) == (3, 3, 3, 2)


def test_floating_point_noise_does_not_move_items() -> None:
    assert apportion(10, [0.1, 0.2, 0.7]) == (1, 2, 7)
    assert apportion(3, [0.1, 0.1, 0.1]) == (1, 1, 1)


def test_minimum_per_entry() -> None:
    # 3 weighted entries get 2 each, the other 4 go 3.2/0.4/0.4 -> 3,0,0 + tie at .4 -> first
    assert apportion(10, [8, 1, 1, 0], minimum=2) == (5, 3, 2, 0)
    assert apportion(6, [8, 1, 1], minimum=2) == (2, 2, 2)
    with pytest.raises(ValueError, match="exceeds the total"):
        apportion(5, [1, 1, 1], minimum=2)


def test_zero_weights_and_bad_input() -> None:
    assert apportion(5, [0, 1, 0]) == (0, 5, 0)
    assert apportion(0, [0, 0]) == (0, 0)
    assert apportion(0, [1, 2], minimum=3) == (0, 0)
    with pytest.raises(ValueError, match="all zero"):
        apportion(5, [0, 0])
    with pytest.raises(ValueError, match=">= 0"):
        apportion(5, [1, -1])
    with pytest.raises(ValueError):
        apportion(5, [1, math.nan])
    with pytest.raises(ValueError, match="whole number"):
        apportion(2.5, [1, 1])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        apportion(-1, [1, 1])


def test_build_blueprint_domains_then_tasks() -> None:
    # domain 0: tasks 0, 1 (weights .3, .1); domain 1: task 2 (.6) and a dropped task 3;
    # domain 2 has only a dropped task
    weights = [0.3, 0.1, 0.6, 0.0, 0.0]
    domains = [0, 0, 1, 1, 2]
    blueprint = build_blueprint(10, weights, domains, 3)
    assert blueprint.domain_weights == pytest.approx((0.4, 0.6, 0.0))
    assert blueprint.domain_items == (4, 6, 0)
    assert blueprint.task_items == (3, 1, 6, 0, 0)
    # with a minimum of 3 per weighted domain: 4 left, quotas 1.6 / 2.4 -> 2, 2
    blueprint = build_blueprint(10, weights, domains, 3, min_per_domain=3)
    assert blueprint.domain_items == (5, 5, 0)
    # task tie inside a domain (equal weights) -> earlier task
    assert build_blueprint(3, [0.5, 0.5], [0, 0], 1).task_items == (2, 1)


def test_domain_weights_checks() -> None:
    assert domain_weights([0.25, 0.25, 0.5], [1, 0, 1], 2) == (0.25, 0.75)
    with pytest.raises(ValueError, match="out of range"):
        domain_weights([1.0], [2], 2)
    with pytest.raises(ValueError, match="same length"):
        domain_weights([1.0, 2.0], [0], 1)


weights_strategy = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e3)), min_size=1, max_size=25
).filter(lambda ws: any(w > 0 for w in ws))


@settings(max_examples=150, deadline=None)
@given(total=st.integers(min_value=0, max_value=500), weights=weights_strategy)
def test_items_sum_to_total_and_stay_within_one_of_the_quota(total: int, weights) -> None:
    items = apportion(total, weights)
    assert sum(items) == total
    weight_sum = math.fsum(weights)
    for count, weight in zip(items, weights, strict=True):
        quota = total * weight / weight_sum
        assert abs(count - quota) < 1
        if weight == 0:
            assert count == 0


@settings(max_examples=100, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=300),
    weights=weights_strategy,
    minimum=st.integers(min_value=0, max_value=5),
)
def test_minimum_is_met_and_items_sum_to_total(total: int, weights, minimum: int) -> None:
    positive = sum(w > 0 for w in weights)
    if total and minimum * positive > total:
        with pytest.raises(ValueError):
            apportion(total, weights, minimum)
        return
    items = apportion(total, weights, minimum)
    assert sum(items) == total
    if total:
        assert all(c >= minimum for c, w in zip(items, weights, strict=True) if w > 0)


@settings(max_examples=60, deadline=None)
@given(
    total=st.integers(min_value=1, max_value=200),
    weights=st.lists(st.floats(min_value=1e-3, max_value=10), min_size=1, max_size=20),
    data=st.data(),
)
def test_blueprint_task_items_add_up_per_domain(total: int, weights, data) -> None:
    n_domains = data.draw(st.integers(min_value=1, max_value=5))
    domains = data.draw(
        st.lists(st.integers(0, n_domains - 1), min_size=len(weights), max_size=len(weights))
    )
    blueprint = build_blueprint(total, weights, domains, n_domains)
    assert sum(blueprint.domain_items) == total
    for d in range(n_domains):
        in_domain = [blueprint.task_items[i] for i, dom in enumerate(domains) if dom == d]
        assert sum(in_domain) == blueprint.domain_items[d]
