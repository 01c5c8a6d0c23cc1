"""Direct domain-weight judgments (percent per domain) compared with the empirical weights.

Issue 15: SMEs (or survey respondents) may judge directly what share of the exam each
performance domain deserves; the mean judged weight of each domain is set beside the weight
the survey's criticalities give it, with the difference in percentage points, and a
difference of ``LARGE_DIFFERENCE`` points or more is flagged for the panel to discuss.

Pure: plain values in and out; no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LARGE_DIFFERENCE = 5.0  # percentage points between the judged and the empirical weight
SUM_TOLERANCE = 0.05  # percents given to one decimal may add up to 99.95-100.05


def check_judgment(
    values: Mapping[str, str | float | None], domains: Sequence[str]
) -> tuple[dict[str, float], dict[str, str], str | None]:
    """A judge's percents per domain: (the clean percents, an error per domain, an error of
    the total or None).

    Every domain needs a percent from 0 to 100 (a blank is an error, not 0: a judge who
    gives a domain nothing writes 0); the percents must add up to 100. The total is checked
    only when every percent is valid, so that one mistake is not reported twice.
    """
    clean: dict[str, float] = {}
    errors: dict[str, str] = {}
    for name in domains:
        raw = values.get(name)
        text = "" if raw is None else str(raw).strip()
        if not text:
            errors[name] = f"Give {name} a percent (0 if it deserves none)."
            continue
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            errors[name] = f"{text!r} is not a number; write a percent such as 12.5."
            continue
        if not math.isfinite(number) or not 0 <= number <= 100:
            errors[name] = "A percent from 0 to 100."
            continue
        clean[name] = number
    if errors or not domains:
        return clean, errors, None if domains else "There are no domains to weigh."
    total = math.fsum(clean.values())
    if abs(total - 100) > SUM_TOLERANCE:
        return clean, errors, f"The percents add up to {total:g}; they must add up to 100."
    return clean, errors, None


@dataclass(frozen=True)
class WeightComparison:
    """One domain: its judged weight (mean over the judges who weighed it) and its empirical
    weight, both in percent, the difference judged - empirical in points and whether it is
    large."""

    domain: str
    judges: int
    judged_mean: float | None
    judged_min: float | None
    judged_max: float | None
    empirical: float
    difference: float | None
    large: bool


def compare_weights(
    judgments: Sequence[Mapping[str, float]],
    empirical: Sequence[tuple[str, float]],
    large: float = LARGE_DIFFERENCE,
) -> list[WeightComparison]:
    """Each empirical domain (name, weight as a fraction of 1, in the blueprint's order) with
    the judges' mean percent for it.

    A judgment that does not name a domain (given before the domain was added) leaves that
    domain's mean to the judges who did; a domain nobody weighed has no judged weight and no
    difference. Domains judged that are not in the blueprint are left out.
    """
    rows = []
    for name, weight in empirical:
        given = [float(j[name]) for j in judgments if name in j]
        percent = 100.0 * weight
        if not given:
            rows.append(WeightComparison(name, 0, None, None, None, percent, None, False))
            continue
        mean = math.fsum(given) / len(given)
        difference = mean - percent
        rows.append(
            WeightComparison(
                domain=name,
                judges=len(given),
                judged_mean=mean,
                judged_min=min(given),
                judged_max=max(given),
                empirical=percent,
                difference=difference,
                large=abs(difference) >= large - 1e-9,
            )
        )
    return rows


def comparison_text(rows: Sequence[WeightComparison], judges: int) -> str:
    """One plain sentence on the comparison for the report and the page."""
    if judges == 0:
        return "No direct judgments of the domain weights were recorded."
    flagged = [r.domain for r in rows if r.large]
    who = f"{judges} judge{'s' if judges != 1 else ''}"
    if not flagged:
        return (
            f"The mean weights judged by {who} are within {LARGE_DIFFERENCE:g} percentage "
            "points of the empirical weights in every domain."
        )
    if len(flagged) == 1:
        subject, verb, listed = "weight", "differs", flagged[0]
    else:
        subject, verb, listed = "weights", "differ", ", ".join(flagged[:-1]) + f" and {flagged[-1]}"
    return (
        f"The mean {subject} judged by {who} {verb} from the empirical {subject} by "
        f"{LARGE_DIFFERENCE:g} percentage points or more in {listed}: the panel should "
        "discuss the difference before the blueprint is approved."
    )
