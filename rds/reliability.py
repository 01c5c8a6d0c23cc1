"""Rating reliability for a validation survey: Cronbach's alpha and intraclass correlations.

Pure numpy (plus ``scipy.special`` for F quantiles); no Flask, no SQLAlchemy. The functions
return NaN where a statistic is undefined (zero variance, too few respondents); the caller
turns NaN into ``None`` and a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import fdtrc, fdtri

FloatArray = npt.NDArray[np.float64]

ICC_FORMS: tuple[str, ...] = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
# The alpha a validation survey's ratings are expected to reach before they set exam
# proportions (Nunnally's 0.70); the analysis warns below it and the charts draw it.
ALPHA_EXPECTED = 0.70


@dataclass(frozen=True)
class CronbachAlpha:
    """Cronbach's alpha of one scale with its Feldt confidence interval."""

    alpha: float
    ci_low: float
    ci_high: float
    n_subjects: int
    n_items: int


@dataclass(frozen=True)
class IccEstimate:
    """One intraclass correlation form with its confidence interval and F test.

    ``f``, ``df1``, ``df2`` and ``p`` are the F test of the form as ``psych::ICC`` reports
    it: :math:`MS_B / MS_W` on (n-1, n(k-1)) df for ICC1 and ICC1k, :math:`MS_B / MS_E` on
    (n-1, (n-1)(k-1)) df for the others; ``p`` is the upper tail.
    """

    value: float
    ci_low: float
    ci_high: float
    f: float = float("nan")
    df1: float = float("nan")
    df2: float = float("nan")
    p: float = float("nan")


@dataclass(frozen=True)
class IntraclassCorrelation:
    """The six Shrout-Fleiss intraclass correlations and the ANOVA mean squares."""

    n_targets: int
    n_raters: int
    ms_targets: float
    ms_within: float
    ms_raters: float
    ms_error: float
    estimates: dict[str, IccEstimate]


def _f_quantile(p: float, dfn: float, dfd: float) -> float:
    """Quantile of the F distribution (as ``scipy.stats.f.ppf``), NaN for invalid df."""
    if not (dfn > 0 and dfd > 0 and np.isfinite(dfn) and np.isfinite(dfd)):
        return float("nan")
    return float(fdtri(dfn, dfd, p))


def pairwise_covariance(ratings: FloatArray) -> FloatArray:
    r"""Covariance matrix of the columns from pairwise-complete observations.

    Parameters
    ----------
    ratings : ndarray, shape (n_subjects, n_items)
        Ratings with NaN for missing values.

    Returns
    -------
    ndarray, shape (n_items, n_items)
        :math:`C_{ij} = \frac{1}{n_{ij}-1}\sum_{r \in P_{ij}} (x_{ri}-\bar x_{i|j})
        (x_{rj}-\bar x_{j|i})`, where :math:`P_{ij}` are the subjects who rated both items,
        :math:`n_{ij} = |P_{ij}|` and the means are taken over :math:`P_{ij}` (as
        ``pandas.DataFrame.cov``). NaN where :math:`n_{ij} < 2`.

    Notes
    -----
    Computed with three matrix products on the zero-filled data :math:`X` and the
    observation mask :math:`M`: :math:`n = M^T M`, :math:`S = X^T M` (sums of item i over
    subjects who rated j) and :math:`Q = X^T X`, so that
    :math:`C = (Q - S \circ S^T / n) / (n - 1)`. Columns are centred on their own mean
    first, which leaves covariances unchanged and keeps the subtraction accurate.
    """
    x = np.asarray(ratings, dtype=np.float64)
    mask = ~np.isnan(x)
    counts = mask.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(counts > 0, np.nansum(x, axis=0) / np.maximum(counts, 1), 0.0)
    filled = np.where(mask, x - centre, 0.0)
    m = mask.astype(np.float64)
    # Counts are whole numbers, exact in float32 up to 2**24 subjects, at half the cost.
    m_counts = mask.astype(np.float32) if x.shape[0] < 2**24 else m
    n_pair = (m_counts.T @ m_counts).astype(np.float64)
    sums = filled.T @ m
    cross = filled.T @ filled
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (cross - sums * sums.T / n_pair) / (n_pair - 1.0)
    cov[n_pair < 2] = np.nan
    return np.asarray(cov, dtype=np.float64)


def cronbach_alpha(ratings: FloatArray, confidence: float = 0.95) -> CronbachAlpha:
    r"""Cronbach's alpha from pairwise-complete covariances, with Feldt's interval.

    Parameters
    ----------
    ratings : ndarray, shape (n_subjects, n_items)
        Ratings, subjects (respondents) as rows and items (tasks) as columns, NaN missing.
    confidence : float
        Confidence level of the interval, default 0.95.

    Returns
    -------
    CronbachAlpha
        ``alpha`` and ``ci_low``/``ci_high`` are NaN when undefined (zero total variance,
        an item pair never rated together).

    Notes
    -----
    With :math:`C` the item covariance matrix (:func:`pairwise_covariance`) and :math:`k`
    items,

    .. math:: \alpha = \frac{k}{k-1}\left(1 - \frac{\operatorname{tr} C}{\sum_{ij} C_{ij}}
              \right)

    which for complete data equals
    :math:`\frac{k}{k-1}(1 - \sum_i \sigma^2_i / \sigma^2_X)` with :math:`X` the total score.
    Feldt's interval with :math:`n` subjects (all rows, as pingouin) and
    :math:`F_q` the q-quantile of :math:`F(n-1, (n-1)(k-1))`:

    .. math:: [1 - (1-\alpha) F_{1-a/2},\; 1 - (1-\alpha) F_{a/2}], \quad a = 1 - confidence

    Matches ``pingouin.cronbach_alpha(nan_policy="pairwise")`` and R
    ``psych::alpha(use="pairwise")``.

    References
    ----------
    .. [1] Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
           Psychometrika, 16(3), 297-334.
    .. [2] Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
           coefficient alpha. Applied Psychological Measurement, 11(1), 93-103.
    """
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("ratings must be a 2-D array (subjects x items)")
    n, k = x.shape
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least two items")
    if n < 2:
        raise ValueError("Cronbach's alpha needs at least two subjects")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    with np.errstate(invalid="ignore", divide="ignore"):
        if np.isnan(x).any():
            cov = pairwise_covariance(x)
            trace = float(np.trace(cov))
            total = float(cov.sum())
        else:
            # Complete data: sum of the covariance matrix = variance of the total score.
            trace = float(x.var(axis=0, ddof=1).sum())
            total = float(x.sum(axis=1).var(ddof=1))
        alpha = (k / (k - 1)) * (1.0 - trace / total) if total > 0 else float("nan")
    a = 1.0 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * _f_quantile(1.0 - a / 2, df1, df2)
    high = 1.0 - (1.0 - alpha) * _f_quantile(a / 2, df1, df2)
    return CronbachAlpha(float(alpha), float(low), float(high), int(n), int(k))


def intraclass_corr(ratings: FloatArray, confidence: float = 0.95) -> IntraclassCorrelation:
    r"""Shrout-Fleiss intraclass correlations from a two-way ANOVA without replication.

    Parameters
    ----------
    ratings : ndarray, shape (n_targets, n_raters)
        Complete ratings, targets (tasks) as rows and raters (respondents) as columns, as
        R ``psych::ICC`` takes them. No NaN allowed: select complete raters first.
    confidence : float
        Confidence level of the intervals, default 0.95.

    Returns
    -------
    IntraclassCorrelation
        Forms ``ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k``; NaN where undefined.

    Notes
    -----
    With :math:`n` targets, :math:`k` raters, grand mean :math:`\bar x`, target means
    :math:`\bar x_{i\cdot}` and rater means :math:`\bar x_{\cdot j}`:

    .. math::

        SS_B = k \sum_i (\bar x_{i\cdot} - \bar x)^2, \quad
        SS_J = n \sum_j (\bar x_{\cdot j} - \bar x)^2, \quad
        SS_E = \sum_{ij}(x_{ij} - \bar x)^2 - SS_B - SS_J

        MS_B = \frac{SS_B}{n-1},\; MS_J = \frac{SS_J}{k-1},\;
        MS_E = \frac{SS_E}{(n-1)(k-1)},\; MS_W = \frac{SS_J + SS_E}{n(k-1)}

        ICC1 = \frac{MS_B - MS_W}{MS_B + (k-1) MS_W}, \quad
        ICC2 = \frac{MS_B - MS_E}{MS_B + (k-1) MS_E + k (MS_J - MS_E)/n}, \quad
        ICC3 = \frac{MS_B - MS_E}{MS_B + (k-1) MS_E}

        ICC1k = \frac{MS_B - MS_W}{MS_B}, \quad
        ICC2k = \frac{MS_B - MS_E}{MS_B + (MS_J - MS_E)/n}, \quad
        ICC3k = \frac{MS_B - MS_E}{MS_B}

    Confidence intervals follow Shrout & Fleiss (1979) and McGraw & Wong (1996): F-based for
    ICC1/ICC3 and Satterthwaite's approximate df for ICC2, exactly as ``psych::ICC`` and
    ``pingouin.intraclass_corr`` compute them.

    References
    ----------
    .. [1] Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing
           rater reliability. Psychological Bulletin, 86(2), 420-428.
    .. [2] McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
           correlation coefficients. Psychological Methods, 1(1), 30-46.
    """
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("ratings must be a 2-D array (targets x raters)")
    if np.isnan(x).any():
        raise ValueError("intraclass_corr needs complete ratings (no NaN)")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    n, k = x.shape
    if n < 2 or k < 2:
        raise ValueError("intraclass_corr needs at least two targets and two raters")
    grand = x.mean()
    ss_total = float(np.square(x - grand).sum())
    ss_b = float(k * np.square(x.mean(axis=1) - grand).sum())
    ss_j = float(n * np.square(x.mean(axis=0) - grand).sum())
    ss_e = ss_total - ss_b - ss_j
    df_b, df_j, df_e = n - 1, k - 1, (n - 1) * (k - 1)
    msb, msj, mse = ss_b / df_b, ss_j / df_j, ss_e / df_e
    msw = (ss_j + ss_e) / (df_j + df_e)
    estimates = icc_from_mean_squares(n, k, msb, msw, msj, mse, confidence)
    return IntraclassCorrelation(n, k, msb, msw, msj, mse, estimates)


def icc_from_mean_squares(
    n: int, k: int, msb: float, msw: float, msj: float, mse: float, confidence: float = 0.95
) -> dict[str, IccEstimate]:
    """The six ICC forms with their F tests and intervals from the mean squares.

    ``n`` targets, ``k`` raters; ``msb``, ``msw``, ``msj``, ``mse``: the mean squares of
    targets, within targets, raters and error (see :func:`intraclass_corr`). The formulas
    are those of ``psych::ICC`` for both its ANOVA and its ``lmer`` path. NaN where
    undefined.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _icc_estimates(n, k, msb, msw, msj, mse, 1.0 - confidence)


def f_upper_tail(f: float, dfn: float, dfd: float) -> float:
    """Upper tail of the F distribution, NaN for invalid arguments."""
    if not (dfn > 0 and dfd > 0 and np.isfinite(f)):
        return float("nan")
    return float(fdtrc(dfn, dfd, f))


def _icc_estimates(
    n: int, k: int, msb: float, msw: float, msj: float, mse: float, a: float
) -> dict[str, IccEstimate]:
    """The six ICC forms and their intervals from the ANOVA mean squares."""
    f64 = np.float64  # numpy scalars give NaN/inf instead of ZeroDivisionError
    msb_, msw_, msj_, mse_ = f64(msb), f64(msw), f64(msj), f64(mse)
    icc1 = (msb_ - msw_) / (msb_ + (k - 1) * msw_)
    icc2 = (msb_ - mse_) / (msb_ + (k - 1) * mse_ + k * (msj_ - mse_) / n)
    icc3 = (msb_ - mse_) / (msb_ + (k - 1) * mse_)
    icc1k = (msb_ - msw_) / msb_
    icc2k = (msb_ - mse_) / (msb_ + (msj_ - mse_) / n)
    icc3k = (msb_ - mse_) / msb_

    q = 1.0 - a / 2
    df1, df1kd, df2kd = n - 1, n * (k - 1), (n - 1) * (k - 1)
    f1 = msb_ / msw_
    f3 = msb_ / mse_
    f1l = f1 / _f_quantile(q, df1, df1kd)
    f1u = f1 * _f_quantile(q, df1kd, df1)
    f3l = f3 / _f_quantile(q, df1, df2kd)
    f3u = f3 * _f_quantile(q, df2kd, df1)
    l1, u1 = (f1l - 1) / (f1l + (k - 1)), (f1u - 1) / (f1u + (k - 1))
    l3, u3 = (f3l - 1) / (f3l + (k - 1)), (f3u - 1) / (f3u + (k - 1))

    fj = msj_ / mse_
    vn = df2kd * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = float(vn / vd)
    f2u = _f_quantile(q, n - 1, v)
    f2l = _f_quantile(q, v, n - 1)
    l2 = n * (msb_ - f2u * mse_) / (f2u * (k * msj_ + (k * n - k - n) * mse_) + n * msb_)
    u2 = n * (f2l * msb_ - mse_) / (k * msj_ + (k * n - k - n) * mse_ + n * f2l * msb_)

    rows = {
        "ICC1": (icc1, l1, u1),
        "ICC2": (icc2, l2, u2),
        "ICC3": (icc3, l3, u3),
        "ICC1k": (icc1k, 1 - 1 / f1l, 1 - 1 / f1u),
        "ICC2k": (icc2k, l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
        "ICC3k": (icc3k, 1 - 1 / f3l, 1 - 1 / f3u),
    }
    p1 = f_upper_tail(float(f1), df1, df1kd)
    p3 = f_upper_tail(float(f3), df1, df2kd)
    tests = {
        "ICC1": (f1, df1, df1kd, p1),
        "ICC2": (f3, df1, df2kd, p3),
        "ICC3": (f3, df1, df2kd, p3),
        "ICC1k": (f1, df1, df1kd, p1),
        "ICC2k": (f3, df1, df2kd, p3),
        "ICC3k": (f3, df1, df2kd, p3),
    }
    return {
        name: IccEstimate(
            float(val),
            float(lo),
            float(hi),
            float(tests[name][0]),
            float(tests[name][1]),
            float(tests[name][2]),
            tests[name][3],
        )
        for name, (val, lo, hi) in rows.items()
    }
