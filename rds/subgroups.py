"""Subgroup comparisons of a validation survey: effect sizes, profile correlation intervals,
and the blueprint a subgroup's ratings alone would give.

Pure numpy/scipy; no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri, stdtrit

from rds.exam_blueprint import apportion
from rds.stats import CRITICALITY_METHODS

__all__ = [
    "EffectSize",
    "SubgroupBlueprint",
    "cohens_d",
    "fisher_ci",
    "respondent_domain_scores",
    "subgroup_blueprint",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EffectSize:
    """Cohen's d of group minus others, with its interval."""

    d: float
    ci_low: float
    ci_high: float
    n_group: int
    n_others: int


def cohens_d(group: FloatArray, others: FloatArray, confidence: float = 0.95) -> EffectSize:
    r"""Cohen's d with the pooled SD, and the Hedges-Olkin interval; NaN values are ignored.

    .. math::

        d = \frac{\bar x_1 - \bar x_2}{s_p}, \quad
        s_p = \sqrt{\frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}{n_1+n_2-2}}, \quad
        SE_d = \sqrt{\frac{n_1+n_2}{n_1 n_2} + \frac{d^2}{2(n_1+n_2)}}

    and the interval :math:`d \pm t_{(1+c)/2,\,n_1+n_2-2} SE_d` (as R ``effsize::cohen.d``
    and ``pingouin.compute_esci``). NaN when a side has fewer than 2 values or the pooled SD
    is 0.

    References
    ----------
    .. [1] Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd
           ed.). Erlbaum.
    .. [2] Hedges, L. V., & Olkin, I. (1985). Statistical Methods for Meta-Analysis.
           Academic Press, p. 86.
    """
    a = np.asarray(group, dtype=np.float64)
    b = np.asarray(others, dtype=np.float64)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    n1, n2 = int(a.size), int(b.size)
    nan = math.nan
    if n1 < 2 or n2 < 2:
        return EffectSize(nan, nan, nan, n1, n2)
    pooled = ((n1 - 1) * float(a.var(ddof=1)) + (n2 - 1) * float(b.var(ddof=1))) / (n1 + n2 - 2)
    if not pooled > 0:
        return EffectSize(nan, nan, nan, n1, n2)
    d = (float(a.mean()) - float(b.mean())) / math.sqrt(pooled)
    se = math.sqrt((n1 + n2) / (n1 * n2) + d * d / (2 * (n1 + n2)))
    crit = float(stdtrit(n1 + n2 - 2, (1 + confidence) / 2))
    return EffectSize(d, d - crit * se, d + crit * se, n1, n2)


def fisher_ci(r: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    r"""Interval of a Pearson r from n pairs by Fisher's z: :math:`\tanh(z_r \pm z_c/\sqrt{n-3})`.

    NaN when :math:`n \le 3` or r is NaN; r = +-1 gives the degenerate interval (r, r).
    """
    if not math.isfinite(r) or n <= 3:
        return math.nan, math.nan
    if abs(r) >= 1:
        return float(r), float(r)
    z = math.atanh(r)
    half = float(ndtri((1 + confidence) / 2)) / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


def respondent_domain_scores(
    importance: FloatArray,
    frequency: FloatArray,
    method: str,
    task_domains: Sequence[int],
    n_domains: int,
    tasks: npt.NDArray[np.bool_] | None = None,
) -> FloatArray:
    r"""Each respondent's mean task criticality within each domain.

    A respondent's criticality of task j combines their own two ratings as the method
    does for means: :math:`I F` (multiplicative, product-of-means), :math:`(I+F)/2`
    (additive), :math:`\sqrt{IF}` (geometric). The score is its mean over the tasks of the
    domain (restricted to ``tasks`` when given) the respondent rated on both scales; NaN
    when there is none.

    Returns
    -------
    ndarray, shape (n_respondents, n_domains)
    """
    if method not in CRITICALITY_METHODS:
        raise ValueError(f"unknown criticality method {method!r}")
    imp = np.asarray(importance, dtype=np.float64)
    freq = np.asarray(frequency, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if method in ("multiplicative", "product-of-means"):
            value = imp * freq
        elif method == "additive":
            value = (imp + freq) / 2
        else:
            value = np.sqrt(imp * freq)
    n_tasks = imp.shape[1]
    member = np.zeros((n_tasks, n_domains))
    member[np.arange(n_tasks), np.asarray(task_domains, dtype=np.int64)] = 1.0
    if tasks is not None:
        member[~np.asarray(tasks, dtype=np.bool_)] = 0.0
    rated = ~np.isnan(value)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(
            (np.where(rated, value, 0.0) @ member) / (rated.astype(np.float64) @ member),
            dtype=np.float64,
        )


@dataclass(frozen=True)
class SubgroupBlueprint:
    """Domain weights (summing to 1) and item counts from one group's task criticality."""

    domain_weights: tuple[float, ...]
    domain_items: tuple[int, ...]


def subgroup_blueprint(
    criticality: FloatArray,
    retained: npt.NDArray[np.bool_],
    task_domains: Sequence[int],
    n_domains: int,
    items: int,
    min_per_domain: int = 0,
) -> SubgroupBlueprint:
    """The blueprint a group's criticality gives over the tasks retained overall.

    The retained tasks stay those of the whole sample (the rule is not re-run on a small
    group); each retained task's weight is the group's criticality over their total; a
    task the group did not rate counts 0. Items by :func:`rds.exam_blueprint.apportion`
    (all zero when the weights are).
    """
    crit = np.asarray(criticality, dtype=np.float64)
    keep = np.asarray(retained, dtype=np.bool_) & np.isfinite(crit)
    sums = [0.0] * n_domains
    for j in np.flatnonzero(keep):
        sums[int(task_domains[int(j)])] += float(crit[j])
    total = math.fsum(sums)
    if total <= 0:
        return SubgroupBlueprint(tuple(0.0 for _ in sums), tuple(0 for _ in sums))
    weights = tuple(s / total for s in sums)
    try:
        counts = apportion(items, weights, min_per_domain)
    except ValueError:
        counts = apportion(items, weights)
    return SubgroupBlueprint(weights, counts)
