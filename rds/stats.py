"""Validation-survey statistics: task descriptives, criticality, sample size, subgroups.

Pure numpy; no Flask, no SQLAlchemy. Ratings arrive as float matrices of shape
(respondents, tasks) with NaN for a blank rating. Undefined statistics come back as NaN;
``rds.analysis.engine`` turns them into ``None`` and a warning. The reliability statistics
(Cronbach's alpha, ICC) live in ``rds.reliability``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "CRITICALITY_METHODS",
    "SampleSize",
    "ScaleDescriptives",
    "cochran_sample_size",
    "complete_rows",
    "criticality",
    "criticality_by_level",
    "describe",
    "pct_performing",
    "pearson_r",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

CRITICALITY_METHODS: tuple[str, ...] = (
    "multiplicative",
    "product-of-means",
    "additive",
    "geometric",
)


@dataclass(frozen=True)
class ScaleDescriptives:
    """Per-task count, mean, SD and standard error of one rating scale."""

    n: IntArray
    mean: FloatArray
    sd: FloatArray
    se: FloatArray


@dataclass(frozen=True)
class SampleSize:
    """Cochran's required sample size and the achieved margin of error."""

    population: int
    required: int
    achieved: int
    margin_of_error: float


def _matrix(ratings: FloatArray, name: str = "ratings") -> FloatArray:
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (respondents x tasks)")
    return x


def describe(ratings: FloatArray) -> ScaleDescriptives:
    r"""Per-task descriptive statistics over the non-missing ratings.

    Parameters
    ----------
    ratings : ndarray, shape (n_respondents, n_tasks)
        Ratings with NaN for missing.

    Returns
    -------
    ScaleDescriptives
        For task :math:`j` with :math:`n_j` non-missing ratings :math:`x_{rj}`:
        :math:`\bar x_j = \frac{1}{n_j}\sum_r x_{rj}`,
        :math:`s_j = \sqrt{\frac{1}{n_j - 1}\sum_r (x_{rj} - \bar x_j)^2}` and
        :math:`SE_j = s_j / \sqrt{n_j}`. The mean is NaN when :math:`n_j = 0`, SD and SE
        when :math:`n_j < 2`.
    """
    x = _matrix(ratings)
    missing = np.isnan(x)
    if not missing.any():
        n = np.full(x.shape[1], x.shape[0], dtype=np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = x.sum(axis=0) / n
            dev = x - mean
            sd = np.sqrt(np.square(dev).sum(axis=0) / (n - 1))
            sd = np.where(n >= 2, sd, np.nan)
            return ScaleDescriptives(n=n, mean=mean, sd=sd, se=sd / np.sqrt(n))
    mask = ~missing
    n = mask.sum(axis=0).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(mask, x, 0.0).sum(axis=0) / n
        dev = np.where(mask, x - mean, 0.0)
        sd = np.sqrt(np.square(dev).sum(axis=0) / (n - 1))
        sd = np.where(n >= 2, sd, np.nan)
        se = sd / np.sqrt(n)
    return ScaleDescriptives(n=n, mean=mean, sd=sd, se=se)


def pct_performing(frequency: FloatArray) -> FloatArray:
    r"""Share of each task's non-missing frequency ratings that are above 0.

    Parameters
    ----------
    frequency : ndarray, shape (n_respondents, n_tasks)
        Frequency ratings, NaN for missing; 0 means "does not perform the task".

    Returns
    -------
    ndarray, shape (n_tasks,)
        :math:`p_j = |\{r : f_{rj} > 0\}| / n_j`, a fraction in [0, 1]; NaN when
        :math:`n_j = 0`.
    """
    f = _matrix(frequency, "frequency")
    n = (~np.isnan(f)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((f > 0).sum(axis=0) / n, dtype=np.float64)


def _check_method(method: str) -> None:
    if method not in CRITICALITY_METHODS:
        raise ValueError(
            f"unknown criticality method {method!r}; use one of {', '.join(CRITICALITY_METHODS)}"
        )


def _combine(method: str, sums: dict[str, FloatArray]) -> FloatArray:
    """Criticality from per-group sums and counts of the two scales."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "multiplicative":
            return np.asarray(sums["product"] / sums["both"], dtype=np.float64)
        mean_i = sums["imp"] / sums["n_imp"]
        mean_f = sums["freq"] / sums["n_freq"]
        if method == "product-of-means":
            return np.asarray(mean_i * mean_f, dtype=np.float64)
        if method == "additive":
            return np.asarray((mean_i + mean_f) / 2.0, dtype=np.float64)
        return np.asarray(np.sqrt(mean_i * mean_f), dtype=np.float64)


def criticality_by_level(
    importance: FloatArray,
    frequency: FloatArray,
    groupings: Sequence[tuple[IntArray, int]],
    method: str,
) -> list[tuple[FloatArray, FloatArray]]:
    r"""Task criticality within each level of one or more groupings and among everyone else.

    Parameters
    ----------
    importance, frequency : ndarray, shape (n_respondents, n_tasks)
        Ratings with NaN for missing.
    groupings : sequence of (levels, n_levels)
        Per grouping (e.g. a demographic question), the level of each respondent in
        ``0..n_levels-1``, or -1 for none (blank answer), and the number of levels.
    method : {"multiplicative", "product-of-means", "additive", "geometric"}
        With :math:`\bar I_j, \bar F_j` the group's mean importance and frequency of task j:

        - multiplicative: :math:`\frac{1}{|B_j|}\sum_{r \in B_j} I_{rj} F_{rj}` over the
          respondents :math:`B_j` who rated task j on both scales (Raymond, 2001);
        - product-of-means: :math:`\bar I_j \bar F_j`;
        - additive: :math:`(\bar I_j + \bar F_j) / 2`;
        - geometric: :math:`\sqrt{\bar I_j \bar F_j}`.

    Returns
    -------
    list of (within, others), each an ndarray of shape (n_levels, n_tasks)
        Per grouping: criticality among each level's respondents and among all other
        respondents (including those with no level); NaN where a group has no usable rating
        of a task.

    Notes
    -----
    Sums and counts are taken once over everyone and once per level (each grouping reads
    each respondent's row once); "everyone else" is the total minus the level. No matrix
    product, so the cost is a pass over the data per grouping whatever the BLAS threading.

    References
    ----------
    .. [1] Raymond, M. R. (2001). Job analysis and the specification of content for
           licensure and certification examinations. Applied Measurement in Education,
           14(4), 369-415.
    .. [2] Raymond, M. R., & Neustel, S. (2006). Determining the content of credentialing
           examinations. In Handbook of Test Development (pp. 181-223). Erlbaum.
    """
    _check_method(method)
    imp = _matrix(importance, "importance")
    freq = _matrix(frequency, "frequency")
    if imp.shape != freq.shape:
        raise ValueError("importance and frequency must have the same shape")
    i_nan, f_nan = np.isnan(imp), np.isnan(freq)
    if method == "multiplicative":
        both = ~(i_nan | f_nan)
        parts = {"product": np.where(both, imp * freq, 0.0), "both": both}
    else:
        parts = {
            "imp": np.where(i_nan, 0.0, imp),
            "n_imp": ~i_nan,
            "freq": np.where(f_nan, 0.0, freq),
            "n_freq": ~f_nan,
        }
    totals = {k: v.sum(axis=0, dtype=np.float64) for k, v in parts.items()}
    results = []
    for levels, n_levels in groupings:
        codes = np.asarray(levels)
        if codes.shape != (imp.shape[0],) or codes.dtype.kind not in "iu":
            raise ValueError("levels must be one integer per respondent")
        if codes.size and (codes.min() < -1 or codes.max() >= n_levels):
            raise ValueError("levels must lie in -1..n_levels-1")
        within = {k: np.zeros((n_levels, imp.shape[1])) for k in parts}
        for level in range(n_levels):
            rows = codes == level
            for key, values in parts.items():
                within[key][level] = values[rows].sum(axis=0, dtype=np.float64)
        others = {k: totals[k] - within[k] for k in parts}
        results.append((_combine(method, within), _combine(method, others)))
    return results


def criticality(
    importance: FloatArray,
    frequency: FloatArray,
    method: str = "multiplicative",
    *,
    mean_importance: FloatArray | None = None,
    mean_frequency: FloatArray | None = None,
) -> FloatArray:
    r"""Criticality of each task over all respondents (see :func:`criticality_by_level`).

    Parameters
    ----------
    importance, frequency : ndarray, shape (n_respondents, n_tasks)
        Ratings with NaN for missing.
    method : str
        One of :data:`CRITICALITY_METHODS`; default ``"multiplicative"``.
    mean_importance, mean_frequency : ndarray, optional
        Per-task means already computed by :func:`describe`; used by the three methods based
        on means so that criticality agrees exactly with the reported means.

    Returns
    -------
    ndarray, shape (n_tasks,)
    """
    _check_method(method)
    if method == "multiplicative":
        imp = _matrix(importance, "importance")
        freq = _matrix(frequency, "frequency")
        if imp.shape != freq.shape:
            raise ValueError("importance and frequency must have the same shape")
        product = imp * freq  # NaN wherever either rating is blank
        rated = ~np.isnan(product)
        with np.errstate(invalid="ignore", divide="ignore"):
            if rated.all():
                return np.asarray(product.sum(axis=0) / product.shape[0], dtype=np.float64)
            sums = np.where(rated, product, 0.0).sum(axis=0)
            return np.asarray(sums / rated.sum(axis=0), dtype=np.float64)
    if mean_importance is None or mean_frequency is None:
        mean_importance = describe(importance).mean
        mean_frequency = describe(frequency).mean
    mi = np.asarray(mean_importance, dtype=np.float64)
    mf = np.asarray(mean_frequency, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if method == "product-of-means":
            return np.asarray(mi * mf, dtype=np.float64)
        if method == "additive":
            return np.asarray((mi + mf) / 2.0, dtype=np.float64)
        return np.asarray(np.sqrt(mi * mf), dtype=np.float64)


def pearson_r(x: FloatArray, y: FloatArray) -> float:
    r"""Pearson correlation of two vectors; NaN when either has zero variance.

    .. math:: r = \frac{\sum (x_i - \bar x)(y_i - \bar y)}
              {\sqrt{\sum (x_i - \bar x)^2 \sum (y_i - \bar y)^2}}
    """
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("pearson_r needs two 1-D arrays of the same length")
    if a.size < 2:
        return float("nan")
    da, db = a - a.mean(), b - b.mean()
    denom = math.sqrt(float(np.dot(da, da)) * float(np.dot(db, db)))
    if denom == 0.0:
        return float("nan")
    return float(np.dot(da, db) / denom)


def complete_rows(ratings: FloatArray) -> BoolArray:
    """Mask of the respondents who rated every task on this scale."""
    return np.asarray(~np.isnan(_matrix(ratings)).any(axis=1), dtype=np.bool_)


def cochran_sample_size(
    population: int,
    achieved: int,
    *,
    z: float = 1.96,
    p: float = 0.5,
    margin: float = 0.05,
) -> SampleSize:
    r"""Cochran's sample size with finite population correction, and the achieved margin.

    Parameters
    ----------
    population : int
        Number of incumbents :math:`N` (>= 1).
    achieved : int
        Number of respondents :math:`n` (>= 0).
    z, p, margin : float
        Normal quantile, assumed proportion and desired margin of error.

    Returns
    -------
    SampleSize
        ``required`` :math:`= \lceil n_0 / (1 + (n_0 - 1)/N) \rceil` with
        :math:`n_0 = z^2 p (1-p) / e^2` (384.16 by default), and ``margin_of_error``
        :math:`= z \sqrt{\frac{p(1-p)}{n} \cdot \frac{N-n}{N-1}}` (0 for a census, NaN when
        :math:`n = 0` or :math:`n > N`).

    References
    ----------
    .. [1] Cochran, W. G. (1977). Sampling Techniques (3rd ed.). Wiley, pp. 75-76.
    """
    if isinstance(population, bool) or int(population) != population or population < 1:
        raise ValueError("population must be a positive whole number")
    if isinstance(achieved, bool) or int(achieved) != achieved or achieved < 0:
        raise ValueError("achieved must be a whole number >= 0")
    if not (z > 0 and 0 < p < 1 and margin > 0):
        raise ValueError("z and margin must be positive and p between 0 and 1")
    big_n, n = int(population), int(achieved)
    n0 = z * z * p * (1 - p) / (margin * margin)
    exact = n0 / (1 + (n0 - 1) / big_n)
    # Round up, but not when floating-point noise sits just above a whole number.
    required = math.ceil(exact - 1e-9)
    if n == 0 or n > big_n:
        moe = float("nan")
    elif n == big_n:
        moe = 0.0
    else:
        moe = z * math.sqrt(p * (1 - p) / n * (big_n - n) / (big_n - 1))
    return SampleSize(population=big_n, required=required, achieved=n, margin_of_error=moe)
