"""exams/scoring.py against hand-worked cases and R psych (alpha's r.drop, KR-20 = alpha)."""

from __future__ import annotations

import math
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from exams.scoring import (
    DOMAIN_ABOVE,
    DOMAIN_BELOW,
    DOMAIN_NEAR,
    FLAG_DISTRACTOR,
    FLAG_EASY,
    FLAG_HARD,
    FLAG_LOW_R,
    OMIT,
    LinearScale,
    analyze,
    domain_feedback,
    domain_scores,
    form_statistics,
    group_weights,
    item_analysis,
    pass_fail,
    raw_needed,
    score_responses,
    subkoviak_consistency,
    totals_statistics,
)
from tests.pure.r_psych import run_r, write_matrix

A, B, C, D = 0, 1, 2, 3

# Six candidates, four items keyed A B C D (worked by hand below).
KEY = [A, B, C, D]
RESPONSES = [
    [A, B, C, D],  # 1 1 1 1  total 4
    [A, B, C, A],  # 1 1 1 0  total 3
    [A, B, A, A],  # 1 1 0 0  total 2
    [A, C, A, B],  # 1 0 0 0  total 1
    [B, C, A, B],  # 0 0 0 0  total 0
    [A, B, C, OMIT],  # 1 1 1 0  total 3
]


def close(a: float, b: float | F, tol: float = 1e-12) -> bool:
    return abs(float(a) - float(b)) <= tol


def test_item_scores_and_raw_scores_by_hand() -> None:
    x = score_responses(RESPONSES, KEY)
    assert x.tolist() == [
        [1, 1, 1, 1],
        [1, 1, 1, 0],
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [0] * 4,
        [1, 1, 1, 0],
    ]
    result = analyze(RESPONSES, KEY)
    assert result.scores.raw.tolist() == [4, 3, 2, 1, 0, 3]


def test_difficulty_and_kr20_by_hand() -> None:
    """p = 5/6, 4/6, 3/6, 1/6; T = 4,3,2,1,0,3: mean 13/6, variance (n) 65/36.

    sum pq = (5 + 8 + 9 + 5)/36 = 27/36, KR-20 = 4/3 (1 - 27/65) = 152/195.
    """
    result = analyze(RESPONSES, KEY)
    p = result.items.p
    for got, want in zip(p, [F(5, 6), F(4, 6), F(3, 6), F(1, 6)], strict=True):
        assert close(got, want)
    form = result.form
    assert close(form.mean, F(13, 6))
    assert close(form.kr20, F(152, 195))
    sd = math.sqrt(65 / 36 * 6 / 5)  # n - 1 denominator
    assert close(form.sd, sd)
    assert close(form.sem, sd * math.sqrt(1 - 152 / 195))
    # KR-21 = k/(k-1) (1 - M (k - M) / (k var)) with M = 13/6, var = 65/36
    kr21 = 4 / 3 * (1 - (13 / 6) * (4 - 13 / 6) / (4 * 65 / 36))
    assert close(form.kr21, kr21)
    assert (form.minimum, form.maximum, form.n_candidates, form.n_items) == (0, 4, 6, 4)


def test_corrected_item_total_r_by_hand() -> None:
    """Item 4: x = 1,0,0,0,0,0, rest = 3,3,2,1,0,3 (mean 2, variance 4/3).

    cov = 3/6 - (1/6)(2) = 1/6, var x = 5/36, r = (1/6)/sqrt(5/36 * 4/3) = sqrt(0.15).
    Item 1: x = 1,1,1,1,0,1, rest = 3,2,1,0,0,2: cov = 8/6 - (5/6)(8/6) = 8/36,
    var rest = 18/6 - 16/9 = 11/9, r = (8/36)/sqrt(5/36 * 11/9).
    """
    r = analyze(RESPONSES, KEY).items.r_corrected
    assert close(r[3], math.sqrt(0.15))
    assert close(r[0], (8 / 36) / math.sqrt(5 / 36 * 11 / 9))


def test_upper_lower_groups_share_tied_places() -> None:
    """27% of 6 = 1.62 -> 2 per group. Lower: totals 0 and 1. Upper: the 4 and half of each
    candidate tied at 3, so that row order does not matter."""
    lower, upper, size = group_weights([4, 3, 2, 1, 0, 3])
    assert size == 2
    assert lower.tolist() == [0, 0, 0, 1, 1, 0]
    assert upper.tolist() == [1, 0.5, 0, 0, 0, 0.5]
    items = analyze(RESPONSES, KEY).items
    # item 1: upper (1 + .5 + .5)/2 = 1, lower (0 + 1)/2 = .5; item 4: upper .5, lower 0
    assert items.p_upper.tolist()[0] == 1.0 and items.p_lower.tolist()[0] == 0.5
    assert items.discrimination[0] == 0.5 and items.discrimination[3] == 0.5
    reordered = analyze(RESPONSES[::-1], KEY).items
    assert np.allclose(reordered.discrimination, items.discrimination)


def test_options_counts_and_correlations_with_the_total() -> None:
    items = analyze(RESPONSES, KEY).items
    opts = items.options
    # item 4 (key D): A twice, B twice, D once, one omitted
    assert opts.counts[3].tolist() == [2, 2, 0, 1]
    assert opts.omitted.tolist() == [0, 0, 0, 1]
    assert np.isnan(opts.r_total[3, 2])  # nobody chose C: no correlation
    # choosing A on item 4 = candidates 2 and 3 (totals 3, 2)
    t = np.array([4, 3, 2, 1, 0, 3], dtype=float)
    chose_a = np.array([0, 1, 1, 0, 0, 0], dtype=float)
    assert close(opts.r_total[3, 0], np.corrcoef(chose_a, t)[0, 1])
    # the key's r with the total is the uncorrected item-total r
    assert close(opts.r_total[0, 0], np.corrcoef([1, 1, 1, 1, 0, 1], t)[0, 1])
    assert close(opts.upper[3, 0], 0.25) and close(opts.lower[3, 0], 0.0)


def test_flags() -> None:
    rng = np.random.default_rng(5)
    n = 400
    ability = rng.normal(size=n)
    good = [np.where(ability + rng.normal(scale=0.7, size=n) > 0, A, B) for _ in range(10)]
    easy = np.where(rng.random(n) < 0.98, A, C)  # p ~ .98
    hard = np.where(rng.random(n) < 0.05, A, B)  # p ~ .05
    # a mis-keyed item: high scorers choose B, the key A goes to low scorers
    miskeyed = np.where(ability > 0, B, A)
    responses = np.column_stack([*good, easy, hard, miskeyed])
    items = item_analysis(responses, [A] * 13)
    codes = [{f.code for f in flags} for flags in items.flags]
    assert codes[:10] == [set()] * 10
    assert FLAG_EASY in codes[10] and FLAG_LOW_R in codes[10]
    assert FLAG_HARD in codes[11]
    assert FLAG_DISTRACTOR in codes[12] and FLAG_LOW_R in codes[12]
    distractor = [f for f in items.flags[12] if f.code == FLAG_DISTRACTOR]
    assert [f.option for f in distractor] == [B]
    assert "distractor B" in distractor[0].message
    assert items.n_flagged == 3


def test_pretest_items_are_analysed_but_not_scored() -> None:
    scored = [True, True, True, False]
    result = analyze(RESPONSES, KEY, scored=scored)
    assert result.scores.raw.tolist() == [3, 3, 2, 1, 0, 3]
    assert result.form.n_items == 3
    # the pretest item's r is with the total of the scored items (it is not in it)
    total = np.array([3, 3, 2, 1, 0, 3], dtype=float)
    assert close(result.items.r_corrected[3], np.corrcoef([1, 0, 0, 0, 0, 0], total)[0, 1])
    assert close(form_statistics(score_responses(RESPONSES, KEY), scored).kr20, result.form.kr20)


def test_cut_scale_and_domains() -> None:
    scale = LinearScale.through(3, 500, 4, 800)
    result = analyze(
        RESPONSES, KEY, cut=2.4, scale=scale, domains=["Ethics", "Ethics", "Recovery", "Ethics"]
    )
    pf = result.pass_fail
    assert pf is not None and pf.raw_needed == 3 and pf.n_pass == 3
    assert result.scores.passed is not None
    assert result.scores.passed.tolist() == [True, True, False, False, False, True]
    assert result.scores.scaled is not None
    assert result.scores.scaled.tolist() == [800, 500, 200, -100, -400, 500]
    domains = result.scores.domains
    assert domains is not None and domains.names == ("Ethics", "Recovery")
    assert domains.n_items.tolist() == [3, 1]
    assert domains.correct.tolist() == [[3, 1], [2, 1], [2, 0], [1, 0], [0, 0], [2, 1]]
    assert close(domains.percent[1, 0], 200 / 3)


def test_scale_rounds_half_up_and_clips() -> None:
    scale = LinearScale(slope=2.5, intercept=0, low=0, high=10)
    assert scale.apply([1, 3, 5]).tolist() == [3.0, 8.0, 10.0]  # 2.5 -> 3, 7.5 -> 8, 12.5 -> 10
    with pytest.raises(ValueError):
        LinearScale(slope=0, intercept=1)
    with pytest.raises(ValueError):
        LinearScale.through(5, 1, 5, 2)


def test_raw_needed_rounds_a_fractional_cut_up() -> None:
    assert raw_needed(97.35) == 98
    assert raw_needed(97.0) == 97
    assert raw_needed(97.000000000001) == 97  # a sum of ratings a hair over
    assert raw_needed(0) == 0
    with pytest.raises(ValueError):
        raw_needed(151, n_items=150)
    with pytest.raises(ValueError):
        raw_needed(float("nan"))


def test_subkoviak_by_hand() -> None:
    """Two candidates with 1 and 3 of 4 right, reliability 0.5, cut 3.

    Kelley: pi = .5 x/4 + .5 (2/4) -> .375 and .625. P(X >= 3 | 4, pi) =
    4 pi^3 (1 - pi) + pi^4.
    """

    def p_pass(pi: float) -> float:
        return sum(math.comb(4, x) * pi**x * (1 - pi) ** (4 - x) for x in (3, 4))

    p1, p2 = p_pass(0.375), p_pass(0.625)
    agreement = ((p1**2 + (1 - p1) ** 2) + (p2**2 + (1 - p2) ** 2)) / 2
    mean = (p1 + p2) / 2
    chance = mean**2 + (1 - mean) ** 2
    got = subkoviak_consistency([1, 3], 4, 3, 0.5)
    assert close(got.agreement, agreement)
    assert close(got.chance, chance)
    assert close(got.kappa, (agreement - chance) / (1 - chance))
    assert "Subkoviak" in got.method


def test_decision_consistency_rises_with_reliability() -> None:
    rng = np.random.default_rng(1)
    raw = rng.binomial(100, rng.beta(6, 3, size=2000))
    low = subkoviak_consistency(raw, 100, 65, 0.5)
    high = subkoviak_consistency(raw, 100, 65, 0.95)
    assert 0.5 < low.agreement < high.agreement <= 1
    assert low.kappa < high.kappa
    everyone = subkoviak_consistency(raw, 100, 0, 0.9)
    assert math.isclose(everyone.agreement, 1.0) and math.isnan(everyone.kappa)


def test_pass_fail_from_vendor_totals() -> None:
    pf = pass_fail([40, 55, 70, 90], 100, 69.5)
    assert (pf.raw_needed, pf.n_pass, pf.n, pf.pass_rate) == (70, 2, 4, 0.5)
    assert pf.consistency is not None
    stats = totals_statistics([40, 55, 70, 90], 100)
    assert math.isnan(stats.kr20) and 0 < stats.kr21 < 1
    with pytest.raises(ValueError):
        totals_statistics([101], 100)


def test_domain_feedback() -> None:
    # cut 70 of 100: pi = .7; a 20-item domain has se = sqrt(.21/20) = .1025
    labels = domain_feedback([10, 14, 17, 1], [20, 20, 20, 2], 70, 100)
    assert labels == [DOMAIN_BELOW, DOMAIN_NEAR, DOMAIN_ABOVE, DOMAIN_NEAR]


def test_domain_scores_skip_unscored_items() -> None:
    x = score_responses(RESPONSES, KEY)
    subs = domain_scores(x, ["a", "b", "c", "c"], scored=[True, True, False, False])
    assert subs.names == ("a", "b")


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="entries for 4 items"):
        analyze(RESPONSES, [A, B])
    with pytest.raises(ValueError, match="outside the items' options"):
        analyze([[A, 7]], [A, B], n_options=[4, 4])
    with pytest.raises(ValueError, match="no scored items"):
        analyze(RESPONSES, KEY, scored=[False] * 4)
    with pytest.raises(ValueError, match="beyond its options"):
        analyze(RESPONSES, [A, B, C, 4], n_options=[4, 4, 4, 4])


def test_degenerate_groups_give_nan_not_errors() -> None:
    one = analyze([[A, B]], [A, B])
    assert one.form.n_candidates == 1 and math.isnan(one.form.kr20)
    assert one.warnings
    same = analyze([[A, B], [A, B], [A, B]], [A, B], cut=1)
    assert np.isnan(same.items.r_corrected).all()
    doc = same.to_dict(["c1", "c2", "c3"])
    assert doc["items"][0]["r_corrected"] is None
    assert [c["passed"] for c in doc["candidates"]] == [True, True, True]


def test_speed_of_a_large_form() -> None:
    """5,000 x 150 in well under the benchmark's 1 s (a loose bound for slow CI runners)."""
    import time

    rng = np.random.default_rng(0)
    key = rng.integers(0, 4, size=150)
    responses = rng.integers(-1, 4, size=(5000, 150))
    start = time.perf_counter()
    analyze(responses, key, cut=60)
    assert time.perf_counter() - start < 5


# --------------------------------------------------------------------------- R psych


def _simulated(seed: int, n: int, k: int, pretest: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=n)
    difficulty = rng.normal(size=k)
    p = 1 / (1 + np.exp(-1.7 * (ability[:, None] - difficulty[None, :])))
    key = rng.integers(0, 4, size=k)
    wrong = (key[None, :] + rng.integers(1, 4, size=(n, k))) % 4
    responses = np.where(rng.random((n, k)) < p, key[None, :], wrong)
    responses[rng.random((n, k)) < 0.02] = OMIT
    return responses, key


@pytest.mark.parametrize("seed,n,k", [(11, 250, 25), (12, 60, 8)])
def test_matches_r_psych_alpha(tmp_path: Path, seed: int, n: int, k: int) -> None:
    """psych::alpha on the 0/1 scores: raw_alpha = KR-20, r.drop = corrected item-total r,
    item means = p."""
    responses, key = _simulated(seed, n, k)
    x = score_responses(responses, key)
    write_matrix(tmp_path / "x.csv", x)
    ref = run_r(
        """
x <- read.csv("x.csv", header = FALSE)
a <- alpha(x, warnings = FALSE, check.keys = FALSE)
out("alpha", a$total$raw_alpha)
out("rdrop", a$item.stats$r.drop)
out("mean", a$item.stats$mean)
out("total_sd", sd(rowSums(x)))
""",
        tmp_path,
    )
    result = analyze(responses, key)
    assert abs(result.form.kr20 - ref["alpha"][0]) < 1e-10
    assert np.allclose(result.items.r_corrected, ref["rdrop"], atol=1e-10, rtol=0)
    assert np.allclose(result.items.p, ref["mean"], atol=1e-12, rtol=0)
    assert abs(result.form.sd - ref["total_sd"][0]) < 1e-10


def test_point_biserial_of_options_matches_r(tmp_path: Path) -> None:
    """Each option's r with the total equals R's cor() of the 0/1 choice with the total."""
    responses, key = _simulated(13, 200, 6)
    x = score_responses(responses, key)
    total = x.sum(axis=1)
    chose = np.column_stack([(responses[:, j] == o) for j in range(6) for o in range(4)])
    write_matrix(tmp_path / "c.csv", np.column_stack([chose, total]))
    ref = run_r(
        """
m <- as.matrix(read.csv("c.csv", header = FALSE))
t <- m[, ncol(m)]
out("r", apply(m[, -ncol(m)], 2, function(v) cor(v, t)))
""",
        tmp_path,
    )
    result = analyze(responses, key)
    assert np.allclose(result.items.options.r_total.ravel(), ref["r"], atol=1e-10, equal_nan=True)
