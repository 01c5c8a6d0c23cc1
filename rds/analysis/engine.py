"""Full analysis of a validation survey: from rating matrices to an exam blueprint.

Pure: takes plain lists and numpy arrays, returns a frozen :class:`AnalysisResult` whose
``to_dict()`` is the JSON document of ``python -m rds analyze`` (and of a stored blueprint
version) and whose ``from_dict()`` reads that document back. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from rds.analysis.results import (
    AnalysisOptions,
    DomainResult,
    ScaleResult,
    SmallSubgroup,
    SubgroupResult,
    TaskResult,
    Warnings,
    check_inputs,
    count_levels,
    finite_or_none,
    scale_reliability,
    subgroup_correlations,
)
from rds.exam_blueprint import build_blueprint
from rds.mixed_icc import spearman_brown
from rds.reliability import ALPHA_EXPECTED
from rds.retention import (
    RetentionRule,
    bootstrap_retention,
    importance_among_performers,
    lower_confidence_bound,
    retain,
)
from rds.stats import SampleSize, cochran_sample_size, criticality, describe, pct_performing

__all__ = ["AnalysisResult", "analyze"]


@dataclass(frozen=True)
class AnalysisResult:
    """Everything the RDS analysis reports; ``to_dict()`` gives the JSON document."""

    options: AnalysisOptions
    n_respondents: int
    total_items: int
    scales: Mapping[str, ScaleResult]
    tasks: tuple[TaskResult, ...]
    domains: tuple[DomainResult, ...]
    subgroups: tuple[SubgroupResult, ...]
    demographics: Mapping[str, Mapping[str, int]]
    sample_size: SampleSize | None
    warnings: tuple[str, ...]
    # reliability per performance domain: domain name -> scale name -> ScaleResult
    domain_reliability: Mapping[str, Mapping[str, ScaleResult]] = dataclasses.field(
        default_factory=dict
    )
    # input positions (0-based) of respondents who gave no rating at all: left out of
    # every count
    excluded_respondents: tuple[int, ...] = ()
    # demographic levels below the minimum group size: listed, not analysed
    small_subgroups: tuple[SmallSubgroup, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict: floats, ints, strings, lists and ``None`` (never NaN)."""
        sample: dict[str, object] | None = None
        if self.sample_size is not None:
            s = self.sample_size
            sample = {
                "population": s.population,
                "required": s.required,
                "achieved": s.achieved,
                "margin_of_error": finite_or_none(s.margin_of_error),
            }
        return {
            "n_respondents": self.n_respondents,
            "total_items": self.total_items,
            "scales": {name: scale.to_dict() for name, scale in self.scales.items()},
            "tasks": [task.to_dict() for task in self.tasks],
            "domains": [domain.to_dict() for domain in self.domains],
            "subgroups": [group.to_dict() for group in self.subgroups],
            "demographics": {k: dict(v) for k, v in self.demographics.items()},
            "sample_size": sample,
            "warnings": list(self.warnings),
            "options": self.options.to_dict(),
            "domain_reliability": {
                domain: {name: scale.to_dict() for name, scale in scales.items()}
                for domain, scales in self.domain_reliability.items()
            },
            "excluded_respondents": list(self.excluded_respondents),
            "small_subgroups": [group.to_dict() for group in self.small_subgroups],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalysisResult:
        """The result of a ``to_dict()`` document (or its JSON): ``from_dict(r.to_dict()) == r``.

        A margin of error stored as null reads back as NaN, as the engine holds it. A key that
        an older or hand-made document lacks takes a neutral value (0, None, empty, the
        default option), which is what the readers of the stored JSON assumed.
        """
        n_respondents = int(data.get("n_respondents") or 0)
        sample: SampleSize | None = None
        stored = data.get("sample_size")
        if stored is not None:
            margin = stored.get("margin_of_error")
            sample = SampleSize(
                population=int(stored["population"]),
                required=int(stored["required"]),
                achieved=int(stored.get("achieved", n_respondents)),
                margin_of_error=math.nan if margin is None else float(margin),
            )
        scales = data.get("scales") or {}
        demographics = data.get("demographics") or {}
        return cls(
            options=AnalysisOptions.from_dict(data.get("options") or {}),
            n_respondents=n_respondents,
            total_items=int(data.get("total_items") or 0),
            scales={str(name): ScaleResult.from_dict(scale) for name, scale in scales.items()},
            tasks=tuple(TaskResult.from_dict(t) for t in data.get("tasks") or ()),
            domains=tuple(DomainResult.from_dict(d) for d in data.get("domains") or ()),
            subgroups=tuple(SubgroupResult.from_dict(g) for g in data.get("subgroups") or ()),
            demographics={
                str(column): {str(level): int(n) for level, n in counts.items()}
                for column, counts in demographics.items()
            },
            sample_size=sample,
            warnings=tuple(str(w) for w in data.get("warnings") or ()),
            domain_reliability={
                str(domain): {str(n): ScaleResult.from_dict(v) for n, v in scales.items()}
                for domain, scales in (data.get("domain_reliability") or {}).items()
            },
            excluded_respondents=tuple(int(i) for i in data.get("excluded_respondents") or ()),
            small_subgroups=tuple(
                SmallSubgroup.from_dict(g) for g in data.get("small_subgroups") or ()
            ),
        )


def analyze(
    task_ids: Sequence[str],
    domains: Sequence[str],
    importance: np.ndarray,
    frequency: np.ndarray,
    demographics: Mapping[str, Sequence[str | None]] | None = None,
    *,
    items: int = 150,
    method: str = "multiplicative",
    importance_min: float = 2.0,
    performing_min: float = 0.5,
    population: int | None = None,
    min_group: int = 30,
    min_per_domain: int = 0,
    scale_min: float = 0,
    scale_max: float = 4,
    retained_overrides: Mapping[str, bool] | None = None,
    min_respondents: int = 30,
    importance_basis: str = "all",
    importance_rule: str = "mean",
    confidence: float = 0.95,
    criticality_min: float | None = None,
    bootstrap: int = 200,
    bootstrap_seed: int = 15,
    stability: float = 0.9,
    subgroup_item_tolerance: int = 2,
) -> AnalysisResult:
    """Analyse a validation survey and derive the exam blueprint.

    Parameters
    ----------
    task_ids, domains : sequence of str
        One entry per task, in task order; domain order is the order of first appearance.
    importance, frequency : ndarray, shape (n_respondents, n_tasks)
        Ratings on the scale ``scale_min..scale_max``, NaN for a blank rating.
    demographics : mapping of column name to a sequence of n_respondents values, optional
        ``None`` or ``""`` is a blank answer (not counted, in no subgroup).
    items, method, importance_min, performing_min, population, min_group, min_per_domain
        See :class:`AnalysisOptions`.
    scale_min, scale_max : float
        Rating scale; ratings outside it raise ``ValueError``.
    retained_overrides : mapping of task id to bool, optional
        A psychometrician's decision to keep (``True``) or drop (``False``) a task whatever
        the thresholds say; applied before the weights. Reported as ``retained_by``.
    min_respondents, importance_basis, importance_rule, confidence, criticality_min,
    bootstrap, bootstrap_seed, stability, subgroup_item_tolerance
        See :class:`AnalysisOptions`.

    Returns
    -------
    AnalysisResult
        Statistics that cannot be computed (zero variance, too few respondents) are ``None``
        with a message in ``warnings``.

    Notes
    -----
    Missing data: :data:`rds.analysis.results.MISSING_DATA_POLICY`. Task statistics and
    criticality: :mod:`rds.stats`; alpha and ICCs per scale and per domain:
    :mod:`rds.reliability` and :mod:`rds.mixed_icc`; retention (:mod:`rds.retention`): a
    task is retained when its importance statistic (mean over all raters or over
    performers, or the lower limit of its CI) is at least ``importance_min``, its share
    performing at least ``performing_min`` and, when set, its criticality at least
    ``criticality_min``; its weight is its criticality over the sum of the retained tasks'
    criticality; item counts: :func:`rds.exam_blueprint.build_blueprint`; stability:
    :func:`rds.retention.bootstrap_retention`; subgroups: :mod:`rds.subgroups`.
    """
    options = AnalysisOptions(
        items=items,
        method=method,
        importance_min=importance_min,
        performing_min=performing_min,
        population=population,
        min_group=min_group,
        min_per_domain=min_per_domain,
        scale_min=scale_min,
        scale_max=scale_max,
        min_respondents=min_respondents,
        importance_basis=importance_basis,
        importance_rule=importance_rule,
        confidence=confidence,
        criticality_min=criticality_min,
        bootstrap=bootstrap,
        bootstrap_seed=bootstrap_seed,
        stability=stability,
        subgroup_item_tolerance=subgroup_item_tolerance,
    )
    imp, freq, demo = check_inputs(task_ids, domains, importance, frequency, demographics, options)
    _check_criticality_min(options)
    warnings = Warnings()
    blank = np.isnan(imp).all(axis=1) & np.isnan(freq).all(axis=1)
    excluded = tuple(int(i) for i in np.flatnonzero(blank))
    if excluded:
        keep_rows = ~blank
        imp, freq = imp[keep_rows], freq[keep_rows]
        demo = {
            col: [v for v, k in zip(values, keep_rows, strict=True) if k]
            for col, values in demo.items()
        }
        shown = ", ".join(str(i + 1) for i in excluded[:20]) + (
            ", ..." if len(excluded) > 20 else ""
        )
        warnings.add(
            f"{len(excluded)} respondent{'s' if len(excluded) != 1 else ''} gave no rating at "
            f"all and {'are' if len(excluded) != 1 else 'is'} left out of every count "
            f"(input rows {shown})."
        )
    n_resp, n_tasks = imp.shape
    if n_resp < options.min_respondents:
        warnings.add(
            f"The blueprint rests on {n_resp} respondents, fewer than the minimum of "
            f"{options.min_respondents}."
        )
    if options.scale_min > 0:
        warnings.add(
            f"The rating scale starts at {options.scale_min:g}: the frequency scale has no "
            "'not performed' point (0), so every rated task counts as performed and the "
            "performing threshold decides nothing."
        )
    if items == 0:
        warnings.add("The test length is 0 items: the blueprint apportions nothing.")
    task_ids = [str(t) for t in task_ids]
    domain_names = list(dict.fromkeys(str(d) for d in domains))
    domain_index = [domain_names.index(str(d)) for d in domains]

    desc_i, desc_f = describe(imp), describe(freq)
    performers = importance_among_performers(imp, freq)
    rule = RetentionRule(
        importance_min=importance_min,
        performing_min=performing_min,
        basis=importance_basis,
        rule=importance_rule,
        confidence=confidence,
        criticality_min=criticality_min,
    )
    basis_desc = performers if importance_basis == "performers" else desc_i
    if importance_rule == "lower-bound":
        stat = lower_confidence_bound(basis_desc, confidence)
    else:
        stat = np.asarray(basis_desc.mean, dtype=np.float64)
    performing = pct_performing(freq)
    crit = criticality(imp, freq, method, mean_importance=desc_i.mean, mean_frequency=desc_f.mean)
    for j, tid in enumerate(task_ids):
        for scale, desc in (("importance", desc_i), ("frequency", desc_f)):
            if desc.n[j] == 0:
                warnings.add(f"Task {tid} has no {scale} ratings; its {scale} mean is null.")
            elif desc.n[j] == 1:
                warnings.add(f"Task {tid} has a single {scale} rating; its SD and SE are null.")
    retained = retain(stat, performing, crit, rule)
    with np.errstate(invalid="ignore"):
        reaching = stat >= importance_min
    for k in np.flatnonzero(reaching & ~np.isfinite(crit)):
        warnings.add(
            f"Task {task_ids[int(k)]} has no criticality (no usable ratings); not retained."
        )
    retained_by = ["criteria"] * n_tasks
    fixed: dict[int, bool] = {}
    for tid, keep in (retained_overrides or {}).items():
        if tid not in task_ids:
            raise ValueError(f"retained_overrides: unknown task id {tid!r}")
        j = task_ids.index(tid)
        if keep and not np.isfinite(crit[j]):
            warnings.add(f"Task {tid} cannot be kept by override: it has no criticality.")
            continue
        retained[j], retained_by[j] = bool(keep), "override"
        fixed[j] = bool(keep)

    crit_sum = math.fsum(float(c) for c in crit[retained])
    if retained.any() and crit_sum > 0:
        weights = np.where(retained, crit / crit_sum, 0.0)
    else:
        weights = np.zeros(n_tasks)
        warnings.add("No task is retained (or their criticality is all 0): the blueprint is empty.")
    for zero in np.flatnonzero(retained & (weights == 0)):
        warnings.add(
            f"Task {task_ids[int(zero)]} is retained with weight 0 (criticality 0): "
            "it gets no items."
        )
    blueprint = build_blueprint(
        items if weights.any() else 0,
        [float(w) for w in weights],
        domain_index,
        len(domain_names),
        min_per_domain if weights.any() else 0,
    )

    scales = {
        "importance": scale_reliability("importance", imp, warnings, task_ids),
        "frequency": scale_reliability("frequency", freq, warnings, task_ids),
    }
    for scale_name, result in scales.items():
        if result.alpha is not None and result.alpha < ALPHA_EXPECTED:
            warnings.add(
                f"Cronbach's alpha of the {scale_name} ratings is {result.alpha:.3f}, "
                f"below the {ALPHA_EXPECTED:.2f} expected."
            )
    task_reliability = {}
    for scale_name, desc in (("importance", desc_i), ("frequency", desc_f)):
        mixed = scales[scale_name].mixed
        icc2 = None if mixed is None else mixed.icc["ICC2"].value
        task_reliability[scale_name] = (
            spearman_brown(icc2, desc.n.astype(np.float64))
            if icc2 is not None
            else np.full(n_tasks, np.nan)
        )

    stability_result = None
    if options.bootstrap > 0 and n_resp >= 2:
        stability_result = bootstrap_retention(
            imp,
            freq,
            rule,
            method,
            domain_index,
            len(domain_names),
            items if weights.any() else 0,
            min_per_domain=min_per_domain,
            fixed=fixed,
            resamples=options.bootstrap,
            seed=options.bootstrap_seed,
            stability=options.stability,
        )

    tasks = tuple(
        TaskResult(
            task_id=tid,
            domain=domain_names[domain_index[j]],
            n_importance=int(desc_i.n[j]),
            mean_importance=finite_or_none(desc_i.mean[j]),
            sd_importance=finite_or_none(desc_i.sd[j]),
            se_importance=finite_or_none(desc_i.se[j]),
            n_frequency=int(desc_f.n[j]),
            mean_frequency=finite_or_none(desc_f.mean[j]),
            sd_frequency=finite_or_none(desc_f.sd[j]),
            se_frequency=finite_or_none(desc_f.se[j]),
            pct_performing=finite_or_none(performing[j]),
            criticality=finite_or_none(crit[j]),
            retained=bool(retained[j]),
            weight=float(weights[j]),
            items=blueprint.task_items[j],
            retained_by=retained_by[j],
            importance_statistic=finite_or_none(stat[j]),
            mean_importance_performers=finite_or_none(performers.mean[j]),
            n_importance_performers=int(performers.n[j]),
            reliability_importance=finite_or_none(task_reliability["importance"][j]),
            reliability_frequency=finite_or_none(task_reliability["frequency"][j]),
            bootstrap_retained=None
            if stability_result is None
            else float(stability_result.share_retained[j]),
            borderline=False if stability_result is None else bool(stability_result.borderline[j]),
        )
        for j, tid in enumerate(task_ids)
    )
    domain_rows = []
    domain_reliability: dict[str, dict[str, ScaleResult]] = {}
    starved = []
    for d, name in enumerate(domain_names):
        members = [j for j in range(n_tasks) if domain_index[j] == d]
        n_kept = int(sum(bool(retained[j]) for j in members))
        if n_kept == 0:
            warnings.add(f"Domain {name} has no retained task; it gets 0 items.")
        elif blueprint.domain_items[d] == 0 and weights.any():
            starved.append(name)
        domain_rows.append(
            DomainResult(
                domain=name,
                n_tasks=len(members),
                n_retained=n_kept,
                weight=float(blueprint.domain_weights[d]),
                items=blueprint.domain_items[d],
                items_min=None
                if stability_result is None
                else stability_result.domain_items_min[d],
                items_max=None
                if stability_result is None
                else stability_result.domain_items_max[d],
            )
        )
        member_ids = [task_ids[j] for j in members]
        quiet = Warnings()  # the scale-level warnings already name what matters
        # A domain's matrices are small: BLAS threads cost more than they save (seconds
        # instead of milliseconds on a busy machine).
        with threadpool_limits(limits=1):
            domain_reliability[name] = {
                "importance": scale_reliability(
                    f"importance ratings of domain {name}", imp[:, members], quiet, member_ids
                ),
                "frequency": scale_reliability(
                    f"frequency ratings of domain {name}", freq[:, members], quiet, member_ids
                ),
            }
    if starved:
        warnings.add(
            f"{items} items for {sum(r.n_retained > 0 for r in domain_rows)} domains with "
            f"retained tasks: {', '.join(starved)} "
            f"{'get' if len(starved) != 1 else 'gets'} 0 items although "
            f"{'they have' if len(starved) != 1 else 'it has'} retained tasks."
        )

    sample = None
    if population is not None:
        sample = cochran_sample_size(population, n_resp)
        if n_resp > sample.population:
            warnings.add(
                f"{n_resp} respondents exceed the population of {sample.population}; "
                "margin of error is null."
            )
        elif n_resp < sample.required:
            warnings.add(
                f"{n_resp} respondents is fewer than the {sample.required} required "
                f"for a population of {sample.population}."
            )

    subgroups, small = subgroup_correlations(
        imp,
        freq,
        demo,
        retained,
        options,
        warnings,
        domain_index=domain_index,
        domain_names=domain_names,
        domain_items=blueprint.domain_items,
        items=items if weights.any() else 0,
    )
    return AnalysisResult(
        options=options,
        n_respondents=int(n_resp),
        total_items=int(items),
        scales=scales,
        tasks=tasks,
        domains=tuple(domain_rows),
        subgroups=subgroups,
        demographics={col: count_levels(values) for col, values in demo.items()},
        sample_size=sample,
        warnings=warnings.as_tuple(),
        domain_reliability=domain_reliability,
        excluded_respondents=excluded,
        small_subgroups=small,
    )


def criticality_range(method: str, scale_min: float, scale_max: float) -> tuple[float, float]:
    """The smallest and largest criticality a method can give on the rating scale."""
    if method in ("multiplicative", "product-of-means"):
        return scale_min * scale_min, scale_max * scale_max
    return scale_min, scale_max


def _check_criticality_min(options: AnalysisOptions) -> None:
    if options.criticality_min is None:
        return
    low, high = criticality_range(options.method, options.scale_min, options.scale_max)
    if not low <= options.criticality_min <= high:
        raise ValueError(
            f"criticality_min {options.criticality_min:g} lies outside the {options.method} "
            f"criticality range {low:g}-{high:g} of the rating scale"
        )
