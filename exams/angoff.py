"""Modified Angoff standard setting: cut score, its standard error, disagreement, agreement.

Pure: numpy, ``scipy.special`` and :mod:`rds.reliability` (for the ICC); no Flask, no
SQLAlchemy. Ratings are probabilities in [0, 1]: for each item, each judge's estimate that
a minimally competent candidate answers it correctly. ``ratings`` is a ``(judges, items)``
matrix; every judge rates every item (the web side passes only judges who finished).

- Each judge's cut score is the sum of their ratings; the panel's raw cut score is the sum
  over items of the mean rating, which is the mean of the judges' cut scores.
- Its standard error is the SD (n - 1) of the judges' cut scores over sqrt(number of
  judges); the 95% interval uses Student's t with (judges - 1) degrees of freedom.
- Disagreement: an item is flagged when the SD (n - 1) of its ratings exceeds
  :data:`DISAGREEMENT_SD` (0.20 on the probability scale: judges disagree by about twenty
  percentage points or more on the minimally competent candidate), or when the ratings span
  more than :data:`DISAGREEMENT_RANGE` (0.50, one judge far from the rest).
- Reality check (round 2, when item p-values exist): an item is flagged when the mean rating
  differs from the observed p-value by more than :data:`P_GAP` (0.25).
- A judge whose cut score is more than two SDs from the mean of the other judges' cut
  scores is named in a warning.
- Agreement: the intraclass correlations of :func:`rds.reliability.intraclass_corr` with
  items as targets and judges as raters; ICC(2,1) (absolute agreement of one judge) and
  ICC(2,k) (of the panel's mean rating) are the ones reported, since the cut depends on
  the ratings' level, not only their order.
- Panels: fewer than :data:`MIN_JUDGES` (6) judges are refused; fewer than
  :data:`PREFERRED_JUDGES` (8) give a warning.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import stdtrit

from rds.reliability import IccEstimate, intraclass_corr

FloatArray = npt.NDArray[np.float64]

MIN_JUDGES = 6
PREFERRED_JUDGES = 8
DISAGREEMENT_SD = 0.20
DISAGREEMENT_RANGE = 0.50
P_GAP = 0.25
JUDGE_OUTLIER_SD = 2.0
CONFIDENCE = 0.95
HISTOGRAM_BINS = 10

FLAG_SPREAD = "spread"
FLAG_RANGE = "range"
FLAG_P_GAP = "p_gap"

DISAGREEMENT_RULE = (
    f"an item is flagged when the judges' ratings have an SD above {DISAGREEMENT_SD:.2f} or "
    f"span more than {DISAGREEMENT_RANGE:.2f}; with item p-values, when the mean rating "
    f"differs from p by more than {P_GAP:.2f}"
)


class AngoffError(ValueError):
    """The ratings cannot give a cut score (too few judges, values out of range, gaps)."""


@dataclass(frozen=True)
class ItemSpread:
    """The panel's ratings of one item (round-2 feedback and the results page)."""

    item_id: str
    mean: float
    sd: float
    minimum: float
    maximum: float
    median: float
    histogram: tuple[int, ...]
    p_value: float | None
    flags: tuple[str, ...]

    @property
    def flag_messages(self) -> tuple[str, ...]:
        """The flags in words."""
        words = {
            FLAG_SPREAD: f"judges disagree (SD {self.sd:.2f} > {DISAGREEMENT_SD:.2f})",
            FLAG_RANGE: (
                f"ratings span {self.maximum - self.minimum:.2f} "
                f"(more than {DISAGREEMENT_RANGE:.2f})"
            ),
            FLAG_P_GAP: "mean rating far from the observed p-value",
        }
        return tuple(words.get(f, f) for f in self.flags)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "item_id": self.item_id,
            "mean": _finite(self.mean),
            "sd": _finite(self.sd),
            "min": self.minimum,
            "max": self.maximum,
            "median": self.median,
            "histogram": list(self.histogram),
            "p_value": self.p_value,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class AngoffResult:
    """The panel's cut score with its standard error, flags and agreement."""

    judge_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    judge_cuts: tuple[float, ...]
    cut: float
    sd_judges: float
    se: float
    ci_low: float
    ci_high: float
    items: tuple[ItemSpread, ...]
    icc: dict[str, IccEstimate]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_judges(self) -> int:
        return len(self.judge_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def cut_percent(self) -> float:
        """The cut as a percentage of the items."""
        return 100.0 * self.cut / self.n_items if self.n_items else float("nan")

    @property
    def raw_needed(self) -> int:
        """The whole raw score a candidate needs (the cut rounded up)."""
        return max(0, math.ceil(self.cut - 1e-9))

    @property
    def flagged(self) -> tuple[ItemSpread, ...]:
        """The items with at least one flag."""
        return tuple(i for i in self.items if i.flags)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "n_judges": self.n_judges,
            "n_items": self.n_items,
            "cut": self.cut,
            "cut_percent": _finite(self.cut_percent),
            "raw_needed": self.raw_needed,
            "sd_judges": _finite(self.sd_judges),
            "se": _finite(self.se),
            "ci95": [_finite(self.ci_low), _finite(self.ci_high)],
            "judges": [
                {"judge_id": j, "cut": c}
                for j, c in zip(self.judge_ids, self.judge_cuts, strict=True)
            ],
            "icc": {
                name: {
                    "value": _finite(e.value),
                    "ci95": [_finite(e.ci_low), _finite(e.ci_high)],
                }
                for name, e in self.icc.items()
            },
            "disagreement_rule": DISAGREEMENT_RULE,
            "items": [i.to_dict() for i in self.items],
            "warnings": list(self.warnings),
        }


def _finite(value: float) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def _matrix(ratings: npt.ArrayLike) -> FloatArray:
    x = np.asarray(ratings, dtype=np.float64)
    if x.ndim != 2:
        raise AngoffError("ratings must be a 2-D array (judges x items)")
    if x.shape[1] == 0:
        raise AngoffError("the form has no items to rate")
    missing = np.argwhere(np.isnan(x))
    if missing.size:
        judge, item = (int(v) + 1 for v in missing[0])
        raise AngoffError(
            f"{len(missing)} rating(s) missing, first judge {judge}, item {item}: "
            "every judge must rate every item"
        )
    bad = np.argwhere((x < 0) | (x > 1) | ~np.isfinite(x))
    if bad.size:
        judge, item = (int(v) + 1 for v in bad[0])
        raise AngoffError(
            f"{len(bad)} rating(s) outside 0-1, first judge {judge}, item {item}: ratings "
            "are probabilities"
        )
    return x


def _ids(given: Sequence[str] | None, count: int, what: str) -> tuple[str, ...]:
    if given is None:
        return tuple(str(i + 1) for i in range(count))
    ids = tuple(str(g) for g in given)
    if len(ids) != count:
        raise AngoffError(f"{len(ids)} {what} ids for {count} {what}s")
    if len(set(ids)) != len(ids):
        raise AngoffError(f"{what} ids repeat")
    return ids


def _p_values(p_values: Sequence[float | None] | None, k: int) -> list[float | None]:
    if p_values is None:
        return [None] * k
    if len(p_values) != k:
        raise AngoffError(f"{len(p_values)} p-values for {k} items")
    out: list[float | None] = []
    for p in p_values:
        if p is None or not math.isfinite(float(p)):
            out.append(None)
        elif not 0.0 <= float(p) <= 1.0:
            raise AngoffError("item p-values must lie between 0 and 1")
        else:
            out.append(float(p))
    return out


def panel_spread(
    ratings: npt.ArrayLike,
    *,
    item_ids: Sequence[str] | None = None,
    p_values: Sequence[float | None] | None = None,
) -> tuple[ItemSpread, ...]:
    """Per item: mean, SD, range, median, a 10-bin histogram, p-value and flags.

    Needs no minimum panel (round-2 feedback may be shown to a panel of any size); an SD
    needs two judges and is NaN with one.
    """
    x = _matrix(ratings)
    j, k = x.shape
    ids = _ids(item_ids, k, "item")
    pv = _p_values(p_values, k)
    mean = x.mean(axis=0)
    sd = x.std(axis=0, ddof=1) if j > 1 else np.full(k, np.nan)
    low, high = x.min(axis=0), x.max(axis=0)
    median = np.median(x, axis=0)
    bins = np.minimum((x * HISTOGRAM_BINS).astype(np.int64), HISTOGRAM_BINS - 1)
    slots = bins + np.arange(k)[None, :] * HISTOGRAM_BINS
    hist = np.bincount(slots.ravel(), minlength=k * HISTOGRAM_BINS).reshape(k, HISTOGRAM_BINS)
    out: list[ItemSpread] = []
    for i in range(k):
        flags: list[str] = []
        if sd[i] > DISAGREEMENT_SD + 1e-12:
            flags.append(FLAG_SPREAD)
        if high[i] - low[i] > DISAGREEMENT_RANGE + 1e-12:
            flags.append(FLAG_RANGE)
        p = pv[i]
        if p is not None and abs(mean[i] - p) > P_GAP + 1e-12:
            flags.append(FLAG_P_GAP)
        out.append(
            ItemSpread(
                item_id=ids[i],
                mean=float(mean[i]),
                sd=float(sd[i]),
                minimum=float(low[i]),
                maximum=float(high[i]),
                median=float(median[i]),
                histogram=tuple(int(h) for h in hist[i]),
                p_value=p,
                flags=tuple(flags),
            )
        )
    return tuple(out)


def angoff(
    ratings: npt.ArrayLike,
    *,
    judge_ids: Sequence[str] | None = None,
    item_ids: Sequence[str] | None = None,
    p_values: Sequence[float | None] | None = None,
) -> AngoffResult:
    """The modified-Angoff cut score of one round (see the module docstring).

    Raises :class:`AngoffError` with fewer than :data:`MIN_JUDGES` judges, a missing
    rating, or a rating outside [0, 1].
    """
    x = _matrix(ratings)
    n_judges, k = x.shape
    if n_judges < MIN_JUDGES:
        raise AngoffError(
            f"{n_judges} judge(s) rated every item; a modified-Angoff cut needs at least "
            f"{MIN_JUDGES} (8-10 preferred)"
        )
    judges = _ids(judge_ids, n_judges, "judge")
    items_ids = _ids(item_ids, k, "item")
    warnings: list[str] = []
    if n_judges < PREFERRED_JUDGES:
        warnings.append(
            f"only {n_judges} judges: {PREFERRED_JUDGES}-10 are preferred for a stable cut score"
        )
    judge_cuts = x.sum(axis=1)
    cut = float(x.mean(axis=0).sum())
    sd = float(judge_cuts.std(ddof=1))
    se = sd / math.sqrt(n_judges)
    t = float(stdtrit(n_judges - 1, 0.5 + CONFIDENCE / 2))
    spread = panel_spread(x, item_ids=items_ids, p_values=p_values)

    for i, judge in enumerate(judges):
        others = np.delete(judge_cuts, i)
        other_sd = float(others.std(ddof=1))
        gap = float(judge_cuts[i] - others.mean())
        if other_sd > 0 and abs(gap) > JUDGE_OUTLIER_SD * other_sd:
            side = "above" if gap > 0 else "below"
            warnings.append(
                f"judge {judge}'s cut ({judge_cuts[i]:.2f}) lies more than "
                f"{JUDGE_OUTLIER_SD:g} SDs {side} the other judges' mean ({others.mean():.2f})"
            )
    icc: dict[str, IccEstimate] = {}
    if k >= 2:
        estimates = intraclass_corr(x.T).estimates
        icc = {name: estimates[name] for name in ("ICC2", "ICC2k")}
        if not math.isfinite(icc["ICC2"].value):
            warnings.append("the judges' agreement is undefined (every item rated alike)")
    else:
        warnings.append("one item: no agreement statistic")
    flagged = sum(1 for s in spread if s.flags)
    if flagged:
        warnings.append(f"{flagged} item(s) flagged for discussion ({DISAGREEMENT_RULE})")
    return AngoffResult(
        judge_ids=judges,
        item_ids=items_ids,
        judge_cuts=tuple(float(c) for c in judge_cuts),
        cut=cut,
        sd_judges=sd,
        se=se,
        ci_low=cut - t * se,
        ci_high=cut + t * se,
        items=spread,
        icc=icc,
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class RoundChange:
    """How the cut and the ratings moved from round 1 to round 2."""

    cut_round1: float
    cut_round2: float
    se_round1: float
    se_round2: float
    mean_abs_change: float
    items_changed: int

    @property
    def cut_change(self) -> float:
        return self.cut_round2 - self.cut_round1


def compare_rounds(round1: npt.ArrayLike, round2: npt.ArrayLike) -> RoundChange:
    """Compare two rounds of the same judges (rows in the same order) on the same items."""
    a, b = _matrix(round1), _matrix(round2)
    if a.shape != b.shape:
        raise AngoffError("the two rounds must have the same judges and items")
    n = a.shape[0]
    cuts_a, cuts_b = a.sum(axis=1), b.sum(axis=1)
    se_a = float(cuts_a.std(ddof=1)) / math.sqrt(n) if n > 1 else float("nan")
    se_b = float(cuts_b.std(ddof=1)) / math.sqrt(n) if n > 1 else float("nan")
    diff = np.abs(b - a)
    return RoundChange(
        cut_round1=float(cuts_a.mean()),
        cut_round2=float(cuts_b.mean()),
        se_round1=se_a,
        se_round2=se_b,
        mean_abs_change=float(diff.mean()),
        items_changed=int(np.count_nonzero((diff > 1e-12).any(axis=0))),
    )
