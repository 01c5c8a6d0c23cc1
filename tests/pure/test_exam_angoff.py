"""exams/angoff.py: modified-Angoff cut, SE, flags and judges' ICC (hand-worked and R psych)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from exams.angoff import (
    FLAG_P_GAP,
    FLAG_RANGE,
    FLAG_SPREAD,
    AngoffError,
    angoff,
    compare_rounds,
    panel_spread,
)
from tests.pure.r_psych import run_r, write_matrix

# Six judges x four items; judges' cuts 2.6 2.8 2.3 2.6 2.8 2.5, item means .6 .7 .8 .5.
RATINGS = [
    [0.6, 0.7, 0.8, 0.5],
    [0.7, 0.7, 0.9, 0.5],
    [0.5, 0.6, 0.8, 0.4],
    [0.6, 0.8, 0.7, 0.5],
    [0.7, 0.7, 0.8, 0.6],
    [0.5, 0.7, 0.8, 0.5],
]


def test_cut_and_standard_error_by_hand() -> None:
    """Cut = .6 + .7 + .8 + .5 = 2.6 = mean of the judges' cuts.

    Deviations 0, .2, -.3, 0, .2, -.1: squares sum to .18, SD = sqrt(.18/5) = .18974,
    SE = SD / sqrt(6) = .07746.
    """
    result = angoff(RATINGS, judge_ids=list("abcdef"), item_ids=["i1", "i2", "i3", "i4"])
    assert math.isclose(result.cut, 2.6)
    assert np.allclose(result.judge_cuts, [2.6, 2.8, 2.3, 2.6, 2.8, 2.5])
    assert math.isclose(result.sd_judges, math.sqrt(0.18 / 5))
    assert math.isclose(result.se, math.sqrt(0.18 / 5) / math.sqrt(6))
    # 95% interval with t(5) = 2.5706
    assert math.isclose(result.ci_high - result.cut, 2.570582 * result.se, rel_tol=1e-6)
    assert result.raw_needed == 3
    assert math.isclose(result.cut_percent, 65.0)
    assert [round(i.mean, 12) for i in result.items] == [0.6, 0.7, 0.8, 0.5]
    assert not result.flagged
    assert any("only 6 judges" in w for w in result.warnings)
    doc = result.to_dict()
    assert doc["n_judges"] == 6 and doc["judges"][0]["judge_id"] == "a"
    assert math.isclose(doc["judges"][0]["cut"], 2.6)
    assert set(doc["icc"]) == {"ICC2", "ICC2k"}


def test_fewer_than_six_judges_are_refused() -> None:
    with pytest.raises(AngoffError, match="at least 6"):
        angoff(RATINGS[:5])


def test_eight_judges_give_no_panel_warning() -> None:
    ratings = RATINGS + [[0.6, 0.7, 0.8, 0.5], [0.6, 0.7, 0.8, 0.5]]
    assert not any("judges:" in w for w in angoff(ratings).warnings)


def test_missing_or_out_of_range_ratings_are_refused() -> None:
    bad = [row[:] for row in RATINGS]
    bad[2][1] = float("nan")
    with pytest.raises(AngoffError, match="judge 3, item 2"):
        angoff(bad)
    bad[2][1] = 1.2
    with pytest.raises(AngoffError, match="outside 0-1"):
        angoff(bad)


def test_disagreement_flags() -> None:
    """Item 1: one judge at .1, the rest at .7 (range .6 > .5; SD .245 > .20).
    Item 2: .4 .4 .4 .9 .9 .9 (SD .274 > .20; range .5 is not more than .5).
    Item 3: all .7, but its observed p is .30 (gap .4 > .25)."""
    ratings = np.array(
        [
            [0.1, 0.4, 0.7],
            [0.7, 0.4, 0.7],
            [0.7, 0.4, 0.7],
            [0.7, 0.9, 0.7],
            [0.7, 0.9, 0.7],
            [0.7, 0.9, 0.7],
        ]
    )
    result = angoff(ratings, p_values=[0.65, None, 0.30])
    flags = [set(i.flags) for i in result.items]
    assert flags[0] == {FLAG_SPREAD, FLAG_RANGE}
    assert flags[1] == {FLAG_SPREAD}
    assert flags[2] == {FLAG_P_GAP}
    assert len(result.flagged) == 3
    assert result.items[0].histogram == (0, 1, 0, 0, 0, 0, 0, 5, 0, 0)
    assert any("judge 1's cut" in w for w in result.warnings)


def test_panel_spread_for_round_two_needs_no_minimum_panel() -> None:
    spread = panel_spread([[0.5, 1.0], [0.7, 0.95]], item_ids=["x", "y"], p_values=[0.6, None])
    assert spread[0].item_id == "x" and math.isclose(spread[0].mean, 0.6)
    assert spread[1].histogram[-1] == 2  # 1.0 and .95 fall in the top bin
    assert spread[0].p_value == 0.6 and spread[1].p_value is None


def test_compare_rounds() -> None:
    round2 = [row[:] for row in RATINGS]
    round2[2] = [0.6, 0.7, 0.8, 0.5]
    change = compare_rounds(RATINGS, round2)
    assert math.isclose(change.cut_round1, 2.6)
    assert math.isclose(change.cut_change, 0.3 / 6)
    assert change.items_changed == 3
    assert change.se_round2 < change.se_round1


def test_icc_matches_r_psych(tmp_path: Path) -> None:
    """The judges' ICC(2,1) and ICC(2,k) equal psych::ICC on items x judges."""
    rng = np.random.default_rng(3)
    truth = rng.uniform(0.3, 0.95, size=30)
    leniency = rng.normal(0, 0.05, size=9)
    ratings = np.clip(truth[None, :] + leniency[:, None] + rng.normal(0, 0.08, (9, 30)), 0, 1)
    ratings = np.round(ratings, 2)
    write_matrix(tmp_path / "r.csv", ratings.T)
    ref = run_r(
        """
x <- read.csv("r.csv", header = FALSE)
r <- ICC(x, lmer = FALSE)$results
out("icc", r$ICC)
out("lower", r$`lower bound`)
out("upper", r$`upper bound`)
""",
        tmp_path,
    )
    result = angoff(ratings)
    # psych's rows: ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k
    for name, row in (("ICC2", 1), ("ICC2k", 4)):
        est = result.icc[name]
        assert abs(est.value - ref["icc"][row]) < 1e-10
        assert abs(est.ci_low - ref["lower"][row]) < 1e-8
        assert abs(est.ci_high - ref["upper"][row]) < 1e-8
    assert math.isclose(result.cut, ratings.mean(axis=0).sum())
