"""Direct domain-weight judgments against the empirical weights (issue 15), worked by hand."""

from __future__ import annotations

import pytest

from rds.weight_judgments import (
    LARGE_DIFFERENCE,
    check_judgment,
    compare_weights,
    comparison_text,
)

DOMAINS = ["Advocacy", "Ethics", "Recovery"]


def test_a_judgment_adds_up_to_100_with_an_error_per_field() -> None:
    clean, errors, total = check_judgment({"Advocacy": "30", "Ethics": "45.5",
                                           "Recovery": "24.5%"}, DOMAINS)  # fmt: skip
    assert clean == {"Advocacy": 30.0, "Ethics": 45.5, "Recovery": 24.5}
    assert errors == {} and total is None

    clean, errors, total = check_judgment({"Advocacy": "", "Ethics": "lots",
                                           "Recovery": "120"}, DOMAINS)  # fmt: skip
    assert set(errors) == set(DOMAINS) and total is None  # the total waits for the fields
    assert "Give Advocacy a percent" in errors["Advocacy"]
    assert "'lots' is not a number" in errors["Ethics"]
    assert errors["Recovery"] == "A percent from 0 to 100."

    _, errors, total = check_judgment({"Advocacy": 30, "Ethics": 30, "Recovery": 35}, DOMAINS)
    assert errors == {} and total == "The percents add up to 95; they must add up to 100."
    _, errors, total = check_judgment({"Advocacy": 0, "Ethics": 0, "Recovery": 100}, DOMAINS)
    assert errors == {} and total is None  # 0 is a judgment, not a blank


def test_the_mean_judged_weight_beside_the_empirical_weight() -> None:
    # Empirical weights 0.25, 0.50, 0.25 (percent 25, 50, 25). Three judges:
    #   Advocacy 30, 40, 35 -> mean 35, 10 points above 25: large
    #   Ethics   50, 45, 47 -> mean 47.33..., 2.67 below 50: not large
    #   Recovery 20, 15, 18 -> mean 17.67, 7.33 below 25: large
    judgments = [
        {"Advocacy": 30.0, "Ethics": 50.0, "Recovery": 20.0},
        {"Advocacy": 40.0, "Ethics": 45.0, "Recovery": 15.0},
        {"Advocacy": 35.0, "Ethics": 47.0, "Recovery": 18.0},
    ]
    rows = compare_weights(judgments, [("Advocacy", 0.25), ("Ethics", 0.5), ("Recovery", 0.25)])
    assert [r.domain for r in rows] == DOMAINS
    advocacy, ethics, recovery = rows
    assert advocacy.judges == 3 and advocacy.judged_mean == pytest.approx(35.0)
    assert (advocacy.judged_min, advocacy.judged_max) == (30.0, 40.0)
    assert advocacy.empirical == pytest.approx(25.0)
    assert advocacy.difference == pytest.approx(10.0) and advocacy.large
    assert ethics.judged_mean == pytest.approx(142 / 3) and ethics.difference == pytest.approx(
        142 / 3 - 50
    )
    assert not ethics.large
    assert recovery.difference == pytest.approx(53 / 3 - 25) and recovery.large
    assert comparison_text(rows, 3) == (
        "The mean weights judged by 3 judges differ from the empirical weights by 5 "
        "percentage points or more in Advocacy and Recovery: the panel should discuss the "
        "difference before the blueprint is approved."
    )
    assert comparison_text(rows[:1], 3).startswith(
        "The mean weight judged by 3 judges differs from the empirical weight by 5 percentage "
        "points or more in Advocacy:"
    )


def test_edges_exactly_at_the_bound_a_new_domain_and_nobody() -> None:
    at_bound = compare_weights([{"A": 30.0, "B": 70.0}], [("A", 0.25), ("B", 0.75)])
    assert at_bound[0].difference == pytest.approx(LARGE_DIFFERENCE) and at_bound[0].large
    # a domain added after the judgment: nobody weighed it; one judged but gone: left out
    rows = compare_weights([{"A": 60.0, "Gone": 40.0}], [("A", 0.5), ("New", 0.5)])
    assert [r.domain for r in rows] == ["A", "New"]
    assert rows[1].judges == 0 and rows[1].judged_mean is None and rows[1].difference is None
    assert not rows[1].large
    assert comparison_text(compare_weights([], [("A", 1.0)]), 0) == (
        "No direct judgments of the domain weights were recorded."
    )
    one = comparison_text(compare_weights([{"A": 100.0}], [("A", 1.0)]), 1)
    assert one == (
        "The mean weights judged by 1 judge are within 5 percentage points of the empirical "
        "weights in every domain."
    )
    # an empty blueprint (every weight 0): the judged weights all differ
    empty = compare_weights([{"A": 50.0, "B": 50.0}], [("A", 0.0), ("B", 0.0)])
    assert all(r.large for r in empty)
    assert check_judgment({}, [])[2] == "There are no domains to weigh."
