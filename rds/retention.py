"""Task retention rules and their bootstrap stability.

Pure numpy/scipy; no Flask, no SQLAlchemy. A task is retained when its importance statistic
reaches ``importance_min``, its share performing reaches ``performing_min`` and (optionally)
its criticality reaches ``criticality_min``. The importance statistic is the mean rating over
all raters or over performers only (frequency above 0), or the lower limit of its
confidence interval. :func:`bootstrap_retention` resamples respondents (seeded, so a run
can be repeated exactly) and reports how often each task is retained and how far each
domain's item count moves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import stdtrit
from threadpoolctl import threadpool_limits

from rds.exam_blueprint import apportion
from rds.stats import CRITICALITY_METHODS, ScaleDescriptives, describe

__all__ = [
    "IMPORTANCE_BASES",
    "IMPORTANCE_RULES",
    "BootstrapStability",
    "RetentionRule",
    "bootstrap_retention",
    "importance_among_performers",
    "importance_statistic",
    "lower_confidence_bound",
    "retain",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

IMPORTANCE_BASES: tuple[str, ...] = ("all", "performers")
IMPORTANCE_RULES: tuple[str, ...] = ("mean", "lower-bound")
_CHUNK = 50  # resamples per matrix product (bounds the memory of the weights)


@dataclass(frozen=True)
class RetentionRule:
    """When a task is retained.

    ``basis``: ``"all"`` (importance over everyone who rated it) or ``"performers"``
    (over respondents whose frequency rating is above 0); ``rule``: ``"mean"`` or
    ``"lower-bound"`` (the lower limit of the two-sided ``confidence`` interval of the
    mean, t-based); ``criticality_min``: an extra threshold on criticality, or None.
    """

    importance_min: float = 2.0
    performing_min: float = 0.5
    basis: str = "all"
    rule: str = "mean"
    confidence: float = 0.95
    criticality_min: float | None = None

    def __post_init__(self) -> None:
        if self.basis not in IMPORTANCE_BASES:
            raise ValueError(f"importance basis must be one of {', '.join(IMPORTANCE_BASES)}")
        if self.rule not in IMPORTANCE_RULES:
            raise ValueError(f"importance rule must be one of {', '.join(IMPORTANCE_RULES)}")
        if not 0 < self.confidence < 1:
            raise ValueError("confidence must be between 0 and 1")


def importance_among_performers(importance: FloatArray, frequency: FloatArray) -> ScaleDescriptives:
    """Per-task descriptives of importance over the respondents whose frequency is above 0.

    A respondent with a blank frequency rating of the task is not counted as a performer.
    """
    imp = np.asarray(importance, dtype=np.float64)
    freq = np.asarray(frequency, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        performer = freq > 0
    return describe(np.where(performer, imp, np.nan))


def lower_confidence_bound(desc: ScaleDescriptives, confidence: float = 0.95) -> FloatArray:
    r"""Lower limit of the t interval of each mean: :math:`\bar x - t_{(1+c)/2,\,n-1}\, SE`.

    NaN where :math:`n < 2`.
    """
    n = desc.n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stdtrit(np.where(n >= 2, n - 1, np.nan), (1 + confidence) / 2)
        return np.asarray(desc.mean - t * desc.se, dtype=np.float64)


def importance_statistic(
    importance: FloatArray, frequency: FloatArray, rule: RetentionRule
) -> FloatArray:
    """The per-task importance figure that ``rule`` compares with ``importance_min``."""
    if rule.basis == "performers":
        desc = importance_among_performers(importance, frequency)
    else:
        desc = describe(importance)
    if rule.rule == "lower-bound":
        return lower_confidence_bound(desc, rule.confidence)
    return np.asarray(desc.mean, dtype=np.float64)


def retain(
    importance_stat: FloatArray,
    performing: FloatArray,
    criticality: FloatArray,
    rule: RetentionRule,
) -> BoolArray:
    """Tasks retained by ``rule``; a task without criticality (no ratings) never is."""
    with np.errstate(invalid="ignore"):
        keep = (
            (importance_stat >= rule.importance_min)
            & (performing >= rule.performing_min)
            & np.isfinite(criticality)
        )
        if rule.criticality_min is not None:
            keep &= criticality >= rule.criticality_min
    return np.asarray(keep, dtype=np.bool_)


@dataclass(frozen=True)
class BootstrapStability:
    """How stable retention and the blueprint are over bootstrap resamples of respondents.

    ``share_retained[j]``: share of the resamples in which task j is retained;
    ``domain_items_min``/``domain_items_max``: the range of each domain's item count;
    ``borderline[j]``: the share lies strictly between ``1 - stability`` and ``stability``.
    """

    resamples: int
    seed: int
    stability: float
    share_retained: FloatArray
    domain_items_min: tuple[int, ...]
    domain_items_max: tuple[int, ...]
    borderline: BoolArray


class _Sums:
    """The per-task columns whose weighted sums give a resample's statistics, stacked once.

    Each resample's sums are its draw counts times these columns (one matrix product per
    block of resamples). Whole-number ratings make every sum a whole number below 2**24
    for fewer than ~1 million respondents, exact in float32 at half the cost; other
    ratings are summed in float64.
    """

    def __init__(
        self, importance: FloatArray, frequency: FloatArray, rule: RetentionRule, method: str
    ) -> None:
        self.rule, self.method = rule, method
        self.n_tasks = importance.shape[1]
        i_obs = ~np.isnan(importance)
        f_obs = ~np.isnan(frequency)
        with np.errstate(invalid="ignore"):
            performer = frequency > 0
        if rule.basis == "performers":
            use = i_obs & performer
            x = np.where(use, importance, 0.0)
        else:
            use, x = i_obs, np.where(i_obs, importance, 0.0)
        columns: dict[str, np.ndarray] = {"n": use, "s1": x}
        if rule.rule == "lower-bound":
            columns["s2"] = np.square(x)
        columns["perf"] = performer
        columns["f_obs"] = f_obs
        if method == "multiplicative":
            both = i_obs & f_obs
            columns["both"] = both
            columns["prod"] = np.where(both, importance * frequency, 0.0)
        else:
            columns["i_obs"] = i_obs
            columns["i_sum"] = np.where(i_obs, importance, 0.0)
            columns["f_sum"] = np.where(f_obs, frequency, 0.0)
        observed = np.concatenate([importance[i_obs], frequency[f_obs]])
        largest = float(np.abs(observed).max()) if observed.size else 0.0
        whole = bool(np.all(observed == np.rint(observed)))
        exact32 = whole and importance.shape[0] * max(largest, 1.0) ** 2 < 2**24
        self.dtype = np.float32 if exact32 else np.float64
        self.names = list(columns)
        self.matrix = np.concatenate(
            [np.asarray(c, dtype=self.dtype) for c in columns.values()], axis=1
        )

    def stats(self, w: np.ndarray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Importance statistic, share performing and criticality per row of draw counts."""
        sums = (w.astype(self.dtype) @ self.matrix).astype(np.float64)
        t = self.n_tasks
        col = {name: sums[:, i * t : (i + 1) * t] for i, name in enumerate(self.names)}
        rule = self.rule
        with np.errstate(invalid="ignore", divide="ignore"):
            n, s1 = col["n"], col["s1"]
            mean = s1 / n
            stat = mean
            if rule.rule == "lower-bound":
                var = (col["s2"] - s1 * s1 / n) / (n - 1)
                se = np.sqrt(np.maximum(var, 0.0) / n)
                q = stdtrit(np.where(n >= 2, n - 1, np.nan), (1 + rule.confidence) / 2)
                stat = mean - q * se
            perf = col["perf"] / col["f_obs"]
            if self.method == "multiplicative":
                crit = col["prod"] / col["both"]
            else:
                mean_i = col["i_sum"] / col["i_obs"]
                mean_f = col["f_sum"] / col["f_obs"]
                if self.method == "product-of-means":
                    crit = mean_i * mean_f
                elif self.method == "additive":
                    crit = (mean_i + mean_f) / 2
                else:
                    crit = np.sqrt(mean_i * mean_f)
        return stat, perf, crit


def bootstrap_retention(
    importance: FloatArray,
    frequency: FloatArray,
    rule: RetentionRule,
    method: str,
    task_domains: Sequence[int],
    n_domains: int,
    items: int,
    *,
    min_per_domain: int = 0,
    fixed: Mapping[int, bool] | None = None,
    resamples: int = 200,
    seed: int = 15,
    stability: float = 0.9,
) -> BootstrapStability:
    r"""Retention and domain item counts over bootstrap resamples of the respondents.

    Parameters
    ----------
    importance, frequency : ndarray, shape (n_respondents, n_tasks)
        Ratings with NaN for missing.
    rule : RetentionRule
    method : str
        Criticality method (:data:`rds.stats.CRITICALITY_METHODS`).
    task_domains, n_domains, items, min_per_domain
        As :func:`rds.exam_blueprint.build_blueprint`.
    fixed : mapping of task index to bool
        Tasks kept or dropped by a decision whatever the data (the same in every
        resample).
    resamples, seed : int
        Number of resamples; the seed of ``numpy.random.default_rng`` (same seed, same
        figures).
    stability : float
        A task retained in at least this share of resamples, or at most ``1 - stability``,
        is stable; in between it is borderline (default 0.9).

    Notes
    -----
    Each resample draws n respondents with replacement (``rng.integers(0, n, n)``); the
    per-task sums of a resample are the respondents' rows weighted by how often they were
    drawn, so a block of resamples is one matrix product. In each resample the rule is
    applied, weights are criticality over the retained tasks' total, and the domain items
    are :func:`rds.exam_blueprint.apportion` of ``items`` over the domain weights.
    """
    imp = np.asarray(importance, dtype=np.float64)
    freq = np.asarray(frequency, dtype=np.float64)
    if imp.shape != freq.shape or imp.ndim != 2:
        raise ValueError("importance and frequency must be matrices of the same shape")
    if method not in CRITICALITY_METHODS:
        raise ValueError(f"unknown criticality method {method!r}")
    if resamples < 1:
        raise ValueError("resamples must be >= 1")
    if not 0.5 < stability <= 1:
        raise ValueError("stability must lie in (0.5, 1]")
    n_resp, n_tasks = imp.shape
    domains = np.asarray(task_domains, dtype=np.int64)
    member = np.zeros((n_tasks, n_domains))
    member[np.arange(n_tasks), domains] = 1.0
    rng = np.random.default_rng(seed)
    sums = _Sums(imp, freq, rule, method)
    # Blocks of 50 resamples: one thread runs such a product near its best, while BLAS
    # threads on a busy machine spin against each other (10x slower measured at load 8).
    with threadpool_limits(limits=1):
        return _resample(
            sums,
            imp.shape,
            rng,
            resamples,
            dict(fixed or {}),
            rule,
            member,
            items,
            min_per_domain,
            seed,
            stability,
        )


def _resample(
    sums: _Sums,
    shape: tuple[int, ...],
    rng: np.random.Generator,
    resamples: int,
    fixed: dict[int, bool],
    rule: RetentionRule,
    member: FloatArray,
    items: int,
    min_per_domain: int,
    seed: int,
    stability: float,
) -> BootstrapStability:
    n_resp, n_tasks = shape
    n_domains = member.shape[1]
    kept_count = np.zeros(n_tasks)
    d_min = [math.inf] * n_domains
    d_max = [-math.inf] * n_domains
    done = 0
    while done < resamples:
        size = min(_CHUNK, resamples - done)
        draws = rng.integers(0, n_resp, size=(size, n_resp))
        w = np.zeros((size, n_resp))
        for b in range(size):
            w[b] = np.bincount(draws[b], minlength=n_resp)
        stat, perf, crit = sums.stats(w)
        keep = retain(stat, perf, crit, rule)
        for j, value in fixed.items():
            keep[:, j] = bool(value) & np.isfinite(crit[:, j])
        kept_count += keep.sum(axis=0)
        crit_kept = np.where(keep, crit, 0.0)
        d_weights = crit_kept @ member
        for b in range(size):
            total = float(d_weights[b].sum())
            if total > 0 and items > 0:
                weights = [float(v) for v in d_weights[b]]
                try:
                    counts = apportion(items, weights, min_per_domain)
                except ValueError:  # more domains than the minimum leaves room for
                    counts = apportion(items, weights)
            else:
                counts = tuple(0 for _ in range(n_domains))
            for d, c in enumerate(counts):
                d_min[d] = min(d_min[d], c)
                d_max[d] = max(d_max[d], c)
        done += size
    share = kept_count / resamples
    borderline = (share > 1 - stability + 1e-12) & (share < stability - 1e-12)
    return BootstrapStability(
        resamples=int(resamples),
        seed=int(seed),
        stability=float(stability),
        share_retained=np.asarray(share, dtype=np.float64),
        domain_items_min=tuple(int(v) for v in d_min),
        domain_items_max=tuple(int(v) for v in d_max),
        borderline=np.asarray(borderline, dtype=np.bool_),
    )
