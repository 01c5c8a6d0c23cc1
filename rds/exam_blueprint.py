"""Exam blueprint: whole item counts from domain and task weights, and the approved record.

Pure Python; no Flask, no SQLAlchemy. Largest-remainder (Hamilton) apportionment with a
deterministic tie rule, as Raymond (2002) recommends for test specifications.
:class:`Blueprint` is the approved blueprint as rds hands it to other modules (exams
assembles forms against it): frozen records, read with
``rds.analysis.services.approved_blueprint``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ItemCounts:
    """Item counts per domain (in domain order) and per task (in task order)."""

    domain_weights: tuple[float, ...]
    domain_items: tuple[int, ...]
    task_items: tuple[int, ...]


def _check_count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a whole number")
    number = float(value)
    if not math.isfinite(number) or not number.is_integer():
        raise ValueError(f"{name} must be a whole number")
    if number < 0:
        raise ValueError(f"{name} must be >= 0")
    return int(number)


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> tuple[int, ...]:
    r"""Split ``total`` whole items over ``weights`` by the largest-remainder method.

    Parameters
    ----------
    total : int
        Number of items to hand out (>= 0).
    weights : sequence of float
        Non-negative weights; they need not sum to 1. An entry of weight 0 gets 0 items.
    minimum : int
        Items every entry with a positive weight gets first; the rest is apportioned by
        weight. Default 0.

    Returns
    -------
    tuple of int
        Item counts, summing to ``total`` (all zeros when ``total`` is 0).

    Raises
    ------
    ValueError
        Negative or non-finite weights, all weights zero while ``total > 0``, or
        ``minimum`` times the number of positive weights exceeding ``total``.

    Notes
    -----
    Hamilton's method: with :math:`R = total - minimum \cdot |\{i : w_i > 0\}|`, each entry
    has the quota :math:`q_i = R \, w_i / \sum_j w_j` and first gets
    :math:`\lfloor q_i \rfloor`; the :math:`R - \sum_i \lfloor q_i \rfloor` remaining items
    go one each to the largest fractional parts :math:`q_i - \lfloor q_i \rfloor`.
    Fractional parts within 1e-9 of each other are tied; a tie goes to the larger weight,
    then to the earlier entry. Each remaining item is given in turn to the best entry among
    those whose fractional part is within 1e-9 of the largest left, which makes the rule
    well defined even for chains of near-equal parts. A quota within 1e-9 of a whole number
    counts as that whole number, so floating-point noise in the weights cannot move an item.

    References
    ----------
    .. [1] Raymond, M. R. (2002). A practical guide to practice analysis for credentialing
           examinations. Educational Measurement: Issues and Practice, 21(3), 25-37.
    .. [2] Balinski, M. L., & Young, H. P. (2001). Fair Representation (2nd ed.).
           Brookings Institution Press.
    """
    total = _check_count(total, "total")
    minimum = _check_count(minimum, "minimum")
    w = [float(x) for x in weights]
    if any(not math.isfinite(x) or x < 0 for x in w):
        raise ValueError("weights must be finite and >= 0")
    if total == 0:
        return tuple(0 for _ in w)
    weight_sum = math.fsum(w)
    if weight_sum <= 0:
        raise ValueError("cannot apportion items over weights that are all zero")
    positive = [x > 0 for x in w]
    rest = total - minimum * sum(positive)
    if rest < 0:
        raise ValueError(
            f"minimum of {minimum} items for each of {sum(positive)} weighted entries "
            f"exceeds the total of {total} items"
        )
    quotas = [rest * x / weight_sum for x in w]
    seats: list[int] = []
    fractions: list[float] = []
    for q in quotas:
        nearest = round(q)
        if abs(q - nearest) <= TIE_TOLERANCE:
            q = float(nearest)
        whole = math.floor(q)
        seats.append(whole)
        fractions.append(q - whole)
    left = rest - sum(seats)
    candidates = [i for i, x in enumerate(w) if x > 0]
    for _ in range(left):
        best_fraction = max(fractions[i] for i in candidates)
        tied = [i for i in candidates if fractions[i] >= best_fraction - TIE_TOLERANCE]
        winner = min(tied, key=lambda i: (-w[i], i))
        seats[winner] += 1
        candidates.remove(winner)
    return tuple(s + (minimum if pos else 0) for s, pos in zip(seats, positive, strict=True))


def domain_weights(
    task_weights: Sequence[float], task_domains: Sequence[int], n_domains: int
) -> tuple[float, ...]:
    """Sum task weights per domain (domains numbered 0..n_domains-1)."""
    if len(task_weights) != len(task_domains):
        raise ValueError("task_weights and task_domains must have the same length")
    sums: list[list[float]] = [[] for _ in range(n_domains)]
    for weight, domain in zip(task_weights, task_domains, strict=True):
        if not 0 <= domain < n_domains:
            raise ValueError(f"domain index {domain} out of range")
        sums[domain].append(float(weight))
    return tuple(math.fsum(s) for s in sums)


def build_blueprint(
    total_items: int,
    task_weights: Sequence[float],
    task_domains: Sequence[int],
    n_domains: int,
    min_per_domain: int = 0,
) -> ItemCounts:
    """Apportion ``total_items`` over domains by weight, then over each domain's tasks.

    Parameters
    ----------
    total_items : int
        Test length.
    task_weights : sequence of float
        Task weights, 0 for a task that is not retained.
    task_domains : sequence of int
        Index of each task's domain, in 0..n_domains-1.
    n_domains : int
        Number of domains (a domain with no task gets weight 0 and 0 items).
    min_per_domain : int
        Items every domain with a positive weight gets before the rest is apportioned.

    Returns
    -------
    ItemCounts
        Domain weights (sum of their tasks' weights), domain items by :func:`apportion`, and
        task items by :func:`apportion` of each domain's items over its tasks' weights (ties
        to the larger weight, then the earlier task).
    """
    d_weights = domain_weights(task_weights, task_domains, n_domains)
    d_items = apportion(total_items, d_weights, min_per_domain)
    t_items = [0] * len(task_weights)
    for d in range(n_domains):
        members = [i for i, dom in enumerate(task_domains) if dom == d]
        counts = apportion(d_items[d], [task_weights[i] for i in members])
        for i, count in zip(members, counts, strict=True):
            t_items[i] = count
    return ItemCounts(domain_weights=d_weights, domain_items=d_items, task_items=tuple(t_items))


# --- the approved blueprint, as other modules read it ----------------------------------------


@dataclass(frozen=True)
class BlueprintKsa:
    """A knowledge, skill or ability statement that a task of the blueprint needs."""

    code: str
    kind: str  # "knowledge", "skill" or "ability"
    statement: str


@dataclass(frozen=True)
class BlueprintTask:
    """A task statement of the blueprint: its share of the exam and the KSAs behind it."""

    code: str
    statement: str
    weight: float  # share of the whole exam; 0 when the task is not retained
    items: int
    retained: bool
    ksas: tuple[BlueprintKsa, ...]


@dataclass(frozen=True)
class BlueprintDomain:
    """A performance domain of the blueprint with its weight, items and tasks (study order)."""

    name: str
    weight: float  # the sum of its tasks' weights
    items: int
    tasks: tuple[BlueprintTask, ...]
    # the SME panel's cognitive levels, percent of the domain's items: (("recall", 30), ...)
    cognitive_levels: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Blueprint:
    """An approved exam blueprint of a study: test length, then items per domain and task.

    ``version`` is the blueprint version within study ``study_id``; ``approved_by`` the
    approver's name. Domain items sum to ``test_length``, a domain's task items to its items.
    ``interim`` names a blueprint run while the survey was still open ("Interim — survey
    open"), None for one run on the closed survey.
    """

    study_id: int
    version: int
    approved_at: datetime
    approved_by: str | None
    test_length: int
    domains: tuple[BlueprintDomain, ...]
    interim: str | None = None

    def tasks(self) -> Iterator[BlueprintTask]:
        """Every task of the blueprint, domain by domain (retained or not)."""
        for domain in self.domains:
            yield from domain.tasks
