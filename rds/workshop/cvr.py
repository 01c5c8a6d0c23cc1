"""Lawshe's content validity ratio from the SME panel's keep / revise / drop votes.

Pure: the standard library only. A "keep" vote counts as "essential". CVR = (n_e - N/2) / (N/2)
for n_e essential votes of N (Lawshe, 1975). The critical value is exact (Ayre and Scally,
2014): the smallest n_e whose one-sided binomial probability under p = 0.5 is at most 0.05,
expressed as a CVR. Panels under 5 cannot reach it; the critical value is then None.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

ALPHA = 0.05
MIN_PANEL = 5


def cvr(essential: int, panel: int) -> float | None:
    """Lawshe's CVR, or None without votes."""
    if panel <= 0:
        return None
    if not 0 <= essential <= panel:
        raise ValueError("essential votes must lie between 0 and the panel size")
    return (essential - panel / 2) / (panel / 2)


def critical_essential(panel: int, alpha: float = ALPHA) -> int | None:
    """The fewest essential votes significant at ``alpha`` (one-sided exact binomial)."""
    if panel < 1:
        return None
    tail = 0
    for k in range(panel, -1, -1):
        tail += comb(panel, k)
        if tail / 2**panel > alpha:
            return k + 1 if k + 1 <= panel else None
    return 0


def critical_cvr(panel: int, alpha: float = ALPHA) -> float | None:
    """The critical CVR for a panel of this size (Ayre and Scally, 2014), or None."""
    needed = critical_essential(panel, alpha)
    return None if needed is None else cvr(needed, panel)


@dataclass(frozen=True)
class TaskCvr:
    """One task's votes, CVR and whether it reaches the critical value."""

    keep: int
    revise: int
    drop: int
    ratio: float | None
    critical: float | None

    @property
    def panel(self) -> int:
        return self.keep + self.revise + self.drop

    @property
    def significant(self) -> bool | None:
        if self.ratio is None or self.critical is None:
            return None
        return self.ratio >= self.critical - 1e-12


def task_cvr(keep: int, revise: int, drop: int) -> TaskCvr:
    """CVR and critical value of one task's votes."""
    panel = keep + revise + drop
    return TaskCvr(keep, revise, drop, cvr(keep, panel), critical_cvr(panel))
