"""Subgroup statistics (rds/subgroups.py) against pingouin and hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pingouin as pg
import pytest

from rds.subgroups import cohens_d, fisher_ci, respondent_domain_scores, subgroup_blueprint

NAN = np.nan


def test_cohens_d_against_pingouin() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(3.0, 1.0, 40), rng.normal(2.6, 1.3, 75)
    ours = cohens_d(a, b)
    d = pg.compute_effsize(a, b, eftype="cohen")
    assert ours.d == pytest.approx(d, abs=1e-12)
    low, high = pg.compute_esci(d, nx=40, ny=75, eftype="cohen", decimals=12)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((low, high), abs=1e-10)
    with_nan = cohens_d(np.append(a, NAN), b)
    assert with_nan.d == pytest.approx(d, abs=1e-12) and with_nan.n_group == 40


def test_cohens_d_by_hand_and_undefined() -> None:
    # means 3 and 1, both variances 1 (n=3 each): pooled SD 1, d = 2
    result = cohens_d(np.array([2.0, 3.0, 4.0]), np.array([0.0, 1.0, 2.0]))
    assert result.d == pytest.approx(2.0)
    assert math.isnan(cohens_d(np.array([1.0]), np.array([1.0, 2.0])).d)
    assert math.isnan(cohens_d(np.array([1.0, 1.0]), np.array([1.0, 1.0])).d)


def test_fisher_ci_against_pingouin() -> None:
    low, high = fisher_ci(0.85, 37)
    ref = pg.compute_esci(0.85, nx=37, eftype="r", decimals=12)
    assert (low, high) == pytest.approx(tuple(ref), abs=1e-10)
    assert all(math.isnan(v) for v in fisher_ci(0.5, 3))
    assert fisher_ci(1.0, 10) == (1.0, 1.0)


def test_respondent_domain_scores_by_hand() -> None:
    imp = np.array([[4.0, 2.0, 3.0], [1.0, NAN, 2.0]])
    freq = np.array([[1.0, 3.0, 2.0], [2.0, 2.0, NAN]])
    scores = respondent_domain_scores(imp, freq, "multiplicative", [0, 0, 1], 2)
    # respondent 1: domain 0 mean of 4*1 and 2*3 = 5; domain 1: 3*2 = 6
    # respondent 2: domain 0 only task 1 rated on both: 1*2 = 2; domain 1 none
    np.testing.assert_allclose(scores, [[5.0, 6.0], [2.0, NAN]])
    additive = respondent_domain_scores(imp, freq, "additive", [0, 0, 1], 2, [True, False, True])
    np.testing.assert_allclose(additive[0], [2.5, 2.5])


def test_subgroup_blueprint_by_hand() -> None:
    crit = np.array([4.0, 2.0, 2.0, NAN, 9.0])
    retained = np.array([True, True, True, True, False])
    result = subgroup_blueprint(crit, retained, [0, 0, 1, 1, 1], 2, 12)
    # domain weights 6/8 and 2/8 of 12 items; the task without ratings counts 0
    assert result.domain_weights == (0.75, 0.25) and result.domain_items == (9, 3)
    empty = subgroup_blueprint(np.zeros(5), retained, [0, 0, 1, 1, 1], 2, 12)
    assert empty.domain_items == (0, 0)
