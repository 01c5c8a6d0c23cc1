"""Scoring and classical item analysis of a multiple-choice form.

Pure: numpy and ``scipy.special`` only (no Flask, no SQLAlchemy), typed and mypy-clean, so
the web pages, ``python -m exams analyze`` and the benchmark share one implementation.
Every statistic is computed for all items at once (matrix products and ``np.bincount``);
5,000 candidates x 150 items take a few tens of milliseconds.

Input conventions
-----------------
``responses`` is an integer matrix, candidates as rows and items as columns, holding the
0-based index of the chosen option (0 = A, 1 = B, ...) or :data:`OMIT` (-1) for an item
left blank. ``key`` holds the 0-based index of each item's correct option. An omitted item
scores 0. ``scored`` marks the items that count towards the score (unscored pretest items
are analysed against the total of the scored items but do not add to it).

Statistics (``n`` candidates, item score :math:`x_{ij} \\in \\{0,1\\}`, total of the scored
items :math:`T_i`)
---------------------------------------------------------------------------------------
- difficulty :math:`p_j = \\bar x_{\\cdot j}`;
- corrected item-total (point-biserial) correlation: Pearson's r between :math:`x_{\\cdot j}`
  and the rest score :math:`T - x_{\\cdot j}` (for an unscored item, :math:`T` itself); equals
  ``r.drop`` of R ``psych::alpha``. NaN when the item or the rest score has no variance;
- upper-lower discrimination :math:`D_j = p^{U}_j - p^{L}_j` over the highest and lowest
  27% of candidates by :math:`T` (Kelley's groups, :func:`group_weights`: ``round(0.27 n)``
  candidates each; candidates tied at a group's boundary score share the remaining places
  by equal fractional weights, so the result does not depend on the order of the rows);
- options: count, proportion, proportion in the upper and lower groups, and Pearson's r of
  choosing the option (0/1) with the total score :math:`T` (for the key this is the
  uncorrected item-total r); omitted responses are reported beside the options;
- flags: :math:`p < 0.10` (hard), :math:`p > 0.95` (easy), corrected r < 0.20 or undefined
  (low discrimination), and a distractor chosen by a larger share of the upper group than
  the key (the key attracts fewer high scorers than a wrong option: a possible mis-key or
  an ambiguous item);
- form: mean and SD (:math:`n-1` denominator) of :math:`T`, KR-20
  :math:`= \\frac{k}{k-1}(1 - \\sum_j p_j q_j / \\sigma^2_T)` with :math:`\\sigma^2_T` the
  variance with denominator :math:`n` (identical to Cronbach's alpha on 0/1 data, whatever
  denominator both use), KR-21 from the mean and variance alone, and
  :math:`SEM = SD \\sqrt{1 - KR20}`;
- pass/fail: a candidate passes when :math:`T \\ge` the cut; a fractional cut (a modified
  Angoff cut such as 97.35) therefore means the next whole raw score (98);
- decision consistency from a single administration: Subkoviak (1976), see
  :func:`subkoviak_consistency`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import bdtrc

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ArrayLike = npt.ArrayLike

OMIT = -1
P_MIN = 0.10
P_MAX = 0.95
R_MIN = 0.20
GROUP_FRACTION = 0.27
MAX_OPTIONS = 26
CUT_TOLERANCE = 1e-9
DECISION_METHOD = "Subkoviak (1976), Kelley regression on KR-21 with binomial errors"

FLAG_HARD = "hard"
FLAG_EASY = "easy"
FLAG_LOW_R = "low_r"
FLAG_DISTRACTOR = "distractor"


def option_letter(index: int) -> str:
    """Letter of a 0-based option index (0 -> "A"); "omit" for :data:`OMIT`."""
    if index == OMIT:
        return "omit"
    if not 0 <= index < MAX_OPTIONS:
        raise ValueError(f"option index {index} out of range")
    return chr(ord("A") + index)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ItemFlag:
    """One reason an item needs a look: ``code`` and, for a distractor, its option index."""

    code: str
    option: int | None = None

    @property
    def message(self) -> str:
        """The flag in words."""
        if self.code == FLAG_HARD:
            return f"difficulty p below {P_MIN:.2f} (very hard)"
        if self.code == FLAG_EASY:
            return f"difficulty p above {P_MAX:.2f} (very easy)"
        if self.code == FLAG_LOW_R:
            return f"corrected item-total r below {R_MIN:.2f} or undefined"
        if self.code == FLAG_DISTRACTOR and self.option is not None:
            return (
                f"distractor {option_letter(self.option)} is chosen by more of the upper group "
                "than the key"
            )
        return self.code

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "code": self.code,
            "option": None if self.option is None else option_letter(self.option),
            "message": self.message,
        }


@dataclass(frozen=True)
class OptionStatistics:
    """Per item and option (``(k, m)`` arrays; column ``o`` is option ``o``)."""

    counts: IntArray
    proportion: FloatArray
    upper: FloatArray
    lower: FloatArray
    r_total: FloatArray
    omitted: IntArray
    n_options: IntArray


@dataclass(frozen=True)
class ItemAnalysis:
    """Classical statistics of every item of a form (arrays of length ``k``)."""

    item_ids: tuple[str, ...]
    key: IntArray
    scored: BoolArray
    n: int
    p: FloatArray
    r_corrected: FloatArray
    p_upper: FloatArray
    p_lower: FloatArray
    discrimination: FloatArray
    group_size: int
    options: OptionStatistics
    flags: tuple[tuple[ItemFlag, ...], ...]

    @property
    def n_flagged(self) -> int:
        """Number of items with at least one flag."""
        return sum(1 for f in self.flags if f)

    def item_dict(self, j: int) -> dict[str, Any]:
        """One item as a JSON-ready dict."""
        opts = self.options
        m = int(opts.n_options[j])
        return {
            "item_id": self.item_ids[j],
            "key": option_letter(int(self.key[j])),
            "scored": bool(self.scored[j]),
            "p": finite_or_none(self.p[j]),
            "r_corrected": finite_or_none(self.r_corrected[j]),
            "p_upper": finite_or_none(self.p_upper[j]),
            "p_lower": finite_or_none(self.p_lower[j]),
            "discrimination": finite_or_none(self.discrimination[j]),
            "omitted": int(opts.omitted[j]),
            "options": [
                {
                    "option": option_letter(o),
                    "key": o == int(self.key[j]),
                    "count": int(opts.counts[j, o]),
                    "proportion": finite_or_none(opts.proportion[j, o]),
                    "upper": finite_or_none(opts.upper[j, o]),
                    "lower": finite_or_none(opts.lower[j, o]),
                    "r_total": finite_or_none(opts.r_total[j, o]),
                }
                for o in range(m)
            ],
            "flags": [f.to_dict() for f in self.flags[j]],
        }


@dataclass(frozen=True)
class FormStatistics:
    """Score distribution and reliability of a form's scored items."""

    n_candidates: int
    n_items: int
    mean: float
    sd: float
    minimum: float
    maximum: float
    kr20: float
    kr21: float
    sem: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN as ``None``)."""
        return {
            "n_candidates": self.n_candidates,
            "n_items": self.n_items,
            "mean": finite_or_none(self.mean),
            "sd": finite_or_none(self.sd),
            "min": finite_or_none(self.minimum),
            "max": finite_or_none(self.maximum),
            "kr20": finite_or_none(self.kr20),
            "kr21": finite_or_none(self.kr21),
            "sem": finite_or_none(self.sem),
        }


@dataclass(frozen=True)
class DecisionConsistency:
    """Single-administration decision consistency of pass/fail at a cut (Subkoviak)."""

    agreement: float
    chance: float
    kappa: float
    reliability: float
    method: str = DECISION_METHOD

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "method": self.method,
            "agreement": finite_or_none(self.agreement),
            "chance": finite_or_none(self.chance),
            "kappa": finite_or_none(self.kappa),
            "reliability_used": finite_or_none(self.reliability),
        }


@dataclass(frozen=True)
class PassFail:
    """Outcome of a cut on a group: the cut as given, the raw score needed, pass rate."""

    cut: float
    raw_needed: int
    n_pass: int
    n: int
    consistency: DecisionConsistency | None

    @property
    def pass_rate(self) -> float:
        """Share of candidates at or above the cut (NaN with no candidates)."""
        return self.n_pass / self.n if self.n else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "cut": self.cut,
            "raw_needed": self.raw_needed,
            "n_pass": self.n_pass,
            "n": self.n,
            "pass_rate": finite_or_none(self.pass_rate),
            "decision_consistency": None
            if self.consistency is None
            else self.consistency.to_dict(),
        }


@dataclass(frozen=True)
class LinearScale:
    """A linear reporting scale: ``scaled = slope * raw + intercept``, rounded and clipped.

    ``decimals`` rounds half away from zero (a scaled 349.5 reports as 350);
    ``low``/``high`` clip the reported range when given.
    """

    slope: float
    intercept: float
    decimals: int = 0
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.slope) and math.isfinite(self.intercept)):
            raise ValueError("the scale's slope and intercept must be finite numbers")
        if self.slope <= 0:
            raise ValueError("the scale's slope must be positive (more correct, higher score)")
        if self.decimals < 0:
            raise ValueError("decimals must be >= 0")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("the scale's low end is above its high end")

    @classmethod
    def through(
        cls,
        raw_a: float,
        scaled_a: float,
        raw_b: float,
        scaled_b: float,
        *,
        decimals: int = 0,
        low: float | None = None,
        high: float | None = None,
    ) -> LinearScale:
        """The scale through two points, e.g. (cut, 500) and (number of items, 800)."""
        if raw_a == raw_b:
            raise ValueError("a linear scale needs two different raw scores")
        slope = (scaled_b - scaled_a) / (raw_b - raw_a)
        return cls(slope, scaled_a - slope * raw_a, decimals, low, high)

    def apply(self, raw: ArrayLike) -> FloatArray:
        """Scaled scores of raw scores (any shape)."""
        x = np.asarray(raw, dtype=np.float64) * self.slope + self.intercept
        factor = 10.0**self.decimals
        x = np.sign(x) * np.floor(np.abs(x) * factor + 0.5) / factor
        if self.low is not None or self.high is not None:
            x = np.clip(x, self.low, self.high)
        return np.asarray(x, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "slope": self.slope,
            "intercept": self.intercept,
            "decimals": self.decimals,
            "low": self.low,
            "high": self.high,
        }


@dataclass(frozen=True)
class ReportingScale:
    """A board's reporting scale of whole numbers from ``low`` to ``high``, anchored at the
    passing standard: the lowest passing raw score of any form reports as ``passing``.

    The rule (two straight lines meeting at the cut, the usual practice of boards reporting
    e.g. 200-800 with 500 to pass), for a form of ``n`` scored items whose adopted cut needs
    ``m`` correct answers (the cut rounded up):

    - ``raw >= m``: ``passing + (raw - m) * (high - passing) / (n - m)`` (``passing`` when
      ``m == n``), so that ``m`` reports as ``passing`` and ``n`` as ``high``;
    - ``raw < m``: ``low + raw * (passing - low) / m``, so that 0 reports as ``low``;
    - rounded half up to a whole number; a failing raw score that would round up to
      ``passing`` reports as ``passing - 1``. Pass/fail therefore reads the same on both
      scales, and forms with different cuts report the same passing score.
    """

    low: int
    passing: int
    high: int

    def __post_init__(self) -> None:
        if not 0 <= self.low < self.passing < self.high:
            raise ValueError("the scale needs 0 <= lowest score < passing score < highest score")

    def apply(self, raw: ArrayLike, n_items: int, needed: int) -> FloatArray:
        """Scaled scores of raw scores on a form of ``n_items`` scored items where ``needed``
        correct answers pass."""
        if not 0 <= needed <= n_items:
            raise ValueError("the raw score needed must be between 0 and the number of items")
        x = np.clip(np.asarray(raw, dtype=np.float64), 0.0, float(n_items))
        above_slope = (self.high - self.passing) / (n_items - needed) if n_items > needed else 0.0
        below_slope = (self.passing - self.low) / needed if needed > 0 else 0.0
        value = np.where(
            x >= needed,
            self.passing + (x - needed) * above_slope,
            self.low + x * below_slope,
        )
        value = np.floor(value + 0.5)
        value = np.where(x < needed, np.minimum(value, self.passing - 1), value)
        return np.asarray(value, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"low": self.low, "passing": self.passing, "high": self.high}


@dataclass(frozen=True)
class DomainScores:
    """Sub-scores by performance domain: ``correct`` and ``percent`` are ``(n, d)``."""

    names: tuple[str, ...]
    n_items: IntArray
    correct: IntArray
    percent: FloatArray


@dataclass(frozen=True)
class Scores:
    """Per-candidate results: raw, scaled (with a scale), passed (with a cut)."""

    raw: IntArray
    scaled: FloatArray | None
    passed: BoolArray | None
    domains: DomainScores | None


@dataclass(frozen=True)
class ExamAnalysis:
    """Everything ``analyze`` computes for one form and one group of candidates."""

    form: FormStatistics
    items: ItemAnalysis
    scores: Scores
    pass_fail: PassFail | None
    scale: LinearScale | ReportingScale | None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self, candidate_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """JSON-ready form; per-candidate scores only when ``candidate_ids`` are given."""
        items = self.items
        doc: dict[str, Any] = {
            "form": self.form.to_dict(),
            "pass_fail": None if self.pass_fail is None else self.pass_fail.to_dict(),
            "scale": None if self.scale is None else self.scale.to_dict(),
            "flag_rules": {
                "p_min": P_MIN,
                "p_max": P_MAX,
                "r_min": R_MIN,
                "group_fraction": GROUP_FRACTION,
            },
            "n_flagged": items.n_flagged,
            "items": [items.item_dict(j) for j in range(len(items.item_ids))],
            "warnings": list(self.warnings),
        }
        domains = self.scores.domains
        if domains is not None:
            doc["domains"] = [
                {
                    "domain": name,
                    "n_items": int(domains.n_items[d]),
                    "mean_percent": finite_or_none(np.mean(domains.percent[:, d]))
                    if domains.percent.shape[0]
                    else None,
                }
                for d, name in enumerate(domains.names)
            ]
        if candidate_ids is not None:
            doc["candidates"] = candidate_rows(self.scores, candidate_ids)
        return doc


def candidate_rows(scores: Scores, candidate_ids: Sequence[str]) -> list[dict[str, Any]]:
    """One JSON-ready dict per candidate: raw, scaled, passed and domain percents."""
    n = len(scores.raw)
    if len(candidate_ids) != n:
        raise ValueError(f"{len(candidate_ids)} candidate ids for {n} score rows")
    rows: list[dict[str, Any]] = []
    raw = scores.raw.tolist()
    scaled = None if scores.scaled is None else scores.scaled.tolist()
    passed = None if scores.passed is None else scores.passed.tolist()
    domains = scores.domains
    percent = None if domains is None else domains.percent.tolist()
    for i, cid in enumerate(candidate_ids):
        row: dict[str, Any] = {"candidate_id": cid, "raw": raw[i]}
        if scaled is not None:
            row["scaled"] = scaled[i]
        if passed is not None:
            row["passed"] = passed[i]
        if domains is not None and percent is not None:
            row["domains"] = dict(zip(domains.names, percent[i], strict=True))
        rows.append(row)
    return rows


def finite_or_none(value: float | np.floating[Any] | None) -> float | None:
    """The value as a Python float, or ``None`` when it is missing, NaN or infinite."""
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- checks


def _responses(responses: ArrayLike) -> IntArray:
    r = np.asarray(responses)
    if r.ndim != 2:
        raise ValueError("responses must be a 2-D array (candidates x items)")
    if r.size and not np.issubdtype(r.dtype, np.integer):
        raise ValueError("responses must hold whole option indices (-1 for omitted)")
    return np.asarray(r, dtype=np.int64)


def _key(key: ArrayLike, k: int) -> IntArray:
    key_arr = np.asarray(key)
    if key_arr.shape != (k,):
        raise ValueError(f"the key has {key_arr.size} entries for {k} items")
    if key_arr.size and not np.issubdtype(key_arr.dtype, np.integer):
        raise ValueError("the key must hold whole option indices")
    key_i = np.asarray(key_arr, dtype=np.int64)
    if key_i.size and (key_i.min() < 0 or key_i.max() >= MAX_OPTIONS):
        raise ValueError("every key must be an option index (0 = A)")
    return key_i


def _scored_mask(scored: ArrayLike | None, k: int) -> BoolArray:
    if scored is None:
        return np.ones(k, dtype=np.bool_)
    mask = np.asarray(scored, dtype=np.bool_)
    if mask.shape != (k,):
        raise ValueError(f"scored has {mask.size} entries for {k} items")
    return mask


def _option_counts(r: IntArray, key: IntArray, n_options: ArrayLike | None) -> IntArray:
    k = key.shape[0]
    if n_options is None:
        top = r.max(axis=0) if r.shape[0] else np.zeros(k, dtype=np.int64)
        m = np.maximum(np.maximum(top, key) + 1, 2)
        return np.asarray(m, dtype=np.int64)
    m_arr = np.asarray(n_options, dtype=np.int64)
    if m_arr.shape != (k,):
        raise ValueError(f"n_options has {m_arr.size} entries for {k} items")
    if m_arr.size and (m_arr.min() < 2 or m_arr.max() > MAX_OPTIONS):
        raise ValueError(f"every item needs between 2 and {MAX_OPTIONS} options")
    bad_key = np.flatnonzero(key >= m_arr)
    if bad_key.size:
        raise ValueError(f"the key of item {int(bad_key[0]) + 1} is beyond its options")
    return m_arr


def _check_values(r: IntArray, m: IntArray) -> None:
    if not r.size:
        return
    bad = (r < OMIT) | (r >= m[None, :])
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(
            f"{int(bad.sum())} response(s) outside the items' options, first at candidate "
            f"{i + 1}, item {j + 1} (value {int(r[i, j])})"
        )


# --------------------------------------------------------------------------- scoring


def score_responses(responses: ArrayLike, key: ArrayLike) -> npt.NDArray[np.int8]:
    """The 0/1 item scores: 1 where the chosen option is the key (omitted scores 0)."""
    r = _responses(responses)
    key_i = _key(key, r.shape[1])
    return np.asarray(r == key_i[None, :], dtype=np.int8)


def raw_scores(item_scores: ArrayLike, scored: ArrayLike | None = None) -> IntArray:
    """Each candidate's number correct over the scored items."""
    x = np.asarray(item_scores)
    if x.ndim != 2:
        raise ValueError("item scores must be a 2-D array (candidates x items)")
    mask = _scored_mask(scored, x.shape[1])
    return np.asarray(x[:, mask].sum(axis=1, dtype=np.int64), dtype=np.int64)


def raw_needed(cut: float, n_items: int | None = None) -> int:
    """The smallest whole raw score at or above ``cut`` (97.35 -> 98; 97 -> 97).

    Values within 1e-9 above a whole number count as that number, so that a sum of
    ratings that should be 97 but reads 97.00000000001 does not need 98.
    """
    if not math.isfinite(cut) or cut < 0:
        raise ValueError("the cut score must be a number >= 0")
    if n_items is not None and cut > n_items + CUT_TOLERANCE:
        raise ValueError(f"the cut score {cut:g} is above the {n_items} scored items")
    return max(0, math.ceil(cut - CUT_TOLERANCE))


def domain_scores(
    item_scores: ArrayLike, domains: Sequence[str], scored: ArrayLike | None = None
) -> DomainScores:
    """Sub-scores by domain over the scored items; domains in order of first appearance."""
    x = np.asarray(item_scores)
    if x.ndim != 2:
        raise ValueError("item scores must be a 2-D array (candidates x items)")
    k = x.shape[1]
    if len(domains) != k:
        raise ValueError(f"{len(domains)} domains for {k} items")
    mask = _scored_mask(scored, k)
    names = tuple(dict.fromkeys(d for d, s in zip(domains, mask, strict=True) if s))
    index = {name: i for i, name in enumerate(names)}
    onehot = np.zeros((k, len(names)), dtype=np.float64)
    for j, (name, keep) in enumerate(zip(domains, mask, strict=True)):
        if keep:
            onehot[j, index[name]] = 1.0
    counts = onehot.sum(axis=0).astype(np.int64)
    correct = np.asarray(np.rint(x.astype(np.float64) @ onehot), dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = 100.0 * correct / counts[None, :]
    return DomainScores(names, counts, correct, np.asarray(percent, dtype=np.float64))


DOMAIN_BELOW = "below"
DOMAIN_NEAR = "near"
DOMAIN_ABOVE = "above"


def domain_feedback(
    correct: ArrayLike, n_items: ArrayLike, cut: float, total_items: int
) -> list[str]:
    """Per domain, whether one candidate's result is below, near or above the standard.

    The standard of a domain is the form's passing proportion :math:`\\pi = cut / k`. A
    domain of :math:`n_d` items is *below* when the candidate's proportion correct is more
    than one binomial standard error :math:`\\sqrt{\\pi(1-\\pi)/n_d}` under :math:`\\pi`,
    *above* when more than one above, and *near* otherwise: short domains, whose few items
    say little, read as *near* unless the result is clear.
    """
    c = np.asarray(correct, dtype=np.float64)
    n_d = np.asarray(n_items, dtype=np.float64)
    if c.shape != n_d.shape:
        raise ValueError("correct and n_items must have the same length")
    if total_items <= 0:
        raise ValueError("the form needs at least one scored item")
    pi = min(max(cut / total_items, 0.0), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = c / n_d
        se = np.sqrt(pi * (1.0 - pi) / n_d)
    out: list[str] = []
    for s, e in zip(share.tolist(), se.tolist(), strict=True):
        if not math.isfinite(s):
            out.append(DOMAIN_NEAR)
        elif s < pi - e:
            out.append(DOMAIN_BELOW)
        elif s > pi + e:
            out.append(DOMAIN_ABOVE)
        else:
            out.append(DOMAIN_NEAR)
    return out


# --------------------------------------------------------------------------- groups


def group_weights(
    total: ArrayLike, fraction: float = GROUP_FRACTION
) -> tuple[FloatArray, FloatArray, int]:
    """Weights of the lower and upper groups (``round(fraction * n)`` candidates each).

    Candidates strictly below (above) the boundary score weigh 1; those tied at the
    boundary share the places left in equal parts, so that each group's weights sum to its
    size whatever the row order. Returns ``(lower, upper, size)``.
    """
    t = np.asarray(total, dtype=np.float64)
    n = t.shape[0]
    if not 0 < fraction <= 0.5:
        raise ValueError("the group fraction must be in (0, 0.5]")
    if n == 0:
        return np.zeros(0), np.zeros(0), 0
    size = max(1, math.floor(fraction * n + 0.5))
    ordered = np.sort(t)

    def weights(strict: BoolArray, tied: BoolArray) -> FloatArray:
        left = size - int(strict.sum())
        w = strict.astype(np.float64)
        w[tied] = left / int(tied.sum())
        return w

    low_edge, high_edge = ordered[size - 1], ordered[n - size]
    lower = weights(t < low_edge, t == low_edge)
    upper = weights(t > high_edge, t == high_edge)
    return lower, upper, size


# --------------------------------------------------------------------------- analysis


def _pearson_with_total(
    sums_with_t: FloatArray, share: FloatArray, mean_t: float, var_t: float
) -> FloatArray:
    """r of 0/1 indicators with T from their mean and ``mean(indicator * T)``."""
    cov = sums_with_t - share * mean_t
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(share * (1.0 - share) * var_t)
    r[~np.isfinite(r)] = np.nan
    return np.asarray(np.clip(r, -1.0, 1.0), dtype=np.float64)


def item_analysis(
    responses: ArrayLike,
    key: ArrayLike,
    *,
    item_ids: Sequence[str] | None = None,
    scored: ArrayLike | None = None,
    n_options: ArrayLike | None = None,
) -> ItemAnalysis:
    """Classical item statistics, option analysis and flags of every item (see module doc)."""
    r = _responses(responses)
    n, k = r.shape
    key_i = _key(key, k)
    mask = _scored_mask(scored, k)
    m = _option_counts(r, key_i, n_options)
    _check_values(r, m)
    ids = tuple(item_ids) if item_ids is not None else tuple(str(j + 1) for j in range(k))
    if len(ids) != k:
        raise ValueError(f"{len(ids)} item ids for {k} items")

    x = np.asarray(r == key_i[None, :], dtype=np.float64)
    total = x[:, mask].sum(axis=1)
    inv_n = 1.0 / n if n else float("nan")
    mean_t = float(total.mean()) if n else float("nan")
    var_t = float(total.var()) if n else float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x.sum(axis=0) * inv_n
        var_x = p * (1.0 - p)
        cov_xt = (x.T @ total) * inv_n - p * mean_t
        own = mask.astype(np.float64)  # the item is part of T only when scored
        cov_rest = cov_xt - own * var_x
        var_rest = var_t + own * (var_x - 2.0 * cov_xt)
        r_corr = cov_rest / np.sqrt(var_x * var_rest)
    r_corr = np.where((var_x > 1e-12) & (var_rest > 1e-12), r_corr, np.nan)
    r_corr = np.clip(r_corr, -1.0, 1.0)

    lower_w, upper_w, size = group_weights(total)
    if size:
        p_upper = (upper_w @ x) / size
        p_lower = (lower_w @ x) / size
    else:
        p_upper = np.full(k, np.nan)
        p_lower = np.full(k, np.nan)

    # Options: one bincount per statistic over (item, option + 1); slot 0 is "omitted".
    width = int(m.max()) + 1 if k else 1
    slots = (r + 1) + np.arange(k, dtype=np.int64)[None, :] * width
    flat = slots.ravel()
    size_all = k * width

    def by_slot(weights: FloatArray | None) -> FloatArray:
        if weights is None:
            out = np.bincount(flat, minlength=size_all)
        else:
            out = np.bincount(flat, weights=np.repeat(weights, k), minlength=size_all)
        return np.asarray(out, dtype=np.float64).reshape(k, width)

    counts_all = by_slot(None)
    with_t = by_slot(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_all = counts_all * inv_n
        upper_all = by_slot(upper_w) / size if size else np.full((k, width), np.nan)
        lower_all = by_slot(lower_w) / size if size else np.full((k, width), np.nan)
    r_all = _pearson_with_total(with_t * inv_n, share_all, mean_t, var_t)
    valid = np.arange(width - 1)[None, :] < m[:, None]
    options = OptionStatistics(
        counts=np.asarray(counts_all[:, 1:], dtype=np.int64),
        proportion=np.where(valid, share_all[:, 1:], np.nan),
        upper=np.where(valid, upper_all[:, 1:], np.nan),
        lower=np.where(valid, lower_all[:, 1:], np.nan),
        r_total=np.where(valid, r_all[:, 1:], np.nan),
        omitted=np.asarray(counts_all[:, 0], dtype=np.int64),
        n_options=m,
    )
    flags = _flags(p, r_corr, options, key_i, n)
    return ItemAnalysis(
        item_ids=ids,
        key=key_i,
        scored=mask,
        n=n,
        p=np.asarray(p, dtype=np.float64),
        r_corrected=np.asarray(r_corr, dtype=np.float64),
        p_upper=np.asarray(p_upper, dtype=np.float64),
        p_lower=np.asarray(p_lower, dtype=np.float64),
        discrimination=np.asarray(p_upper - p_lower, dtype=np.float64),
        group_size=size,
        options=options,
        flags=flags,
    )


def _flags(
    p: FloatArray, r_corr: FloatArray, options: OptionStatistics, key: IntArray, n: int
) -> tuple[tuple[ItemFlag, ...], ...]:
    k = p.shape[0]
    if n == 0:
        return tuple(() for _ in range(k))
    hard = p < P_MIN
    easy = p > P_MAX
    low_r = ~(r_corr >= R_MIN)  # NaN (no variance) counts as low
    upper = np.nan_to_num(options.upper, nan=-1.0)
    key_upper = upper[np.arange(k), key]
    attract = upper > key_upper[:, None] + 1e-12
    attract[np.arange(k), key] = False
    out: list[tuple[ItemFlag, ...]] = []
    for j in range(k):
        row: list[ItemFlag] = []
        if hard[j]:
            row.append(ItemFlag(FLAG_HARD))
        if easy[j]:
            row.append(ItemFlag(FLAG_EASY))
        if low_r[j]:
            row.append(ItemFlag(FLAG_LOW_R))
        if attract[j].any():
            row.extend(ItemFlag(FLAG_DISTRACTOR, int(o)) for o in np.flatnonzero(attract[j]))
        out.append(tuple(row))
    return tuple(out)


def form_statistics(item_scores: ArrayLike, scored: ArrayLike | None = None) -> FormStatistics:
    """Mean, SD, KR-20, KR-21 and SEM of the total over the scored items."""
    x = np.asarray(item_scores, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("item scores must be a 2-D array (candidates x items)")
    mask = _scored_mask(scored, x.shape[1])
    xs = x[:, mask]
    n, k = xs.shape
    total = xs.sum(axis=1)
    p = xs.mean(axis=0) if n else np.full(k, np.nan)
    return _form_from_totals(total, k, float(np.sum(p * (1.0 - p))))


def _form_from_totals(total: FloatArray, k: int, sum_pq: float | None) -> FormStatistics:
    n = int(total.shape[0])
    if n == 0:
        nan = float("nan")
        return FormStatistics(0, k, nan, nan, nan, nan, nan, nan, nan)
    mean = float(total.mean())
    var0 = float(total.var())
    sd = float(total.std(ddof=1)) if n > 1 else float("nan")
    kr20 = kr21 = float("nan")
    if k > 1 and var0 > 0:
        if sum_pq is not None:
            kr20 = k / (k - 1) * (1.0 - sum_pq / var0)
        kr21 = k / (k - 1) * (1.0 - mean * (k - mean) / (k * var0))
    sem = sd * math.sqrt(1.0 - kr20) if math.isfinite(kr20) and kr20 <= 1 else float("nan")
    return FormStatistics(n, k, mean, sd, float(total.min()), float(total.max()), kr20, kr21, sem)


def totals_statistics(raw: ArrayLike, n_items: int) -> FormStatistics:
    """Form statistics from total scores alone (a vendor's totals): no KR-20, only KR-21."""
    t = np.asarray(raw, dtype=np.float64)
    if t.ndim != 1:
        raise ValueError("raw scores must be a 1-D array")
    if n_items < 1:
        raise ValueError("the form needs at least one scored item")
    if t.size and (t.min() < 0 or t.max() > n_items):
        raise ValueError(f"raw scores must lie between 0 and {n_items}")
    return _form_from_totals(t, n_items, None)


# --------------------------------------------------------------------------- decisions


def subkoviak_consistency(
    raw: ArrayLike, n_items: int, raw_cut: int, reliability: float
) -> DecisionConsistency:
    r"""Decision consistency of pass/fail from one administration (Subkoviak, 1976).

    Each candidate's true proportion correct is estimated by Kelley's regression towards
    the group mean, :math:`\hat\pi_i = \rho\, x_i/k + (1-\rho)\, \bar x/k`, with :math:`\rho`
    the reliability (Subkoviak used KR-21, :func:`analyze` passes it; clipped to [0, 1]).
    Under the binomial error model the probability that candidate *i* passes a parallel
    form is :math:`P_i = P(X \ge c \mid k, \hat\pi_i)`, and that two parallel forms agree
    :math:`P_i^2 + (1-P_i)^2`. The agreement coefficient is their mean :math:`p_0`; chance
    agreement is :math:`p_c = \bar P^2 + (1-\bar P)^2` and kappa
    :math:`(p_0 - p_c)/(1 - p_c)`.

    References
    ----------
    .. [1] Subkoviak, M. J. (1976). Estimating reliability from a single administration of
           a criterion-referenced test. Journal of Educational Measurement, 13(4), 265-276.
    """
    x = np.asarray(raw, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("raw scores must be a 1-D array")
    if n_items < 1:
        raise ValueError("the form needs at least one scored item")
    nan = float("nan")
    if x.size == 0 or not math.isfinite(reliability):
        return DecisionConsistency(nan, nan, nan, float(reliability))
    rho = min(max(float(reliability), 0.0), 1.0)
    values, counts = np.unique(x, return_counts=True)
    true_share = np.clip(rho * values / n_items + (1.0 - rho) * x.mean() / n_items, 0.0, 1.0)
    if raw_cut <= 0:
        pass_prob = np.ones_like(true_share)
    elif raw_cut > n_items:
        pass_prob = np.zeros_like(true_share)
    else:
        pass_prob = np.asarray(bdtrc(raw_cut - 1, n_items, true_share), dtype=np.float64)
    weights = counts / x.size
    agreement = float(np.sum(weights * (pass_prob**2 + (1.0 - pass_prob) ** 2)))
    mean_pass = float(np.sum(weights * pass_prob))
    chance = mean_pass**2 + (1.0 - mean_pass) ** 2
    kappa = (agreement - chance) / (1.0 - chance) if chance < 1.0 - 1e-12 else nan
    return DecisionConsistency(agreement, chance, kappa, float(reliability))


def pass_fail(
    raw: ArrayLike, n_items: int, cut: float, reliability: float | None = None
) -> PassFail:
    """Pass count and rate at ``cut`` with Subkoviak's consistency (KR-21 by default)."""
    x = np.asarray(raw, dtype=np.float64)
    needed = raw_needed(cut, n_items)
    n_pass = int(np.count_nonzero(x >= needed))
    if reliability is None:
        reliability = totals_statistics(x, n_items).kr21 if x.size else float("nan")
    consistency = subkoviak_consistency(x, n_items, needed, reliability) if x.size else None
    return PassFail(float(cut), needed, n_pass, int(x.size), consistency)


# --------------------------------------------------------------------------- all at once


def analyze(
    responses: ArrayLike,
    key: ArrayLike,
    *,
    item_ids: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
    scored: ArrayLike | None = None,
    n_options: ArrayLike | None = None,
    cut: float | None = None,
    scale: LinearScale | ReportingScale | None = None,
) -> ExamAnalysis:
    """Score a group of candidates on one form and analyse the items and the form.

    A :class:`ReportingScale` is anchored at the cut, so it needs ``cut``."""
    r = _responses(responses)
    n, k = r.shape
    if k == 0:
        raise ValueError("the form has no items")
    key_i = _key(key, k)
    mask = _scored_mask(scored, k)
    n_scored = int(mask.sum())
    if n_scored == 0:
        raise ValueError("the form has no scored items")
    items = item_analysis(r, key_i, item_ids=item_ids, scored=mask, n_options=n_options)
    x = np.asarray(r == key_i[None, :], dtype=np.int8)
    raw = raw_scores(x, mask)
    form = _form_from_totals(
        raw.astype(np.float64), n_scored, float(np.sum((items.p * (1.0 - items.p))[mask]))
    )
    warnings: list[str] = []
    if n < 2:
        warnings.append("fewer than two candidates: no correlations or reliability")
    elif n < 100:
        warnings.append(
            f"only {n} candidates: item statistics are unstable below about 100 candidates"
        )
    result_pf: PassFail | None = None
    passed: BoolArray | None = None
    if cut is not None:
        needed = raw_needed(cut, n_scored)
        passed = np.asarray(raw >= needed, dtype=np.bool_)
        consistency = subkoviak_consistency(raw, n_scored, needed, form.kr21) if n else None
        result_pf = PassFail(float(cut), needed, int(passed.sum()), n, consistency)
    subs = domain_scores(x, domains, mask) if domains is not None else None
    if isinstance(scale, ReportingScale):
        if cut is None:
            raise ValueError("a reporting scale anchored at the cut needs the cut score")
        scaled: FloatArray | None = scale.apply(raw, n_scored, raw_needed(cut, n_scored))
    else:
        scaled = scale.apply(raw) if scale is not None else None
    scores = Scores(raw=raw, scaled=scaled, passed=passed, domains=subs)
    return ExamAnalysis(form, items, scores, result_pf, scale, tuple(warnings))
