"""ICCs from every rating (crossed REML) against R psych ``ICC(x, lmer=TRUE)`` and by hand.

Three independent references: R (psych + lme4, when Rscript exists; required on CI), a
brute-force REML written from the dense covariance matrix, and the ANOVA forms, which REML
reproduces on complete data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize

from rds.mixed_icc import fit_crossed_reml, mixed_icc, spearman_brown
from rds.reliability import ICC_FORMS, intraclass_corr
from tests.pure.r_psych import run_r, write_matrix


def survey(n_resp: int, n_tasks: int, missing: float, seed: int) -> np.ndarray:
    """Targets (tasks) x raters (respondents), 0-4 ratings, no empty row or column."""
    rng = np.random.default_rng(seed)
    task = rng.normal(2.5, 0.6, n_tasks)
    person = rng.normal(0.0, 0.5, (n_resp, 1))
    x = np.clip(np.rint(task + person + rng.normal(0.0, 0.8, (n_resp, n_tasks))), 0, 4)
    x[rng.random(x.shape) < missing] = np.nan
    x = x[~np.isnan(x).all(axis=1)][:, ~np.isnan(x).all(axis=0)]
    return np.ascontiguousarray(x.T)


def values(result) -> np.ndarray:
    return np.array([result.estimates[f].value for f in ICC_FORMS])


def dense_reml(x: np.ndarray) -> tuple[float, float, float]:
    """Variance components (targets, raters, residual) from the REML likelihood with V dense."""
    rows, cols = np.nonzero(~np.isnan(x))
    y = x[rows, cols]
    n = y.size
    zt = (rows[:, None] == np.arange(x.shape[0])).astype(float)
    zr = (cols[:, None] == np.arange(x.shape[1])).astype(float)
    gt, gr = zt @ zt.T, zr @ zr.T
    ones = np.ones((n, 1))

    def criterion(log_var: np.ndarray) -> float:
        vt, vr, ve = np.exp(log_var)
        v = vt * gt + vr * gr + ve * np.eye(n)
        sign, logdet_v = np.linalg.slogdet(v)
        vi = np.linalg.inv(v)
        xvx = float((ones.T @ vi @ ones)[0, 0])
        p = vi - (vi @ ones @ ones.T @ vi) / xvx
        return logdet_v + math.log(xvx) + float(y @ p @ y)

    best = minimize(
        criterion,
        np.log([0.3, 0.2, 0.6]),
        method="Nelder-Mead",
        options={"xatol": 1e-11, "fatol": 1e-13, "maxiter": 5000},
    )
    vt, vr, ve = np.exp(best.x)
    return float(vt), float(vr), float(ve)


def test_complete_data_gives_the_anova_forms() -> None:
    # balanced data, positive components: REML equals the ANOVA estimators exactly
    x = survey(60, 15, 0.0, 11)
    anova = intraclass_corr(x)
    mixed = mixed_icc(x)
    for form in ICC_FORMS:
        assert mixed.estimates[form].value == pytest.approx(anova.estimates[form].value, abs=1e-7)
    assert mixed.ms_targets == pytest.approx(anova.ms_targets, rel=1e-7)
    assert mixed.ms_error == pytest.approx(anova.ms_error, rel=1e-7)
    assert mixed.n_ratings == 60 * 15 and mixed.fit is not None and mixed.fit.converged


@pytest.mark.parametrize(
    ("n_resp", "n_tasks", "missing", "seed"), [(12, 6, 0.2, 1), (5, 9, 0.25, 2), (14, 6, 0.6, 5)]
)
def test_brute_force_reml_agrees(n_resp: int, n_tasks: int, missing: float, seed: int) -> None:
    # (5 x 9): more targets than raters, so the other factor is the one eliminated
    x = survey(n_resp, n_tasks, missing, seed)
    fit = fit_crossed_reml(x)
    assert fit is not None
    vt, vr, ve = dense_reml(x)
    assert fit.var_targets == pytest.approx(vt, abs=1e-6)
    assert fit.var_raters == pytest.approx(vr, abs=1e-6)
    assert fit.var_residual == pytest.approx(ve, abs=1e-6)


def test_either_orientation_gives_the_same_components() -> None:
    x = survey(30, 20, 0.2, 3)
    a = fit_crossed_reml(x)
    b = fit_crossed_reml(np.ascontiguousarray(x.T))  # targets and raters swapped
    assert a is not None and b is not None
    assert a.var_targets == pytest.approx(b.var_raters, abs=1e-8)
    assert a.var_raters == pytest.approx(b.var_targets, abs=1e-8)
    assert a.var_residual == pytest.approx(b.var_residual, abs=1e-8)


def test_empty_rows_and_columns_are_left_out() -> None:
    x = survey(20, 8, 0.1, 4)
    padded = np.full((x.shape[0] + 1, x.shape[1] + 2), np.nan)
    padded[1:, 1:-1] = x
    a, b = mixed_icc(x), mixed_icc(padded)
    np.testing.assert_allclose(values(a), values(b), atol=1e-12)
    assert (b.n_targets, b.n_raters) == x.shape
    assert b.n_per_target[0] == 0 and b.n_per_rater[0] == 0 and b.n_per_rater[-1] == 0


def test_undefined_cases_are_nan() -> None:
    assert np.isnan(values(mixed_icc(np.full((4, 5), 2.0)))).all()  # no variance
    assert np.isnan(values(mixed_icc(np.array([[1.0, 2.0, 3.0]])))).all()  # one target
    assert mixed_icc(np.full((3, 3), np.nan)).fit is None


def test_spearman_brown() -> None:
    np.testing.assert_allclose(spearman_brown(0.2, [1, 4, 10]), [0.2, 0.5, 2 / 2.8 * 1.0])
    assert np.isnan(spearman_brown(0.3, 0)).all()


# --- R psych ICC(x, lmer=TRUE) ----------------------------------------------------------------

CASES = [(40, 12, 0.1, 1), (25, 8, 0.3, 2), (60, 20, 0.05, 3), (15, 30, 0.2, 4), (50, 6, 0.15, 6)]

R_SCRIPT = """
suppressPackageStartupMessages(library(lme4))
default_lmer <- lme4::lmer
# lme4 stops its optimiser at ftol_abs = 1e-8 on the deviance, which leaves the variance
# components (and so the ICCs) up to ~3e-5 off the REML optimum on some surveys; psych's own
# code is run a second time with lme4 converged fully, to compare at 1e-6.
converged_lmer <- function(formula, data, ...) default_lmer(formula, data, ...,
  control = lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-13, xtol_rel = 0,
                                       ftol_rel = 0, maxeval = 1e5)))
for (i in seq_len(N)) {
  x <- as.matrix(read.csv(sprintf("x%d.csv", i), header = FALSE, na.strings = "nan"))
  d <- ICC(x, lmer = TRUE)
  assignInNamespace("lmer", converged_lmer, "lme4")
  r <- ICC(x, lmer = TRUE)
  assignInNamespace("lmer", default_lmer, "lme4")
  out(sprintf("default%d", i), d$results$ICC)
  out(sprintf("icc%d", i), r$results$ICC)
  out(sprintf("low%d", i), r$results[, "lower bound"])
  out(sprintf("high%d", i), r$results[, "upper bound"])
  out(sprintf("f%d", i), r$results$F)
  out(sprintf("p%d", i), r$results$p)
  out(sprintf("var%d", i), r$lme[1:3, 1])
}
"""


def noise(seed: int) -> np.ndarray:
    """Ratings without a task (seed 0) or respondent (seed 6) effect: REML's boundary."""
    rng = np.random.default_rng(seed)
    x = np.rint(rng.normal(2.0, 1.0, (8, 25)))
    x[rng.random(x.shape) < 0.2] = np.nan
    return x


def test_psych_icc_lmer(tmp_path: Path) -> None:
    matrices = [survey(*case) for case in CASES] + [noise(0), noise(6)]
    fits = [fit_crossed_reml(m) for m in matrices[-2:]]
    assert fits[0] is not None and fits[0].theta[0] == 0.0  # no task variance
    assert fits[1] is not None and fits[1].theta[1] == 0.0  # no respondent variance
    for i, x in enumerate(matrices, start=1):
        write_matrix(tmp_path / f"x{i}.csv", x)
    r = run_r(f"N <- {len(matrices)}\n" + R_SCRIPT, tmp_path)
    for i, x in enumerate(matrices, start=1):
        assert np.isnan(x).any()
        ours = mixed_icc(x)
        assert ours.fit is not None
        est = [ours.estimates[f] for f in ICC_FORMS]
        np.testing.assert_allclose(values(ours), r[f"icc{i}"], atol=1e-6, rtol=0)
        np.testing.assert_allclose([e.ci_low for e in est], r[f"low{i}"], atol=1e-6, rtol=0)
        np.testing.assert_allclose([e.ci_high for e in est], r[f"high{i}"], atol=1e-6, rtol=0)
        np.testing.assert_allclose([e.f for e in est], r[f"f{i}"], rtol=1e-5)
        np.testing.assert_allclose([e.p for e in est], r[f"p{i}"], atol=1e-6, rtol=1e-4)
        fit = ours.fit
        variances = [fit.var_targets, fit.var_raters, fit.var_residual]
        np.testing.assert_allclose(variances, r[f"var{i}"], atol=1e-6, rtol=0)
        # psych with lme4's default stopping rule: close, never further than its tolerance
        np.testing.assert_allclose(values(ours), r[f"default{i}"], atol=1e-4, rtol=0)
