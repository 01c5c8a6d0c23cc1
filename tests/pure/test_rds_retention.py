"""Retention rules and bootstrap stability (rds/retention.py) against direct computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from rds.exam_blueprint import apportion
from rds.retention import (
    RetentionRule,
    bootstrap_retention,
    importance_among_performers,
    importance_statistic,
    lower_confidence_bound,
    retain,
)
from rds.stats import criticality, describe, pct_performing

NAN = np.nan


def survey(n: int = 60, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # task 0 clearly important, task 1 clearly not, task 2 on the threshold of 2.0
    centres = np.array([3.4, 0.6, 2.0, 2.8, 2.5])
    imp = np.clip(np.rint(centres + rng.normal(0, 0.9, (n, 5))), 0, 4)
    freq = np.clip(np.rint(2.0 + rng.normal(0, 1.2, (n, 5))), 0, 4)
    imp[rng.random(imp.shape) < 0.05] = NAN
    freq[rng.random(freq.shape) < 0.05] = NAN
    return imp, freq


def test_importance_among_performers_by_hand() -> None:
    imp = np.array([[4.0, 1.0], [2.0, 3.0], [3.0, NAN], [1.0, 2.0]])
    freq = np.array([[2.0, 0.0], [0.0, 1.0], [NAN, 3.0], [1.0, 2.0]])
    desc = importance_among_performers(imp, freq)
    # task 1: performers are respondents 1 and 4 (frequency > 0): (4 + 1) / 2
    # task 2: respondents 2 and 4 rate frequency > 0, respondent 3 left importance blank
    np.testing.assert_allclose(desc.mean, [2.5, 2.5])
    assert list(desc.n) == [2, 2]


def test_lower_bound_is_the_t_interval() -> None:
    imp, _ = survey()
    desc = describe(imp)
    low = lower_confidence_bound(desc, 0.95)
    for j in range(imp.shape[1]):
        x = imp[~np.isnan(imp[:, j]), j]
        ref = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))[0]
        assert low[j] == pytest.approx(ref, abs=1e-12)


def test_rules() -> None:
    imp, freq = survey()
    performing = pct_performing(freq)
    crit = criticality(imp, freq)
    base = RetentionRule(importance_min=2.0, performing_min=0.5)
    mean = describe(imp).mean
    with np.errstate(invalid="ignore"):
        expected = (mean >= 2.0) & (performing >= 0.5)
    np.testing.assert_array_equal(retain(mean, performing, crit, base), expected)
    strict = RetentionRule(importance_min=2.0, performing_min=0.5, rule="lower-bound")
    lcb = importance_statistic(imp, freq, strict)
    assert (lcb < mean).all()
    kept = retain(lcb, performing, crit, strict)
    assert (kept <= expected).all()  # the lower bound only ever drops tasks
    high = RetentionRule(criticality_min=float(np.sort(crit)[-2]))
    assert retain(mean, performing, crit, high).sum() <= 2
    with pytest.raises(ValueError):
        RetentionRule(basis="some")


def test_bootstrap_is_seeded_and_matches_a_direct_resampling() -> None:
    imp, freq = survey()
    # the threshold at task 3's own mean: about half the resamples keep it
    rule = RetentionRule(importance_min=float(describe(imp).mean[2]))
    domains, items = [0, 0, 1, 1, 2], 20
    kwargs = dict(resamples=40, seed=7, stability=0.9)
    a = bootstrap_retention(imp, freq, rule, "multiplicative", domains, 3, items, **kwargs)
    b = bootstrap_retention(imp, freq, rule, "multiplicative", domains, 3, items, **kwargs)
    np.testing.assert_array_equal(a.share_retained, b.share_retained)
    assert a.domain_items_min == b.domain_items_min
    # the same draws, resampled row by row and run through the ordinary functions
    draws = np.random.default_rng(7).integers(0, imp.shape[0], size=(40, imp.shape[0]))
    kept = np.zeros(5)
    low, high = [99] * 3, [-1] * 3
    for rows in draws:
        i, f = imp[rows], freq[rows]
        c = criticality(i, f)
        k = retain(describe(i).mean, pct_performing(f), c, rule)
        kept += k
        w = [
            float(np.where(k, c, 0.0)[[j for j in range(5) if domains[j] == d]].sum())
            for d in range(3)
        ]
        counts = apportion(items, w)
        low = [min(x, y) for x, y in zip(low, counts, strict=True)]
        high = [max(x, y) for x, y in zip(high, counts, strict=True)]
    np.testing.assert_allclose(a.share_retained, kept / 40)
    assert list(a.domain_items_min) == low and list(a.domain_items_max) == high
    assert a.share_retained[0] == 1.0 and a.share_retained[1] == 0.0
    assert not a.borderline[0] and not a.borderline[1]
    assert 0.2 < a.share_retained[2] < 0.8 and a.borderline[2]  # on the threshold
    other = bootstrap_retention(
        imp, freq, rule, "multiplicative", domains, 3, items, resamples=40, seed=8
    )
    assert not np.array_equal(other.share_retained, a.share_retained) or other.seed == 8


def test_bootstrap_keeps_decisions_fixed() -> None:
    imp, freq = survey()
    result = bootstrap_retention(
        imp,
        freq,
        RetentionRule(),
        "additive",
        [0, 0, 1, 1, 2],
        3,
        10,
        fixed={0: False, 1: True},
        resamples=20,
        seed=1,
    )
    assert result.share_retained[0] == 0.0 and result.share_retained[1] == 1.0


def test_performers_basis_in_the_bootstrap() -> None:
    imp, freq = survey()
    rule = RetentionRule(basis="performers", rule="lower-bound")
    result = bootstrap_retention(imp, freq, rule, "geometric", [0] * 5, 1, 10, resamples=1, seed=2)
    rows = np.random.default_rng(2).integers(0, imp.shape[0], size=(1, imp.shape[0]))[0]
    i, f = imp[rows], freq[rows]
    stat = importance_statistic(i, f, rule)
    expected = retain(stat, pct_performing(f), criticality(i, f, "geometric"), rule)
    np.testing.assert_array_equal(result.share_retained, expected.astype(float))
