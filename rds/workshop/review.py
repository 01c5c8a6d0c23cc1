"""The SME panel's post-survey review applied to an analysis result (pure).

The panel may change a domain's empirical weight by at most :data:`MAX_WEIGHT_CHANGE`
percentage points, with a reason. :func:`adjust_domain_weights` applies the changes to the
engine's result: the changed domain weights are renormalised to sum to 1, the items the
blueprint apportions are shared out again by largest remainder, and within each domain the
tasks keep their relative weights. Cognitive levels are the panel's split of each domain's
items into recall, application and analysis (percentages summing to 100).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from rds.analysis.engine import AnalysisResult
from rds.exam_blueprint import apportion

MAX_WEIGHT_CHANGE = 5.0  # percentage points
COGNITIVE_LEVELS = ("recall", "application", "analysis")


def check_change(change: float) -> float:
    """A weight change in percentage points, refused beyond the bound."""
    if not math.isfinite(change) or abs(change) > MAX_WEIGHT_CHANGE + 1e-9:
        raise ValueError(
            f"a domain weight may change by at most {MAX_WEIGHT_CHANGE:g} percentage points"
        )
    return float(change)


def check_levels(levels: Mapping[str, int]) -> dict[str, int]:
    """Cognitive levels as whole percentages of recall, application and analysis summing
    to 100."""
    out = {name: int(levels.get(name, 0)) for name in COGNITIVE_LEVELS}
    if any(v < 0 for v in out.values()) or sum(out.values()) != 100:
        raise ValueError("the cognitive levels are percentages that add up to 100")
    return out


def levels_text(levels: Mapping[str, int] | None) -> str:
    """ "recall 30%, application 50%, analysis 20%", or "" when not set."""
    if not levels:
        return ""
    return ", ".join(f"{name} {int(levels.get(name, 0))}%" for name in COGNITIVE_LEVELS)


def adjust_domain_weights(
    result: AnalysisResult, changes: Mapping[str, float], min_per_domain: int = 0
) -> AnalysisResult:
    """The result with the panel's domain weight changes applied (unchanged without any).

    ``changes`` maps a domain name to percentage points (+2.5 adds 2.5 points). A domain
    without retained tasks keeps weight 0; a change that would take a weight below 0 stops
    at 0.
    """
    changes = {d: check_change(c) for d, c in changes.items() if c}
    items = sum(d.items for d in result.domains)
    if not changes or items == 0:
        return result
    unknown = set(changes) - {d.domain for d in result.domains}
    if unknown:
        raise ValueError(f"unknown domain(s): {', '.join(sorted(unknown))}")
    raw = [
        max(0.0, d.weight + changes.get(d.domain, 0.0) / 100) if d.n_retained else 0.0
        for d in result.domains
    ]
    total = math.fsum(raw)
    weights = [w / total for w in raw]
    counts = apportion(items, weights, min_per_domain)
    new_domains = []
    scale: dict[str, float] = {}
    per_domain: dict[str, int] = {}
    for d, w, n in zip(result.domains, weights, counts, strict=True):
        scale[d.domain] = w / d.weight if d.weight else 0.0
        per_domain[d.domain] = n
        new_domains.append(replace(d, weight=w, items=n))
    task_items: dict[str, int] = {}
    for d in result.domains:
        kept = [t for t in result.tasks if t.domain == d.domain and t.retained and t.weight > 0]
        if kept and per_domain[d.domain]:
            shares = apportion(per_domain[d.domain], [t.weight for t in kept])
            task_items |= {t.task_id: n for t, n in zip(kept, shares, strict=True)}
    new_tasks = tuple(
        replace(t, weight=t.weight * scale.get(t.domain, 0.0), items=task_items.get(t.task_id, 0))
        for t in result.tasks
    )
    said = "; ".join(f"{d} {c:+g} points" for d, c in changes.items())
    warning = f"Domain weights changed by the SME review ({said}) and renormalised."
    return replace(
        result,
        domains=tuple(new_domains),
        tasks=new_tasks,
        warnings=(*result.warnings, warning),
    )
