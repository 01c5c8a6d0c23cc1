"""Survey statistics and reliability: hand-worked cases and agreement with pingouin/pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from rds.reliability import ICC_FORMS, cronbach_alpha, intraclass_corr, pairwise_covariance
from rds.stats import (
    cochran_sample_size,
    complete_rows,
    criticality,
    criticality_by_level,
    describe,
    pct_performing,
    pearson_r,
)

NAN = np.nan


def ratings(seed: int, n: int, k: int, missing: float = 0.0) -> np.ndarray:
    """Correlated 0-4 ratings with a share of blanks."""
    rng = np.random.default_rng(seed)
    x = np.rint(rng.normal(2.5, 0.7, k) + rng.normal(0, 0.6, (n, 1)) + rng.normal(0, 0.8, (n, k)))
    x = np.clip(x, 0, 4)
    x[rng.random(x.shape) < missing] = NAN
    return x


# --- descriptives -------------------------------------------------------------------------


def test_describe_hand_worked() -> None:
    x = np.array([[1, 4, NAN], [2, 4, NAN], [3, 4, 2.0], [NAN, 4, NAN]])
    d = describe(x)
    assert d.n.tolist() == [3, 4, 1]
    assert d.mean[0] == 2.0 and d.mean[1] == 4.0 and d.mean[2] == 2.0
    assert d.sd[0] == pytest.approx(1.0) and d.sd[1] == 0.0 and math.isnan(d.sd[2])
    assert d.se[0] == pytest.approx(1 / math.sqrt(3)) and math.isnan(d.se[2])


def test_describe_matches_pandas_with_missing() -> None:
    x = ratings(1, 200, 12, missing=0.1)
    d = describe(x)
    frame = pd.DataFrame(x)
    np.testing.assert_allclose(d.mean, frame.mean(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.sd, frame.std(ddof=1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(d.se, frame.sem(), rtol=0, atol=1e-12)
    complete = describe(ratings(1, 200, 12))
    np.testing.assert_allclose(complete.sd, ratings(1, 200, 12).std(axis=0, ddof=1), atol=1e-12)


def test_describe_empty_task_is_nan() -> None:
    d = describe(np.array([[NAN, 1.0], [NAN, 2.0]]))
    assert d.n[0] == 0 and math.isnan(d.mean[0]) and math.isnan(d.sd[0])


def test_pct_performing_counts_nonzero_of_nonmissing() -> None:
    f = np.array([[0, 1, NAN], [2, 0, NAN], [NAN, 0, NAN], [3, 0, NAN]])
    share = pct_performing(f)
    assert share[0] == pytest.approx(2 / 3) and share[1] == pytest.approx(1 / 4)
    assert math.isnan(share[2])


def test_criticality_methods_hand_worked() -> None:
    imp = np.array([[4, 2], [2, NAN]], dtype=float)
    freq = np.array([[1, 3], [3, 1]], dtype=float)
    # multiplicative: task 1 = (4*1 + 2*3)/2; task 2: only respondent 1 rated both = 2*3
    assert criticality(imp, freq).tolist() == [5.0, 6.0]
    assert criticality(imp, freq, "product-of-means").tolist() == [6.0, 4.0]
    assert criticality(imp, freq, "additive").tolist() == [2.5, 2.0]
    assert criticality(imp, freq, "geometric") == pytest.approx([math.sqrt(6), 2.0])
    with pytest.raises(ValueError, match="unknown criticality method"):
        criticality(imp, freq, "median")


@pytest.mark.parametrize("method", ["multiplicative", "product-of-means", "additive", "geometric"])
@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_criticality_by_level_matches_subsets(method: str, missing: float) -> None:
    imp, freq = ratings(2, 120, 9, missing), ratings(3, 120, 9, missing)
    rng = np.random.default_rng(4)
    first, second = rng.integers(-1, 3, 120), rng.integers(0, 2, 120)  # -1: blank answer
    results = criticality_by_level(imp, freq, [(first, 3), (second, 2)], method)
    for levels, (within, others) in zip((first, second), results, strict=True):
        for g in range(within.shape[0]):
            mine, rest = levels == g, levels != g
            np.testing.assert_allclose(within[g], criticality(imp[mine], freq[mine], method))
            np.testing.assert_allclose(others[g], criticality(imp[rest], freq[rest], method))
    with pytest.raises(ValueError, match="levels"):
        criticality_by_level(imp, freq, [(first, 2)], method)


# --- alpha --------------------------------------------------------------------------------


def test_alpha_hand_worked() -> None:
    # Item variances 1 and 7/3, total-score variance 19/3: alpha = 2 (1 - 10/19) = 18/19.
    result = cronbach_alpha(np.array([[1, 2], [2, 3], [3, 5]], dtype=float))
    assert result.alpha == pytest.approx(18 / 19, abs=1e-12)
    assert result.n_subjects == 3 and result.n_items == 2
    assert result.ci_low < result.alpha < result.ci_high


@pytest.mark.parametrize("seed,missing", [(5, 0.0), (6, 0.05), (7, 0.2)])
def test_alpha_matches_pingouin(seed: int, missing: float) -> None:
    x = ratings(seed, 150, 10, missing)
    expected, expected_ci = pg.cronbach_alpha(data=pd.DataFrame(x))
    result = cronbach_alpha(x)
    assert result.alpha == pytest.approx(expected, abs=1e-10)
    # pingouin rounds the interval to 3 decimals
    assert result.ci_low == pytest.approx(expected_ci[0], abs=5e-4 + 1e-12)
    assert result.ci_high == pytest.approx(expected_ci[1], abs=5e-4 + 1e-12)


def test_pairwise_covariance_matches_pandas() -> None:
    x = ratings(8, 80, 7, missing=0.25)
    np.testing.assert_allclose(pairwise_covariance(x), pd.DataFrame(x).cov(), atol=1e-12)


def test_alpha_zero_variance_is_nan_and_input_checks() -> None:
    assert math.isnan(cronbach_alpha(np.full((5, 3), 2.0)).alpha)
    with pytest.raises(ValueError, match="two items"):
        cronbach_alpha(np.ones((5, 1)))
    with pytest.raises(ValueError, match="two subjects"):
        cronbach_alpha(np.ones((1, 4)))


# --- ICC ----------------------------------------------------------------------------------


def test_icc_shrout_fleiss_1979_example() -> None:
    # Table 2 of Shrout & Fleiss (1979): 6 targets rated by 4 judges (psych::ICC's example).
    sf = np.array(
        [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
        dtype=float,
    )
    result = intraclass_corr(sf)
    values = {k: e.value for k, e in result.estimates.items()}
    expected = {
        "ICC1": 0.17,
        "ICC2": 0.29,
        "ICC3": 0.71,
        "ICC1k": 0.44,
        "ICC2k": 0.62,
        "ICC3k": 0.91,
    }
    for form, value in expected.items():
        assert values[form] == pytest.approx(value, abs=0.005)
    assert result.ms_targets == pytest.approx(11.24, abs=0.005)
    assert result.ms_error == pytest.approx(1.02, abs=0.005)


@pytest.mark.parametrize("seed,n,k", [(9, 12, 25), (10, 40, 6), (11, 8, 3)])
def test_icc_matches_pingouin(seed: int, n: int, k: int, monkeypatch) -> None:
    monkeypatch.setitem(pg.options, "round.column.CI95", None)
    x = ratings(seed, k, n)  # k raters (respondents) x n targets (tasks)
    long = pd.DataFrame(
        {"task": np.tile(np.arange(n), k), "resp": np.repeat(np.arange(k), n), "y": x.ravel()}
    )
    table = pg.intraclass_corr(long, targets="task", raters="resp", ratings="y")
    result = intraclass_corr(x.T)
    assert result.n_targets == n and result.n_raters == k
    for form, (_, row) in zip(ICC_FORMS, table.iterrows(), strict=True):
        est = result.estimates[form]
        assert est.value == pytest.approx(row["ICC"], abs=1e-10), form
        assert est.ci_low == pytest.approx(row["CI95"][0], abs=1e-9), form
        assert est.ci_high == pytest.approx(row["CI95"][1], abs=1e-9), form


def test_icc_complete_rows_then_pingouin_omit(monkeypatch) -> None:
    monkeypatch.setitem(pg.options, "round.column.CI95", None)
    x = ratings(12, 60, 10, missing=0.02)  # respondents x tasks
    keep = complete_rows(x)
    assert 0 < keep.sum() < 60
    long = pd.DataFrame(x[keep]).melt(var_name="task", value_name="y", ignore_index=False)
    long = long.reset_index(names="resp")
    table = pg.intraclass_corr(long, targets="task", raters="resp", ratings="y")
    result = intraclass_corr(x[keep].T)
    np.testing.assert_allclose(
        [result.estimates[f].value for f in ICC_FORMS], table["ICC"], atol=1e-10
    )


def test_icc_undefined_and_input_checks() -> None:
    flat = intraclass_corr(np.full((4, 3), 1.0))
    assert all(math.isnan(e.value) for e in flat.estimates.values())
    with pytest.raises(ValueError, match="complete"):
        intraclass_corr(np.array([[1.0, NAN], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="two targets"):
        intraclass_corr(np.ones((1, 5)))


# --- sample size and correlation ----------------------------------------------------------


def test_cochran_sample_size() -> None:
    assert cochran_sample_size(2000, 100).required == 323  # DOMAIN.md
    result = cochran_sample_size(1500, 350)
    assert result.required == 306
    assert result.margin_of_error == pytest.approx(
        1.96 * math.sqrt(0.25 / 350 * (1500 - 350) / 1499), abs=1e-15
    )
    assert cochran_sample_size(10**9, 10).required == 385
    assert cochran_sample_size(300, 300).margin_of_error == 0.0
    assert math.isnan(cochran_sample_size(300, 301).margin_of_error)
    assert math.isnan(cochran_sample_size(300, 0).margin_of_error)
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError):
            cochran_sample_size(bad, 10)  # type: ignore[arg-type]


def test_pearson_r() -> None:
    rng = np.random.default_rng(13)
    a, b = rng.normal(size=30), rng.normal(size=30)
    assert pearson_r(a, b) == pytest.approx(np.corrcoef(a, b)[0, 1], abs=1e-12)
    assert math.isnan(pearson_r(np.ones(5), np.arange(5.0)))
    with pytest.raises(ValueError):
        pearson_r(np.ones(3), np.ones(4))
