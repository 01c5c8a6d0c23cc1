"""Result records, option checks and per-scale/per-subgroup steps of the analysis engine.

Pure: numpy and the standard library only; no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from rds.reliability import ICC_FORMS, cronbach_alpha, intraclass_corr
from rds.stats import CRITICALITY_METHODS, complete_rows, criticality_by_level, pearson_r

MIN_TASKS_FOR_R = 3


def finite_or_none(value: float | np.floating | None) -> float | None:
    """The value as a Python float, or ``None`` when it is missing, NaN or infinite."""
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def _pair_or_none(low: float, high: float) -> tuple[float, float] | None:
    lo, hi = finite_or_none(low), finite_or_none(high)
    return None if lo is None or hi is None else (lo, hi)


def _stored_pair(value: Sequence[float] | None) -> tuple[float, float] | None:
    """A stored ``[low, high]`` interval as a pair, ``None`` when it is missing."""
    return None if value is None else _pair_or_none(value[0], value[1])


class Warnings:
    """Ordered, de-duplicated list of warnings collected during an analysis."""

    def __init__(self) -> None:
        self._items: dict[str, None] = {}

    def add(self, message: str) -> None:
        """Record a warning once."""
        self._items[message] = None

    def as_tuple(self) -> tuple[str, ...]:
        """The warnings in the order they were first recorded."""
        return tuple(self._items)


def _whole(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a whole number")
    number = float(value)
    if not math.isfinite(number) or not number.is_integer():
        raise ValueError(f"{name} must be a whole number")
    if number < minimum:
        raise ValueError(f"{name} must be >= {minimum}")
    return int(number)


@dataclass(frozen=True)
class AnalysisOptions:
    """Options of an RDS analysis (the command-line flags); checked on creation.

    ``items``: test length; ``method``: criticality method; ``importance_min`` and
    ``performing_min``: retention thresholds; ``population``: number of incumbents for the
    sample-size check (``None`` to skip); ``min_group``: smallest demographic level reported
    as a subgroup; ``min_per_domain``: items each domain with a retained task gets first;
    ``scale_min``/``scale_max``: the rating scale.
    """

    items: int = 150
    method: str = "multiplicative"
    importance_min: float = 2.0
    performing_min: float = 0.5
    population: int | None = None
    min_group: int = 30
    min_per_domain: int = 0
    scale_min: float = 0
    scale_max: float = 4

    def __post_init__(self) -> None:
        _whole(self.items, "items", 0)
        _whole(self.min_group, "min_group", 1)
        _whole(self.min_per_domain, "min_per_domain", 0)
        if self.population is not None:
            _whole(self.population, "population", 1)
        if self.method not in CRITICALITY_METHODS:
            raise ValueError(
                f"unknown criticality method {self.method!r}; "
                f"use one of {', '.join(CRITICALITY_METHODS)}"
            )
        for name in ("importance_min", "performing_min", "scale_min", "scale_max"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
                raise ValueError(f"{name} must be a finite number")
        if not 0 <= self.performing_min <= 1:
            raise ValueError("performing_min is a share and must lie between 0 and 1")
        if self.scale_min < 0:
            raise ValueError("scale_min must be >= 0 (0 on the frequency scale = not performed)")
        if self.scale_min >= self.scale_max:
            raise ValueError("scale_min must be below scale_max")

    def to_dict(self) -> dict[str, object]:
        """The options as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalysisOptions:
        """The options of a ``to_dict()`` document; a missing option takes its default."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class IccValue:
    """One ICC form: value and 95% interval, ``None`` when undefined."""

    value: float | None
    ci95: tuple[float, float] | None

    def to_dict(self) -> dict[str, object]:
        return {"value": self.value, "ci95": None if self.ci95 is None else list(self.ci95)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IccValue:
        return cls(finite_or_none(data.get("value")), _stored_pair(data.get("ci95")))


@dataclass(frozen=True)
class ScaleResult:
    """Reliability of one rating scale."""

    alpha: float | None
    alpha_ci95: tuple[float, float] | None
    n_complete: int
    icc: Mapping[str, IccValue]

    def to_dict(self) -> dict[str, object]:
        return {
            "alpha": self.alpha,
            "alpha_ci95": None if self.alpha_ci95 is None else list(self.alpha_ci95),
            "n_complete": self.n_complete,
            "icc": {name: value.to_dict() for name, value in self.icc.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScaleResult:
        return cls(
            alpha=finite_or_none(data.get("alpha")),
            alpha_ci95=_stored_pair(data.get("alpha_ci95")),
            n_complete=int(data.get("n_complete") or 0),
            icc={str(k): IccValue.from_dict(v) for k, v in (data.get("icc") or {}).items()},
        )


@dataclass(frozen=True)
class TaskResult:
    """Statistics, retention and blueprint share of one task."""

    task_id: str
    domain: str
    n_importance: int
    mean_importance: float | None
    sd_importance: float | None
    se_importance: float | None
    n_frequency: int
    mean_frequency: float | None
    sd_frequency: float | None
    se_frequency: float | None
    pct_performing: float | None
    criticality: float | None
    retained: bool
    weight: float
    items: int
    retained_by: str = "criteria"  # "criteria" or "override" (a psychometrician's decision)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskResult:
        """The task of a ``to_dict()`` document; a missing count is 0, a statistic None."""

        def stat(name: str) -> float | None:
            return finite_or_none(data.get(name))

        return cls(
            task_id=str(data["task_id"]),
            domain=str(data["domain"]),
            n_importance=int(data.get("n_importance") or 0),
            mean_importance=stat("mean_importance"),
            sd_importance=stat("sd_importance"),
            se_importance=stat("se_importance"),
            n_frequency=int(data.get("n_frequency") or 0),
            mean_frequency=stat("mean_frequency"),
            sd_frequency=stat("sd_frequency"),
            se_frequency=stat("se_frequency"),
            pct_performing=stat("pct_performing"),
            criticality=stat("criticality"),
            retained=bool(data.get("retained")),
            weight=float(data.get("weight") or 0.0),
            items=int(data.get("items") or 0),
            retained_by=str(data.get("retained_by") or "criteria"),
        )


@dataclass(frozen=True)
class DomainResult:
    """Blueprint row of one performance domain."""

    domain: str
    n_tasks: int
    n_retained: int
    weight: float
    items: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainResult:
        return cls(
            domain=str(data["domain"]),
            n_tasks=int(data.get("n_tasks") or 0),
            n_retained=int(data.get("n_retained") or 0),
            weight=float(data.get("weight") or 0.0),
            items=int(data.get("items") or 0),
        )


@dataclass(frozen=True)
class SubgroupResult:
    """Agreement of one demographic level's task criticality with everyone else's."""

    variable: str
    level: str
    n: int
    r: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubgroupResult:
        return cls(
            variable=str(data["variable"]),
            level=str(data["level"]),
            n=int(data.get("n") or 0),
            r=finite_or_none(data.get("r")),
        )


def _as_level(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def check_inputs(
    task_ids: Sequence[str],
    domains: Sequence[str],
    importance: np.ndarray,
    frequency: np.ndarray,
    demographics: Mapping[str, Sequence[object]] | None,
    options: AnalysisOptions,
) -> tuple[np.ndarray, np.ndarray, dict[str, list[str | None]]]:
    """Check shapes, ids, scale and thresholds; return float matrices and cleaned demographics."""
    if len(task_ids) == 0:
        raise ValueError("there are no tasks")
    if not options.scale_min <= options.importance_min <= options.scale_max:
        # no mean can reach it (or every mean does): the run could only give a blueprint of
        # nothing, or one where the threshold decides nothing
        raise ValueError(
            f"importance_min {options.importance_min:g} lies outside the rating scale "
            f"{options.scale_min:g}-{options.scale_max:g}"
        )
    if len(domains) != len(task_ids):
        raise ValueError("task_ids and domains must have the same length")
    if len(set(task_ids)) != len(task_ids):
        raise ValueError("task ids must be unique")
    mats = []
    for name, ratings in (("importance", importance), ("frequency", frequency)):
        x = np.asarray(ratings, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(task_ids):
            raise ValueError(f"{name} must have shape (n_respondents, {len(task_ids)})")
        # fmin/fmax skip NaN, so the common in-range case costs two passes.
        if x.size and (
            np.fmin.reduce(x, axis=None) < options.scale_min
            or np.fmax.reduce(x, axis=None) > options.scale_max
        ):
            with np.errstate(invalid="ignore"):
                off = ~np.isnan(x) & ((x < options.scale_min) | (x > options.scale_max))
            r, c = np.argwhere(off)[0]
            raise ValueError(
                f"{int(off.sum())} {name} ratings lie outside the scale "
                f"{options.scale_min:g}-{options.scale_max:g} (first: respondent {r + 1}, "
                f"task {task_ids[c]}: {x[r, c]:g})"
            )
        mats.append(x)
    imp, freq = mats
    if imp.shape != freq.shape:
        raise ValueError("importance and frequency must have the same shape")
    demo: dict[str, list[str | None]] = {}
    for column, values in (demographics or {}).items():
        if len(values) != imp.shape[0]:
            raise ValueError(f"demographic column {column!r} must have one value per respondent")
        # Few distinct answers: clean each distinct value once.
        cleaned: dict[object, str | None] = {}
        demo[str(column)] = [
            cleaned[v] if v in cleaned else cleaned.setdefault(v, _as_level(v)) for v in values
        ]
    return imp, freq, demo


def count_levels(values: Sequence[str | None]) -> dict[str, int]:
    """Respondents per level, levels in order of first appearance, blanks left out."""
    counts = Counter(values)  # a dict: keeps the order of first appearance
    counts.pop(None, None)
    return {str(level): count for level, count in counts.items()}


def scale_reliability(name: str, ratings: np.ndarray, warnings: Warnings) -> ScaleResult:
    """Alpha (pairwise) and the six ICCs (complete respondents) of one scale."""
    n_resp, n_tasks = ratings.shape
    alpha: float | None = None
    alpha_ci: tuple[float, float] | None = None
    if n_tasks < 2 or n_resp < 2:
        warnings.add(
            f"Cronbach's alpha of the {name} ratings needs at least 2 tasks and 2 respondents; "
            "it is null."
        )
    else:
        result = cronbach_alpha(ratings)
        alpha = finite_or_none(result.alpha)
        alpha_ci = _pair_or_none(result.ci_low, result.ci_high) if alpha is not None else None
        if alpha is None:
            warnings.add(
                f"Cronbach's alpha of the {name} ratings is undefined (zero variance of the "
                "total score, or task pairs never rated together); it is null."
            )
    complete = complete_rows(ratings)
    n_complete = int(complete.sum())
    icc = {form: IccValue(None, None) for form in ICC_FORMS}
    if n_tasks < 2 or n_complete < 2:
        warnings.add(
            f"Only {n_complete} respondents rated every task on the {name} scale; the ICCs "
            "need at least 2 (and 2 tasks); they are null."
        )
    else:
        # Tasks are the targets and respondents the raters: psych::ICC(t(complete)).
        rows = ratings if n_complete == n_resp else ratings[complete]
        estimates = intraclass_corr(rows.T).estimates
        icc = {
            form: IccValue(
                finite_or_none(e.value),
                _pair_or_none(e.ci_low, e.ci_high) if math.isfinite(e.value) else None,
            )
            for form, e in estimates.items()
        }
        undefined = [form for form, value in icc.items() if value.value is None]
        if undefined:
            warnings.add(
                f"{', '.join(undefined)} of the {name} ratings undefined (zero variance among "
                "complete respondents); null."
            )
    return ScaleResult(alpha=alpha, alpha_ci95=alpha_ci, n_complete=n_complete, icc=icc)


def subgroup_correlations(
    importance: np.ndarray,
    frequency: np.ndarray,
    demographics: Mapping[str, Sequence[str | None]],
    retained: np.ndarray,
    options: AnalysisOptions,
    warnings: Warnings,
) -> tuple[SubgroupResult, ...]:
    """Pearson r between each large-enough level's criticality and everyone else's."""
    labels: list[tuple[str, str, int]] = []
    groupings: list[tuple[np.ndarray, int]] = []
    for variable, values in demographics.items():
        large = [
            (level, count)
            for level, count in count_levels(values).items()
            if count >= options.min_group
        ]
        if not large:
            continue
        index: dict[str | None, int] = {level: i for i, (level, _) in enumerate(large)}
        codes = np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))
        groupings.append((codes, len(large)))
        labels += [(variable, level, count) for level, count in large]
    group_rows: list[np.ndarray] = []
    other_rows: list[np.ndarray] = []
    if groupings:
        for within, others in criticality_by_level(
            importance, frequency, groupings, options.method
        ):
            group_rows += list(within)
            other_rows += list(others)
    n_total = importance.shape[0]
    results = []
    for g, (variable, level, count) in enumerate(labels):
        group_crit, other_crit = group_rows[g], other_rows[g]
        use = retained & np.isfinite(group_crit) & np.isfinite(other_crit)
        r: float | None = None
        if count == n_total:
            warnings.add(f"Subgroup {variable}={level} has everyone in it; r is null.")
        elif int(use.sum()) < MIN_TASKS_FOR_R:
            warnings.add(
                f"Subgroup {variable}={level}: fewer than {MIN_TASKS_FOR_R} retained tasks "
                "with ratings on both sides; r is null."
            )
        else:
            r = finite_or_none(pearson_r(group_crit[use], other_crit[use]))
            if r is None:
                warnings.add(
                    f"Subgroup {variable}={level}: task criticality has zero variance; r is null."
                )
            elif int(use.sum()) < int(retained.sum()):
                warnings.add(
                    f"Subgroup {variable}={level}: r uses {int(use.sum())} of "
                    f"{int(retained.sum())} retained tasks (others lack ratings)."
                )
        results.append(SubgroupResult(variable=variable, level=level, n=count, r=r))
    return tuple(results)
