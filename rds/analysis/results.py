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

from rds.mixed_icc import mixed_icc
from rds.reliability import (
    ICC_FORMS,
    IccEstimate,
    cronbach_alpha,
    f_upper_tail,
    intraclass_corr,
)
from rds.retention import IMPORTANCE_BASES, IMPORTANCE_RULES
from rds.stats import CRITICALITY_METHODS, complete_rows, criticality_by_level, pearson_r
from rds.subgroups import cohens_d, fisher_ci, respondent_domain_scores, subgroup_blueprint

MIN_TASKS_FOR_R = 3

MISSING_DATA_POLICY = (
    "A blank rating is missing, never a zero. A respondent who gave no rating at all is left "
    "out of every count and listed as excluded. Task means, SDs, criticality and percent "
    "performing use every rating given for the task (n per task is reported). Cronbach's "
    "alpha uses pairwise-complete covariances. The ICCs shown use every rating: a two-way "
    "crossed random-effects model of tasks and respondents fitted by REML (as R psych "
    "ICC(lmer=TRUE)); the ANOVA forms with their F tests use only respondents who rated every "
    "task on the scale and are reported beside them. A task with no rating on a scale is left "
    "out of that scale's reliability with a warning."
)


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
    ``scale_min``/``scale_max``: the rating scale; ``min_respondents``: fewer respondents
    give a warning; retention: ``importance_basis`` (``all`` raters or ``performers`` only),
    ``importance_rule`` (the ``mean`` or its ``lower-bound`` at ``confidence``),
    ``criticality_min`` (an extra threshold, or None); ``bootstrap`` resamples (0 for none)
    drawn from ``bootstrap_seed``, a task retained in a share of them between
    ``1 - stability`` and ``stability`` being borderline; ``subgroup_item_tolerance``: a
    subgroup whose ratings would move a domain by more items than this is flagged.
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
    min_respondents: int = 30
    importance_basis: str = "all"
    importance_rule: str = "mean"
    confidence: float = 0.95
    criticality_min: float | None = None
    bootstrap: int = 200
    bootstrap_seed: int = 15
    stability: float = 0.9
    subgroup_item_tolerance: int = 2

    def __post_init__(self) -> None:
        _whole(self.items, "items", 0)
        _whole(self.min_respondents, "min_respondents", 1)
        _whole(self.bootstrap, "bootstrap", 0)
        _whole(self.bootstrap_seed, "bootstrap_seed", 0)
        _whole(self.subgroup_item_tolerance, "subgroup_item_tolerance", 0)
        if self.importance_basis not in IMPORTANCE_BASES:
            raise ValueError(f"importance_basis must be one of {', '.join(IMPORTANCE_BASES)}")
        if self.importance_rule not in IMPORTANCE_RULES:
            raise ValueError(f"importance_rule must be one of {', '.join(IMPORTANCE_RULES)}")
        if not (isinstance(self.confidence, numbers.Real) and 0 < self.confidence < 1):
            raise ValueError("confidence must lie between 0 and 1")
        if not (isinstance(self.stability, numbers.Real) and 0.5 < self.stability <= 1):
            raise ValueError("stability must lie above 0.5 and at most 1")
        if self.criticality_min is not None and not (
            isinstance(self.criticality_min, numbers.Real)
            and math.isfinite(float(self.criticality_min))
        ):
            raise ValueError("criticality_min must be a finite number")
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
    """One ICC form: value, 95% interval and F test (psych's), ``None`` when undefined."""

    value: float | None
    ci95: tuple[float, float] | None
    f: float | None = None
    df1: float | None = None
    df2: float | None = None
    p: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "ci95": None if self.ci95 is None else list(self.ci95),
            "f": self.f,
            "df1": self.df1,
            "df2": self.df2,
            "p": self.p,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IccValue:
        return cls(
            finite_or_none(data.get("value")),
            _stored_pair(data.get("ci95")),
            finite_or_none(data.get("f")),
            finite_or_none(data.get("df1")),
            finite_or_none(data.get("df2")),
            finite_or_none(data.get("p")),
        )

    @classmethod
    def of(cls, estimate: IccEstimate) -> IccValue:
        """The JSON-ready form of an engine estimate (NaN -> None)."""
        value = finite_or_none(estimate.value)
        return cls(
            value,
            _pair_or_none(estimate.ci_low, estimate.ci_high) if value is not None else None,
            finite_or_none(estimate.f),
            finite_or_none(estimate.df1),
            finite_or_none(estimate.df2),
            finite_or_none(estimate.p),
        )


@dataclass(frozen=True)
class AnovaTable:
    """Two-way ANOVA (tasks x complete respondents) behind the complete-case ICC forms.

    Tasks are the targets and respondents the raters, as ``psych::ICC(t(x))``. The F tests
    are of tasks (``MS_tasks / MS_error``) and of respondents (``MS_respondents /
    MS_error``), p their upper tails.
    """

    n_tasks: int
    n_respondents: int
    df_tasks: int
    df_respondents: int
    df_error: int
    ms_tasks: float | None
    ms_respondents: float | None
    ms_error: float | None
    ms_within: float | None
    f_tasks: float | None
    p_tasks: float | None
    f_respondents: float | None
    p_respondents: float | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnovaTable:
        ints = ("n_tasks", "n_respondents", "df_tasks", "df_respondents", "df_error")
        values: dict[str, Any] = {
            f.name: int(data.get(f.name) or 0)
            if f.name in ints
            else finite_or_none(data.get(f.name))
            for f in fields(cls)
        }
        return cls(**values)


@dataclass(frozen=True)
class MixedIccResult:
    """ICCs from every rating: crossed random effects of tasks and respondents by REML.

    ``var_*`` are the variance components (lme4's ``VarCorr``); ``icc`` the six forms as
    ``psych::ICC(x, lmer=TRUE)`` reports them, with ``n_tasks`` targets and
    ``n_respondents`` raters; ``n_ratings`` the ratings used.
    """

    n_tasks: int
    n_respondents: int
    n_ratings: int
    var_tasks: float | None
    var_respondents: float | None
    var_residual: float | None
    icc: Mapping[str, IccValue]
    converged: bool
    method: str = "REML, y ~ 1 + (1 | task) + (1 | respondent)"

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "n_tasks": self.n_tasks,
            "n_respondents": self.n_respondents,
            "n_ratings": self.n_ratings,
            "var_tasks": self.var_tasks,
            "var_respondents": self.var_respondents,
            "var_residual": self.var_residual,
            "converged": self.converged,
            "icc": {name: value.to_dict() for name, value in self.icc.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MixedIccResult:
        return cls(
            n_tasks=int(data.get("n_tasks") or 0),
            n_respondents=int(data.get("n_respondents") or 0),
            n_ratings=int(data.get("n_ratings") or 0),
            var_tasks=finite_or_none(data.get("var_tasks")),
            var_respondents=finite_or_none(data.get("var_respondents")),
            var_residual=finite_or_none(data.get("var_residual")),
            icc={str(k): IccValue.from_dict(v) for k, v in (data.get("icc") or {}).items()},
            converged=bool(data.get("converged")),
            method=str(data.get("method") or cls.method),
        )


ICC_SHOWN = ("mixed", "complete-case")


@dataclass(frozen=True)
class ScaleResult:
    """Reliability of one rating scale (or of one domain's tasks on it).

    ``icc`` are the complete-case ANOVA forms (``n_complete`` respondents who rated every
    task), ``anova`` their ANOVA table; ``mixed`` the forms from every rating (REML);
    ``icc_shown`` says which the reports lead with: ``"mixed"`` whenever it could be
    fitted, else ``"complete-case"`` when those are defined, else None (no ICC at all).
    ``n_respondents`` counts the respondents with at least one rating here, ``n_tasks``
    the tasks used; ``tasks_left_out`` are the tasks without any rating here (left out
    with a warning).
    """

    alpha: float | None
    alpha_ci95: tuple[float, float] | None
    n_complete: int
    icc: Mapping[str, IccValue]
    n_respondents: int = 0
    n_tasks: int = 0
    tasks_left_out: tuple[str, ...] = ()
    anova: AnovaTable | None = None
    mixed: MixedIccResult | None = None
    icc_shown: str | None = None

    def shown(self) -> Mapping[str, IccValue]:
        """The ICC forms the reports lead with (see ``icc_shown``)."""
        if self.icc_shown == "mixed" and self.mixed is not None:
            return self.mixed.icc
        return self.icc

    def to_dict(self) -> dict[str, object]:
        return {
            "alpha": self.alpha,
            "alpha_ci95": None if self.alpha_ci95 is None else list(self.alpha_ci95),
            "n_complete": self.n_complete,
            "icc": {name: value.to_dict() for name, value in self.icc.items()},
            "n_respondents": self.n_respondents,
            "n_tasks": self.n_tasks,
            "tasks_left_out": list(self.tasks_left_out),
            "anova": None if self.anova is None else self.anova.to_dict(),
            "mixed": None if self.mixed is None else self.mixed.to_dict(),
            "icc_shown": self.icc_shown,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScaleResult:
        anova, mixed = data.get("anova"), data.get("mixed")
        shown = data.get("icc_shown")
        return cls(
            alpha=finite_or_none(data.get("alpha")),
            alpha_ci95=_stored_pair(data.get("alpha_ci95")),
            n_complete=int(data.get("n_complete") or 0),
            icc={str(k): IccValue.from_dict(v) for k, v in (data.get("icc") or {}).items()},
            n_respondents=int(data.get("n_respondents") or 0),
            n_tasks=int(data.get("n_tasks") or 0),
            tasks_left_out=tuple(str(t) for t in data.get("tasks_left_out") or ()),
            anova=None if anova is None else AnovaTable.from_dict(anova),
            mixed=None if mixed is None else MixedIccResult.from_dict(mixed),
            icc_shown=None if shown is None else str(shown),
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
    # the importance figure the retention rule compared (mean, performers' mean or lower bound)
    importance_statistic: float | None = None
    mean_importance_performers: float | None = None
    n_importance_performers: int = 0
    # reliability of the task's mean ratings at its own number of raters (Spearman-Brown
    # from the scale's single-rater ICC2 of every rating)
    reliability_importance: float | None = None
    reliability_frequency: float | None = None
    # share of bootstrap resamples retaining the task (None without bootstrap)
    bootstrap_retained: float | None = None
    borderline: bool = False

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
            importance_statistic=stat("importance_statistic"),
            mean_importance_performers=stat("mean_importance_performers"),
            n_importance_performers=int(data.get("n_importance_performers") or 0),
            reliability_importance=stat("reliability_importance"),
            reliability_frequency=stat("reliability_frequency"),
            bootstrap_retained=stat("bootstrap_retained"),
            borderline=bool(data.get("borderline")),
        )


@dataclass(frozen=True)
class DomainResult:
    """Blueprint row of one performance domain."""

    domain: str
    n_tasks: int
    n_retained: int
    weight: float
    items: int
    # the range of the domain's items over the bootstrap resamples (None without bootstrap)
    items_min: int | None = None
    items_max: int | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainResult:
        low, high = data.get("items_min"), data.get("items_max")
        return cls(
            domain=str(data["domain"]),
            n_tasks=int(data.get("n_tasks") or 0),
            n_retained=int(data.get("n_retained") or 0),
            weight=float(data.get("weight") or 0.0),
            items=int(data.get("items") or 0),
            items_min=None if low is None else int(low),
            items_max=None if high is None else int(high),
        )


@dataclass(frozen=True)
class SubgroupDomain:
    """One domain as a subgroup's ratings alone would weight it, against everyone else.

    ``weight``/``items``: the blueprint from the group's criticality over the tasks retained
    overall; ``others_*`` the same from everyone else's; ``items_change`` the group's items
    minus the blueprint's; ``d`` Cohen's d (group minus others) of respondents' mean task
    criticality in the domain, with its 95% interval; ``flagged`` when ``items_change``
    exceeds the tolerance in either direction.
    """

    domain: str
    weight: float
    items: int
    others_weight: float
    others_items: int
    items_change: int
    d: float | None
    d_ci95: tuple[float, float] | None
    flagged: bool

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["d_ci95"] = None if self.d_ci95 is None else list(self.d_ci95)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubgroupDomain:
        return cls(
            domain=str(data["domain"]),
            weight=float(data.get("weight") or 0.0),
            items=int(data.get("items") or 0),
            others_weight=float(data.get("others_weight") or 0.0),
            others_items=int(data.get("others_items") or 0),
            items_change=int(data.get("items_change") or 0),
            d=finite_or_none(data.get("d")),
            d_ci95=_stored_pair(data.get("d_ci95")),
            flagged=bool(data.get("flagged")),
        )


@dataclass(frozen=True)
class SubgroupResult:
    """One demographic level against everyone else: profile r (with its Fisher-z 95%
    interval over ``r_tasks`` retained tasks) and the blueprint its ratings alone give."""

    variable: str
    level: str
    n: int
    r: float | None
    r_ci95: tuple[float, float] | None = None
    r_tasks: int = 0
    domains: tuple[SubgroupDomain, ...] = ()
    flagged: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "variable": self.variable,
            "level": self.level,
            "n": self.n,
            "r": self.r,
            "r_ci95": None if self.r_ci95 is None else list(self.r_ci95),
            "r_tasks": self.r_tasks,
            "domains": [d.to_dict() for d in self.domains],
            "flagged": self.flagged,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubgroupResult:
        return cls(
            variable=str(data["variable"]),
            level=str(data["level"]),
            n=int(data.get("n") or 0),
            r=finite_or_none(data.get("r")),
            r_ci95=_stored_pair(data.get("r_ci95")),
            r_tasks=int(data.get("r_tasks") or 0),
            domains=tuple(SubgroupDomain.from_dict(d) for d in data.get("domains") or ()),
            flagged=bool(data.get("flagged")),
        )


@dataclass(frozen=True)
class SmallSubgroup:
    """A demographic level with fewer respondents than ``min_group``: listed, not analysed."""

    variable: str
    level: str
    n: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SmallSubgroup:
        return cls(str(data["variable"]), str(data["level"]), int(data.get("n") or 0))


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


def scale_reliability(
    name: str,
    ratings: np.ndarray,
    warnings: Warnings,
    task_ids: Sequence[str] | None = None,
) -> ScaleResult:
    """Alpha (pairwise), the ICCs from every rating (REML) and the complete-case ANOVA forms.

    ``name`` names the scale in warnings ("importance", or "importance ratings of domain
    X"). Respondents without a rating here are left out of every count; tasks without a
    rating here are left out with a warning (``tasks_left_out``).
    """
    x = np.asarray(ratings, dtype=np.float64)
    ids = (
        [str(t) for t in task_ids]
        if task_ids is not None
        else [str(j + 1) for j in range(x.shape[1])]
    )
    observed = ~np.isnan(x)
    rated_rows, rated_cols = observed.any(axis=1), observed.any(axis=0)
    left_out = tuple(ids[int(j)] for j in np.flatnonzero(~rated_cols))
    if left_out:
        warnings.add(
            f"{len(left_out)} task{'s' if len(left_out) != 1 else ''} without any {name} rating "
            f"left out of the {name} reliability: {', '.join(left_out)}."
        )
    if not (rated_rows.all() and rated_cols.all()):
        x = x[np.ix_(rated_rows, rated_cols)]
    n_resp, n_tasks = x.shape
    alpha: float | None = None
    alpha_ci: tuple[float, float] | None = None
    if n_tasks < 2 or n_resp < 2:
        warnings.add(
            f"Cronbach's alpha of the {name} ratings needs at least 2 tasks and 2 respondents; "
            "it is null."
        )
    else:
        # A task rated once has no variance: it would make alpha undefined for the scale.
        kept_ids = [ids[int(j)] for j in np.flatnonzero(rated_cols)]
        single = (~np.isnan(x)).sum(axis=0) < 2
        if single.any() and int((~single).sum()) >= 2:
            warnings.add(
                f"{', '.join(t for t, s in zip(kept_ids, single, strict=True) if s)} "
                f"{'has' if int(single.sum()) == 1 else 'have'} a single {name} rating: left "
                f"out of the {name} alpha."
            )
            result = cronbach_alpha(x[:, ~single])
        else:
            result = cronbach_alpha(x)
        alpha = finite_or_none(result.alpha)
        alpha_ci = _pair_or_none(result.ci_low, result.ci_high) if alpha is not None else None
        if alpha is None:
            warnings.add(
                f"Cronbach's alpha of the {name} ratings is undefined (zero variance of the "
                "total score, or task pairs never rated together); it is null."
            )
    mixed: MixedIccResult | None = None
    if n_tasks >= 2 and n_resp >= 2:
        fitted = mixed_icc(x.T)  # tasks are the targets, respondents the raters
        if fitted.fit is not None:
            mixed = MixedIccResult(
                n_tasks=fitted.n_targets,
                n_respondents=fitted.n_raters,
                n_ratings=fitted.n_ratings,
                var_tasks=finite_or_none(fitted.fit.var_targets),
                var_respondents=finite_or_none(fitted.fit.var_raters),
                var_residual=finite_or_none(fitted.fit.var_residual),
                icc={form: IccValue.of(e) for form, e in fitted.estimates.items()},
                converged=fitted.fit.converged,
            )
            if not fitted.fit.converged:
                warnings.add(
                    f"The REML fit of the {name} ratings did not report convergence; its "
                    "ICCs are shown but should be checked."
                )
    if mixed is None:
        warnings.add(
            f"The ICCs of the {name} ratings from every rating cannot be estimated (fewer "
            "than 2 tasks or respondents, or no variance); they are null."
        )
    complete = complete_rows(x)
    n_complete = int(complete.sum())
    icc = {form: IccValue(None, None) for form in ICC_FORMS}
    anova: AnovaTable | None = None
    if n_tasks < 2 or n_complete < 2:
        warnings.add(
            f"Only {n_complete} respondents rated every task on the {name} scale: the "
            "complete-case ANOVA ICCs need at least 2 (and 2 tasks) and are null."
        )
    else:
        # Tasks are the targets and respondents the raters: psych::ICC(t(complete)).
        rows = x if n_complete == n_resp else x[complete]
        table = intraclass_corr(rows.T)
        icc = {form: IccValue.of(e) for form, e in table.estimates.items()}
        anova = _anova_table(table.n_targets, table.n_raters, table)
        undefined = [form for form, value in icc.items() if value.value is None]
        if undefined:
            warnings.add(
                f"{', '.join(undefined)} of the {name} ratings undefined (zero variance among "
                "complete respondents); null."
            )
    shown: str | None = None
    if mixed is not None and any(v.value is not None for v in mixed.icc.values()):
        shown = "mixed"
    elif any(v.value is not None for v in icc.values()):
        shown = "complete-case"
    return ScaleResult(
        alpha=alpha,
        alpha_ci95=alpha_ci,
        n_complete=n_complete,
        icc=icc,
        n_respondents=int(n_resp),
        n_tasks=int(n_tasks),
        tasks_left_out=left_out,
        anova=anova,
        mixed=mixed,
        icc_shown=shown,
    )


def _anova_table(n: int, k: int, table: Any) -> AnovaTable:
    """The ANOVA table of :func:`rds.reliability.intraclass_corr`'s mean squares."""
    df_t, df_r, df_e = n - 1, k - 1, (n - 1) * (k - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f_t = np.float64(table.ms_targets) / np.float64(table.ms_error)
        f_r = np.float64(table.ms_raters) / np.float64(table.ms_error)
    return AnovaTable(
        n_tasks=n,
        n_respondents=k,
        df_tasks=df_t,
        df_respondents=df_r,
        df_error=df_e,
        ms_tasks=finite_or_none(table.ms_targets),
        ms_respondents=finite_or_none(table.ms_raters),
        ms_error=finite_or_none(table.ms_error),
        ms_within=finite_or_none(table.ms_within),
        f_tasks=finite_or_none(f_t),
        p_tasks=finite_or_none(f_upper_tail(float(f_t), df_t, df_e)),
        f_respondents=finite_or_none(f_r),
        p_respondents=finite_or_none(f_upper_tail(float(f_r), df_r, df_e)),
    )


def subgroup_correlations(
    importance: np.ndarray,
    frequency: np.ndarray,
    demographics: Mapping[str, Sequence[str | None]],
    retained: np.ndarray,
    options: AnalysisOptions,
    warnings: Warnings,
    *,
    domain_index: Sequence[int] | None = None,
    domain_names: Sequence[str] | None = None,
    domain_items: Sequence[int] | None = None,
    items: int | None = None,
) -> tuple[tuple[SubgroupResult, ...], tuple[SmallSubgroup, ...]]:
    """Each large-enough level against everyone else; the levels too small to analyse.

    Per level: Pearson r between its task criticality and everyone else's over the retained
    tasks with its Fisher-z interval; with the domains given, the blueprint the level's
    criticality alone gives (:func:`rds.subgroups.subgroup_blueprint`), everyone else's,
    the change in items from ``domain_items`` (flagged beyond
    ``options.subgroup_item_tolerance``) and Cohen's d per domain of respondents' mean task
    criticality (:func:`rds.subgroups.respondent_domain_scores`).
    """
    labels: list[tuple[str, str, int, np.ndarray]] = []
    groupings: list[tuple[np.ndarray, int]] = []
    small: list[SmallSubgroup] = []
    for variable, values in demographics.items():
        counts = count_levels(values)
        small += [
            SmallSubgroup(variable, level, count)
            for level, count in counts.items()
            if count < options.min_group
        ]
        large = [(level, count) for level, count in counts.items() if count >= options.min_group]
        if not large:
            continue
        index: dict[str | None, int] = {level: i for i, (level, _) in enumerate(large)}
        codes = np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))
        groupings.append((codes, len(large)))
        labels += [(variable, level, count, codes == i) for i, (level, count) in enumerate(large)]
    group_rows: list[np.ndarray] = []
    other_rows: list[np.ndarray] = []
    if groupings:
        for within, others in criticality_by_level(
            importance, frequency, groupings, options.method
        ):
            group_rows += list(within)
            other_rows += list(others)
    with_domains = domain_index is not None and domain_names is not None
    scores = None
    if with_domains and labels:
        assert domain_index is not None and domain_names is not None
        scores = respondent_domain_scores(
            importance, frequency, options.method, domain_index, len(domain_names), retained
        )
    n_total = importance.shape[0]
    results = []
    for g, (variable, level, count, members) in enumerate(labels):
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
        r_ci = None if r is None else _pair_or_none(*fisher_ci(r, int(use.sum())))
        domains: tuple[SubgroupDomain, ...] = ()
        if with_domains and scores is not None and count < n_total:
            assert domain_index is not None and domain_names is not None
            domains = _subgroup_domains(
                group_crit,
                other_crit,
                retained,
                scores,
                members,
                options,
                domain_index,
                domain_names,
                domain_items,
                items,
            )
        results.append(
            SubgroupResult(
                variable=variable,
                level=level,
                n=count,
                r=r,
                r_ci95=r_ci,
                r_tasks=int(use.sum()),
                domains=domains,
                flagged=any(d.flagged for d in domains),
            )
        )
    return tuple(results), tuple(small)


def _subgroup_domains(
    group_crit: np.ndarray,
    other_crit: np.ndarray,
    retained: np.ndarray,
    scores: np.ndarray,
    members: np.ndarray,
    options: AnalysisOptions,
    domain_index: Sequence[int],
    domain_names: Sequence[str],
    domain_items: Sequence[int] | None,
    items: int | None,
) -> tuple[SubgroupDomain, ...]:
    n_domains = len(domain_names)
    total = options.items if items is None else items
    mine = subgroup_blueprint(
        group_crit, retained, domain_index, n_domains, total, options.min_per_domain
    )
    theirs = subgroup_blueprint(
        other_crit, retained, domain_index, n_domains, total, options.min_per_domain
    )
    base = list(domain_items) if domain_items is not None else list(theirs.domain_items)
    rows = []
    for d, name in enumerate(domain_names):
        effect = cohens_d(scores[members, d], scores[~members, d])
        d_value = finite_or_none(effect.d)
        change = int(mine.domain_items[d]) - int(base[d])
        rows.append(
            SubgroupDomain(
                domain=str(name),
                weight=float(mine.domain_weights[d]),
                items=int(mine.domain_items[d]),
                others_weight=float(theirs.domain_weights[d]),
                others_items=int(theirs.domain_items[d]),
                items_change=change,
                d=d_value,
                d_ci95=None if d_value is None else _pair_or_none(effect.ci_low, effect.ci_high),
                flagged=abs(change) > options.subgroup_item_tolerance,
            )
        )
    return tuple(rows)
