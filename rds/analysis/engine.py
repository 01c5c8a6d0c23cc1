"""Full analysis of a validation survey: from rating matrices to an exam blueprint.

Pure: takes plain lists and numpy arrays, returns a frozen :class:`AnalysisResult` whose
``to_dict()`` is the JSON document of ``python -m rds analyze`` (and of a stored blueprint
version) and whose ``from_dict()`` reads that document back. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rds.analysis.results import (
    AnalysisOptions,
    DomainResult,
    ScaleResult,
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
from rds.reliability import ALPHA_EXPECTED
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

    Returns
    -------
    AnalysisResult
        Statistics that cannot be computed (zero variance, too few respondents) are ``None``
        with a message in ``warnings``.

    Notes
    -----
    Task statistics and criticality: :mod:`rds.stats`; alpha and ICC per scale:
    :mod:`rds.reliability`; a task is retained when its mean importance is at least
    ``importance_min`` and its share performing at least ``performing_min``; its weight is
    its criticality over the sum of the retained tasks' criticality; item counts:
    :func:`rds.exam_blueprint.build_blueprint`.
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
    )
    imp, freq, demo = check_inputs(task_ids, domains, importance, frequency, demographics, options)
    warnings = Warnings()
    n_resp, n_tasks = imp.shape
    task_ids = [str(t) for t in task_ids]
    domain_names = list(dict.fromkeys(str(d) for d in domains))
    domain_index = [domain_names.index(str(d)) for d in domains]

    desc_i, desc_f = describe(imp), describe(freq)
    performing = pct_performing(freq)
    crit = criticality(imp, freq, method, mean_importance=desc_i.mean, mean_frequency=desc_f.mean)
    for j, tid in enumerate(task_ids):
        for scale, desc in (("importance", desc_i), ("frequency", desc_f)):
            if desc.n[j] == 0:
                warnings.add(f"Task {tid} has no {scale} ratings; its {scale} mean is null.")
            elif desc.n[j] == 1:
                warnings.add(f"Task {tid} has a single {scale} rating; its SD and SE are null.")
    with np.errstate(invalid="ignore"):
        retained = (
            (desc_i.mean >= importance_min) & (performing >= performing_min) & np.isfinite(crit)
        )
    for k in np.flatnonzero((desc_i.mean >= importance_min) & ~np.isfinite(crit)):
        warnings.add(
            f"Task {task_ids[int(k)]} has no criticality (no usable ratings); not retained."
        )
    retained_by = ["criteria"] * n_tasks
    for tid, keep in (retained_overrides or {}).items():
        if tid not in task_ids:
            raise ValueError(f"retained_overrides: unknown task id {tid!r}")
        j = task_ids.index(tid)
        if keep and not np.isfinite(crit[j]):
            warnings.add(f"Task {tid} cannot be kept by override: it has no criticality.")
            continue
        retained[j], retained_by[j] = bool(keep), "override"

    crit_sum = math.fsum(float(c) for c in crit[retained])
    if retained.any() and crit_sum > 0:
        weights = np.where(retained, crit / crit_sum, 0.0)
    else:
        weights = np.zeros(n_tasks)
        warnings.add("No task is retained (or their criticality is all 0): the blueprint is empty.")
    blueprint = build_blueprint(
        items if weights.any() else 0,
        [float(w) for w in weights],
        domain_index,
        len(domain_names),
        min_per_domain if weights.any() else 0,
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
        )
        for j, tid in enumerate(task_ids)
    )
    domain_rows = []
    for d, name in enumerate(domain_names):
        members = [j for j in range(n_tasks) if domain_index[j] == d]
        n_kept = int(sum(bool(retained[j]) for j in members))
        if n_kept == 0:
            warnings.add(f"Domain {name} has no retained task; it gets 0 items.")
        domain_rows.append(
            DomainResult(
                domain=name,
                n_tasks=len(members),
                n_retained=n_kept,
                weight=float(blueprint.domain_weights[d]),
                items=blueprint.domain_items[d],
            )
        )

    scales = {
        "importance": scale_reliability("importance", imp, warnings),
        "frequency": scale_reliability("frequency", freq, warnings),
    }
    for scale_name, result in scales.items():
        if result.alpha is not None and result.alpha < ALPHA_EXPECTED:
            warnings.add(
                f"Cronbach's alpha of the {scale_name} ratings is {result.alpha:.3f}, "
                f"below the {ALPHA_EXPECTED:.2f} expected."
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

    subgroups = subgroup_correlations(imp, freq, demo, retained, options, warnings)
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
    )
