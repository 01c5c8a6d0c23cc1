"""Intraclass correlations that use every rating: a crossed random-effects model fitted by REML.

Pure numpy/scipy; no Flask, no SQLAlchemy. :func:`mixed_icc` is R ``psych::ICC(x,
lmer=TRUE)``: the two-way crossed random-effects model of targets and raters
``y ~ 1 + (1 | target) + (1 | rater)`` fitted by REML (as ``lme4::lmer``) on every
observed rating, and the six Shrout-Fleiss forms computed from its variance components the
way psych does. Unlike the ANOVA forms of :func:`rds.reliability.intraclass_corr`, it does
not need raters who rated every target.

The fit is fast on large surveys: the REML criterion is evaluated through the mixed-model
equations with the larger factor (usually the respondents) eliminated in closed form, since
its block is diagonal. What remains is a dense system of the size of the smaller factor
(the tasks), assembled from per-count sufficient statistics computed once (see
:func:`fit_crossed_reml`), so that each evaluation of the criterion costs
O(K m^2 + m^3) for m tasks and K distinct counts of ratings per respondent, whatever the
number of respondents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.linalg import LinAlgError, cho_factor, cho_solve
from scipy.optimize import minimize
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

from rds.reliability import IccEstimate, icc_from_mean_squares

__all__ = [
    "CrossedRemlFit",
    "MixedIcc",
    "fit_crossed_reml",
    "mixed_icc",
    "spearman_brown",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Above this many float64 entries the per-count cross-product matrices are not kept and
# each evaluation forms the weighted cross product from the incidence matrix instead.
_GROUP_STACK_LIMIT = 40_000_000
# Below this relative SD the gradient is taken by a forward difference (the analytic one is
# 0/0 at the boundary theta = 0).
_SMALL_THETA = 1e-6
# A fit whose projected gradient of the deviance is below this counts as converged.
_GRADIENT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class CrossedRemlFit:
    """REML fit of ``y ~ 1 + (1 | target) + (1 | rater)`` on the observed cells.

    Variances are those ``lme4::VarCorr`` reports: ``var_targets`` (psych's ``MS_id``),
    ``var_raters`` (``MS_items``) and ``var_residual`` (``sigma^2``). ``theta`` are the
    relative standard deviations (target, rater) in lme4's parametrisation,
    ``deviance`` the REML criterion (``-2 log L_R``) at the optimum, ``intercept`` the
    estimated grand mean.
    """

    n_targets: int
    n_raters: int
    n_ratings: int
    var_targets: float
    var_raters: float
    var_residual: float
    intercept: float
    theta: tuple[float, float]
    deviance: float
    converged: bool
    evaluations: int


@dataclass(frozen=True)
class MixedIcc:
    """ICCs from the variance components of a crossed REML fit (``psych::ICC(lmer=TRUE)``).

    ``n_targets``/``n_raters`` count the targets and raters with at least one rating
    (psych's ``n.obs`` and ``nj`` when none is empty); ``n_per_target`` and
    ``n_per_rater`` the ratings of each (in input order, empty ones included as 0).
    ``ms_*`` are the mean squares psych derives from the variance components:
    ``MSB = nj var_targets + var_residual``, ``MSJ = n.obs var_raters + var_residual``,
    ``MSE = var_residual``, ``MSW = var_residual + var_raters``. ``estimates`` holds the
    six forms with psych's F tests and intervals computed from those mean squares with the
    nominal complete-design degrees of freedom (an approximation under missing ratings).
    ``value`` is NaN when the ratings have no variance or fewer than 2 targets or raters.
    """

    fit: CrossedRemlFit | None
    n_targets: int
    n_raters: int
    n_ratings: int
    n_per_target: IntArray
    n_per_rater: IntArray
    ms_targets: float
    ms_raters: float
    ms_error: float
    ms_within: float
    estimates: dict[str, IccEstimate]


class _Criterion:
    """The profiled REML criterion of the crossed model and its gradient in theta.

    Orientation: ``x`` has the eliminated factor on its rows (``L`` levels) and the kept
    factor on its columns (``m`` levels). Everything that depends on the eliminated levels
    enters through per-count sums (``c``, ``q``, ``t``, ``g``, ``h`` and the cross-product
    stack), computed once here.
    """

    def __init__(self, x: FloatArray, mask: npt.NDArray[np.bool_]) -> None:
        n_obs = int(mask.sum())
        self.n_obs = n_obs
        self.n_elim, self.n_keep = mask.shape
        filled = np.where(mask, x, 0.0)
        self.centre = float(filled.sum() / n_obs)
        y = np.where(mask, x - self.centre, 0.0)  # centred: the intercept absorbs the shift
        self.yy = float(np.square(y).sum())
        counts_elim = mask.sum(axis=1).astype(np.int64)
        self.counts_keep = mask.sum(axis=0).astype(np.float64)
        self.sums_elim = y.sum(axis=1)
        self.sums_keep = y.sum(axis=0)
        self.sum_y = float(self.sums_elim.sum())
        distinct, inverse = np.unique(counts_elim, return_inverse=True)
        self.m = distinct.astype(np.float64)  # ratings per eliminated level, per group
        n_groups = distinct.size
        self.c = np.bincount(inverse, minlength=n_groups).astype(np.float64)
        self.q = np.bincount(inverse, weights=self.sums_elim**2, minlength=n_groups)
        self.t = np.bincount(inverse, weights=self.sums_elim, minlength=n_groups)
        # 0/1 incidence: whole numbers, exact in float32 (up to 2**24 levels) at half the cost
        self.inc: npt.NDArray[Any] = mask.astype(
            np.float32 if mask.shape[0] < 2**24 else np.float64
        )
        self.inverse = inverse
        self.counts_elim = counts_elim.astype(np.float64)
        self.g = np.zeros((n_groups, self.n_keep))
        self.h = np.zeros((n_groups, self.n_keep))
        self.stack: FloatArray | None = None
        if n_groups * self.n_keep * self.n_keep <= _GROUP_STACK_LIMIT:
            self.stack = np.empty((n_groups, self.n_keep, self.n_keep))
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(n_groups + 1))
        missing = ~mask[order]
        # A nearly complete survey: the cross products are a full block minus corrections
        # from the few blank cells, z_l = 1 - m_l (m_l sparse): sum z z' = c 11' - 1 s' - s 1'
        # + sum m m', with s the blank counts per task.
        sparse_blanks = int(missing.sum()) * 2 < missing.size
        blanks = csr_matrix(missing, dtype=np.float64) if sparse_blanks else None
        for k in range(n_groups):
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            rows = order[lo:hi]
            sums = self.sums_elim[rows]
            if blanks is not None:
                part = blanks[lo:hi]
                per_task = np.asarray(part.sum(axis=0), dtype=np.float64).ravel()
                self.g[k] = (hi - lo) - per_task
                self.h[k] = float(sums.sum()) - np.asarray(part.T @ sums).ravel()
                if self.stack is not None:
                    cross = (part.T @ part).toarray()
                    cross += (hi - lo) - per_task[None, :] - per_task[:, None]
                    self.stack[k] = cross
            else:
                block = self.inc[rows]
                self.g[k] = block.sum(axis=0, dtype=np.float64)
                self.h[k] = sums @ block.astype(np.float64)
                if self.stack is not None:
                    self.stack[k] = block.T @ block
        self.evaluations = 0

    def _weighted(self, tk: float, w: FloatArray) -> FloatArray:
        """sum_l w(n_l) b_l b_l' / te^2 with b_l = te [tk z_l; n_l], as an (m+1) matrix."""
        m = self.n_keep
        out = np.empty((m + 1, m + 1))
        if self.stack is not None:
            cross: npt.NDArray[Any] = np.tensordot(w, self.stack, axes=1)
        else:
            per_level = w[self.inverse]
            cross = self.inc.T @ (self.inc * per_level[:, None].astype(self.inc.dtype))
        out[:m, :m] = (tk * tk) * cross
        side = tk * ((w * self.m) @ self.g)
        out[:m, m] = side
        out[m, :m] = side
        out[m, m] = float(np.dot(w, self.c * self.m * self.m))
        return out

    def solve(self, tk: float, te: float, gradient: bool = False) -> tuple[float, ...]:
        r"""REML deviance, penalised RSS, intercept (and the gradient) at theta.

        With ``gradient`` the last two values are the derivatives in (theta_keep,
        theta_elim): :math:`[2(q_k - \operatorname{tr}_k A^{-1}) - 2\nu \|u_k\|^2 / r^2]
        / \theta_k` for each factor's block k of the mixed-model matrix A (NaN at 0).
        """
        self.evaluations += 1
        m = self.n_keep
        a = te * te * self.m + 1.0  # the diagonal of the eliminated block, per group
        w = te * te / a
        big = -self._weighted(tk, w)
        big[np.diag_indices(m)] += tk * tk * self.counts_keep + 1.0
        big[:m, m] += tk * self.counts_keep
        big[m, :m] += tk * self.counts_keep
        big[m, m] += self.n_obs
        rhs = np.empty(m + 1)
        rhs[:m] = tk * (self.sums_keep - w @ self.h)
        rhs[m] = self.sum_y - float(np.dot(w * self.m, self.t))
        yy = self.yy - float(np.dot(w, self.q))
        nan = math.nan
        try:
            factor = cho_factor(big, lower=True, check_finite=False)
        except LinAlgError:
            return (math.inf, nan, nan, nan, nan) if gradient else (math.inf, nan, nan)
        sol = cho_solve(factor, rhs, check_finite=False)
        pwrss = yy - float(np.dot(sol, rhs))
        dof = self.n_obs - 1
        if not pwrss > 0:
            return (math.inf, pwrss, nan, nan, nan) if gradient else (math.inf, pwrss, nan)
        logdet = float(np.dot(self.c, np.log(a))) + 2.0 * float(
            np.log(np.abs(np.diag(factor[0]))).sum()
        )
        deviance = logdet + dof * (1.0 + math.log(2.0 * math.pi * pwrss / dof))
        intercept = float(sol[m]) + self.centre
        if not gradient:
            return deviance, pwrss, intercept
        inv = cho_solve(factor, np.eye(m + 1), check_finite=False)
        u_keep, beta = sol[:m], float(sol[m])
        # kept factor: its block of A^-1 is the leading block of K^-1
        d_keep = (
            2.0 * (m - float(np.trace(inv[:m, :m])))
            - 2.0 * dof * float(np.dot(u_keep, u_keep)) / pwrss
        )
        # eliminated factor: (A^-1)_ee = D^-1 + D^-1 B' K^-1 B D^-1, u_l = (te S_l - b_l's)/a_l
        a_level = te * te * self.counts_elim + 1.0
        bs = te * (tk * (self.inc @ u_keep.astype(self.inc.dtype)) + self.counts_elim * beta)
        u_elim = (te * self.sums_elim - bs) / a_level
        trace_elim = float(np.dot(self.c, 1.0 / a)) + float(
            np.sum(inv * self._weighted(tk, te * te / (a * a)))
        )
        d_elim = (
            2.0 * (self.n_elim - trace_elim) - 2.0 * dof * float(np.dot(u_elim, u_elim)) / pwrss
        )
        g_keep = d_keep / tk if tk > 0 else nan
        g_elim = d_elim / te if te > 0 else nan
        return deviance, pwrss, intercept, g_keep, g_elim

    def deviance(self, theta: FloatArray) -> float:
        """REML deviance at theta = (theta_keep, theta_elim)."""
        return self.solve(abs(float(theta[0])), abs(float(theta[1])))[0]

    def deviance_and_gradient(self, theta: FloatArray) -> tuple[float, FloatArray]:
        """Deviance and gradient; a forward difference where a theta is (nearly) 0."""
        tk, te = abs(float(theta[0])), abs(float(theta[1]))
        dev, _, _, g_keep, g_elim = self.solve(tk, te, gradient=True)
        grad = np.array([g_keep, g_elim])
        for i, value in enumerate((tk, te)):
            if value < _SMALL_THETA or not math.isfinite(grad[i]):
                step = _SMALL_THETA
                moved = [tk, te]
                moved[i] = value + step
                grad[i] = (self.solve(moved[0], moved[1])[0] - dev) / step
        return dev, grad


def _starting_theta(x: FloatArray, mask: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Moment estimates of the relative SDs (kept, eliminated) from the observed means."""
    with np.errstate(invalid="ignore", divide="ignore"):
        grand = float(np.where(mask, x, 0.0).sum() / mask.sum())
        col = np.where(mask, x, 0.0).sum(axis=0) / mask.sum(axis=0)
        row = np.where(mask, x, 0.0).sum(axis=1) / mask.sum(axis=1)
        resid = np.where(mask, x - col[None, :] - row[:, None] + grand, 0.0)
        dof = max(int(mask.sum()) - mask.shape[0] - mask.shape[1] + 1, 1)
        s2 = float(np.square(resid).sum() / dof)
        var_col = float(np.nanvar(col))
        var_row = float(np.nanvar(row))
    if not s2 > 0 or not math.isfinite(s2):
        return 1.0, 1.0
    mean_per_col = float(mask.sum(axis=0).mean())
    mean_per_row = float(mask.sum(axis=1).mean())
    vc = max(var_col - s2 / mean_per_col, 0.0)
    vr = max(var_row - s2 / mean_per_row, 0.0)
    return math.sqrt(vc / s2) or 0.1, math.sqrt(vr / s2) or 0.1


def _balanced_theta(x: FloatArray) -> tuple[float, float] | None:
    """(theta_targets, theta_raters) in closed form when every cell is rated, else None.

    With every target rated by every rater the REML estimates of the crossed model are the
    ANOVA (expected mean squares) estimates whenever those are not negative:
    sigma_t^2 = (MS_targets - MS_error) / k, sigma_r^2 = (MS_raters - MS_error) / n,
    sigma^2 = MS_error. A negative one is on the boundary: the search decides then.
    """
    n, k = x.shape
    grand = float(x.mean())
    ms_targets = k * float(((x.mean(axis=1) - grand) ** 2).sum()) / (n - 1)
    ms_raters = n * float(((x.mean(axis=0) - grand) ** 2).sum()) / (k - 1)
    residual = x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + grand
    ms_error = float((residual**2).sum()) / ((n - 1) * (k - 1))
    if ms_error <= 0 or ms_targets < ms_error or ms_raters < ms_error:
        return None
    var_t, var_r = (ms_targets - ms_error) / k, (ms_raters - ms_error) / n
    return math.sqrt(var_t / ms_error), math.sqrt(var_r / ms_error)


def _search(crit: _Criterion, start: tuple[float, float]) -> Any:
    """Minimise the criterion over theta >= 0 by L-BFGS-B with the analytic gradient."""
    return minimize(
        crit.deviance_and_gradient,
        np.array(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None), (0.0, None)],
        options={"ftol": 1e-16, "gtol": 1e-9, "maxiter": 1000, "maxls": 50},
    )


def fit_crossed_reml(ratings: FloatArray) -> CrossedRemlFit | None:
    r"""Fit ``y ~ 1 + (1 | target) + (1 | rater)`` by REML, as ``lme4::lmer`` does.

    Parameters
    ----------
    ratings : ndarray, shape (n_targets, n_raters)
        Ratings with NaN for missing, targets (tasks) as rows and raters (respondents) as
        columns, as ``psych::ICC`` takes them. Rows and columns without a rating are
        ignored.

    Returns
    -------
    CrossedRemlFit or None
        ``None`` when fewer than 2 targets or 2 raters have ratings, or the ratings have
        no variance (the criterion is then undefined).

    Notes
    -----
    With :math:`y_{ij} = \mu + t_i + r_j + e_{ij}` over the observed cells,
    :math:`t \sim N(0, \sigma^2 \theta_t^2 I)`, :math:`r \sim N(0, \sigma^2 \theta_r^2 I)`,
    :math:`e \sim N(0, \sigma^2 I)`, lme4's profiled REML criterion is

    .. math::

        d(\theta) = \log|\Lambda^T Z^T Z \Lambda + I| + \log|R_X|^2
            + (n - 1)\left[1 + \log\frac{2\pi\, r^2(\theta)}{n - 1}\right]

    with :math:`r^2` the penalised residual sum of squares and
    :math:`\hat\sigma^2 = r^2 / (n - 1)`. In the mixed-model equations the block of the
    larger factor (size :math:`L`) is diagonal, :math:`a_l = \theta^2 n_l + 1`, and is
    eliminated in closed form (a Schur complement), leaving a system of size
    :math:`m + 1` for the other factor and the intercept:

    .. math::

        K = \begin{pmatrix} \theta_k^2 D + I & \theta_k d \\ \theta_k d^T & n \end{pmatrix}
            - \sum_l \frac{\theta_l^2}{a_l} v_l v_l^T, \quad
        v_l = \begin{pmatrix} \theta_k\, z_l \\ n_l \end{pmatrix}

        \log|\Lambda^T Z^T Z \Lambda + I| + \log|R_X|^2 = \sum_l \log a_l + \log|K|

    where :math:`z_l` is level l's 0/1 incidence row over the kept factor and :math:`n_l`
    its count. The weight :math:`\theta^2/a_l` depends on l only through :math:`n_l`, so
    the sums over levels are taken once per distinct count from precomputed cross
    products :math:`\sum_{l: n_l = c} z_l z_l^T`: each evaluation costs
    :math:`O(K m^2 + m^3)` for K distinct counts. The criterion is minimised over
    :math:`\theta \ge 0` by L-BFGS-B from moment estimates with the analytic gradient

    .. math::

        \frac{\partial d}{\partial \theta_k} = \frac{1}{\theta_k}\left[
            2\,(q_k - \operatorname{tr}_k A^{-1}) - 2 (n - 1) \frac{\|u_k\|^2}{r^2}\right]

    (A the mixed-model matrix, :math:`\operatorname{tr}_k` the trace of its inverse over
    factor k's :math:`q_k` levels, :math:`u_k` their spherical effects), which is lme4's
    problem solved to a tighter tolerance than lme4's default stopping rule.

    References
    ----------
    .. [1] Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear
           mixed-effects models using lme4. Journal of Statistical Software, 67(1), 1-48.
    .. [2] Henderson, C. R. (1975). Best linear unbiased estimation and prediction under a
           selection model. Biometrics, 31(2), 423-447.
    """
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("ratings must be a 2-D array (targets x raters)")
    mask = ~np.isnan(x)
    rows = mask.any(axis=1)
    cols = mask.any(axis=0)
    if int(rows.sum()) < 2 or int(cols.sum()) < 2:
        return None
    if not rows.all() or not cols.all():
        x, mask = x[np.ix_(rows, cols)], mask[np.ix_(rows, cols)]
    observed = x[mask]
    if observed.size < 3 or float(observed.max()) == float(observed.min()):
        return None
    n_targets, n_raters = x.shape
    # Eliminate the larger factor: its block of the mixed-model equations is diagonal.
    keep_is_target = n_targets <= n_raters
    xe, me = (x.T, mask.T) if keep_is_target else (x, mask)
    crit = _Criterion(xe, me)
    closed = _balanced_theta(x) if bool(mask.all()) and n_targets > 1 and n_raters > 1 else None
    # Each evaluation is a few small dense operations: threads only cost time there (and
    # much of it on a busy machine), so BLAS runs single-threaded during the search.
    with threadpool_limits(limits=1):
        if closed is not None:  # every cell rated: the optimum is known, no search
            theta_t0, theta_r0 = closed
            theta_keep, theta_elim = (
                (theta_t0, theta_r0) if keep_is_target else (theta_r0, theta_t0)
            )
            best = None
        else:
            best = _search(crit, _starting_theta(xe, me))
            theta_keep, theta_elim = (abs(float(v)) for v in best.x)
        deviance, pwrss, intercept = crit.solve(theta_keep, theta_elim)
        # L-BFGS-B may stop on a line search at the optimum itself (the criterion is flat
        # to rounding there): the projected gradient decides.
        _, grad = crit.deviance_and_gradient(np.array([theta_keep, theta_elim]))
    projected = [
        0.0 if value == 0.0 and g > 0 else abs(float(g))
        for value, g in zip((theta_keep, theta_elim), grad, strict=True)
    ]
    stationary = max(projected) <= _GRADIENT_TOLERANCE
    sigma2 = pwrss / (crit.n_obs - 1)
    theta_t, theta_r = (theta_keep, theta_elim) if keep_is_target else (theta_elim, theta_keep)
    return CrossedRemlFit(
        n_targets=int(n_targets),
        n_raters=int(n_raters),
        n_ratings=int(crit.n_obs),
        var_targets=theta_t * theta_t * sigma2,
        var_raters=theta_r * theta_r * sigma2,
        var_residual=sigma2,
        intercept=intercept,
        theta=(theta_t, theta_r),
        deviance=deviance,
        converged=(best is None or bool(best.success) or stationary) and math.isfinite(deviance),
        evaluations=crit.evaluations,
    )


def mixed_icc(ratings: FloatArray, confidence: float = 0.95) -> MixedIcc:
    r"""The six ICC forms from a crossed REML fit on every rating: ``psych::ICC(x, lmer=TRUE)``.

    Parameters
    ----------
    ratings : ndarray, shape (n_targets, n_raters)
        Ratings with NaN for missing, targets (tasks) as rows and raters (respondents) as
        columns. Targets and raters without any rating are left out (psych would count
        them in ``n.obs``/``nj``; give it the matrix without them to compare).
    confidence : float
        Confidence level of the intervals, default 0.95.

    Returns
    -------
    MixedIcc
        With :math:`\sigma^2_t, \sigma^2_r, \sigma^2_e` from :func:`fit_crossed_reml`,
        :math:`n` targets and :math:`k` raters, psych sets
        :math:`MS_B = k\sigma^2_t + \sigma^2_e`, :math:`MS_J = n\sigma^2_r + \sigma^2_e`,
        :math:`MS_E = \sigma^2_e`, :math:`MS_W = \sigma^2_e + \sigma^2_r` and applies the
        Shrout-Fleiss formulas of :func:`rds.reliability.intraclass_corr` (so that, e.g.,
        :math:`ICC2 = \sigma^2_t / (\sigma^2_t + \sigma^2_r + \sigma^2_e)` and
        :math:`ICC3 = \sigma^2_t / (\sigma^2_t + \sigma^2_e)`). Values are NaN when the fit
        is impossible (see :func:`fit_crossed_reml`).
    """
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("ratings must be a 2-D array (targets x raters)")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    mask = ~np.isnan(x)
    per_target = mask.sum(axis=1).astype(np.int64)
    per_rater = mask.sum(axis=0).astype(np.int64)
    n = int((per_target > 0).sum())
    k = int((per_rater > 0).sum())
    fit = fit_crossed_reml(x)
    nan = math.nan
    if fit is None:
        msb = msj = mse = msw = nan
    else:
        mse = fit.var_residual
        msb = k * fit.var_targets + mse
        msj = n * fit.var_raters + mse
        msw = mse + fit.var_raters
    estimates = icc_from_mean_squares(n, k, msb, msw, msj, mse, confidence)
    return MixedIcc(
        fit=fit,
        n_targets=n,
        n_raters=k,
        n_ratings=int(per_target.sum()),
        n_per_target=per_target,
        n_per_rater=per_rater,
        ms_targets=msb,
        ms_raters=msj,
        ms_error=mse,
        ms_within=msw,
        estimates=estimates,
    )


def spearman_brown(reliability: float | FloatArray, k: float | FloatArray) -> FloatArray:
    r"""Reliability of the mean of k ratings from the single-rating reliability.

    .. math:: \rho_k = \frac{k \rho_1}{1 + (k - 1) \rho_1}

    NaN where :math:`k < 1` or :math:`\rho_1` is NaN. With :math:`\rho_1` the
    absolute-agreement single-rater ICC2 of the crossed model,
    :math:`\rho_k = \sigma^2_t / (\sigma^2_t + (\sigma^2_r + \sigma^2_e)/k)`: the reliability
    of a task mean over k random respondents.

    References
    ----------
    .. [1] Brown, W. (1910); Spearman, C. (1910). British Journal of Psychology, 3, 271-295
           and 296-322.
    """
    rho = np.asarray(reliability, dtype=np.float64)
    kk = np.asarray(k, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = kk * rho / (1.0 + (kk - 1.0) * rho)
    return np.asarray(np.where(kk >= 1, out, np.nan), dtype=np.float64)
