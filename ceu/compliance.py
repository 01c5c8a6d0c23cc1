"""CE compliance: which minutes count in a cycle, what is missing, and the cycle's status.

Pure: plain values and frozen dataclasses in and out, no Flask and no SQLAlchemy; the day is
given as `as_of`. Amounts are whole minutes; people read hours (core.units) or CEUs
(1 CEU = 10 contact hours of 60 minutes, IACET).

How caps and category minimums interact is the one real choice here (`RULE_TEXT` says it in
plain words and the rules page shows it). Counting is a small maximum flow: minutes flow
from their delivery mode to their category and on to "counted"; a mode cap (for example
"self-study and live online at most 50% of the required total") bounds the flow out of its
modes, a category cap bounds the flow into its category. Among the ways to count as many
minutes as the caps allow, the one that fills category minimums best is chosen (a minimum
cost flow in which minutes that fill a minimum cost -1). So a cap removes minutes, never a
category: if 12 online hours are taken, 6 of them in ethics, and online counts at most 10,
the 6 ethics hours are among the 10 that count.

Because the flow is a maximum one, adding an activity never lowers the counted total (the
set of feasible flows only grows); tests/pure/test_ceu_compliance.py checks it by property.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import TypeVar

from core.units import hours, hours_text

MINUTES_PER_CEU = 600  # 1 CEU = 10 contact hours of 60 minutes (IACET)

DELIVERY_MODES: dict[str, str] = {
    "in_person": "In person",
    "live_online": "Live online (webinar)",
    "self_study": "Self-study / on-demand online",
}
PRORATIONS: dict[str, str] = {
    "none": "No proration: a first cycle asks for the full requirement",
    "proportional": "Proportional to the whole months held in the first cycle",
}
ROUNDINGS: dict[str, str] = {
    "down_hour": "down to the whole hour",
    "up_hour": "up to the whole hour",
    "nearest_hour": "to the nearest whole hour (a half hour rounds up)",
    "nearest_quarter": "to the nearest quarter hour (an eighth rounds up)",
}
STATUSES: dict[str, str] = {
    "compliant": "Compliant",
    "not_yet_due": "Not yet due",
    "short": "Short",
}

RULE_TEXT: tuple[str, ...] = (
    "Only accepted activities count, and only those dated inside the cycle (its first and "
    "last day included) and not after today.",
    "A course counts once per cycle, however often it is recorded.",
    "Category minimums are part of the total: 6 ethics hours also count toward the 20.",
    "A cap limits one kind of CE (a delivery mode such as self-study, or a category) to a "
    "share of the required total. Hours past a cap count toward nothing: not the total and "
    "not any category.",
    "When a cap leaves a choice of which hours count, the hours that fill a category minimum "
    "count first. A cap never costs a category minimum that hours under the cap could have "
    "met: with 20 hours required, online at most 50% and 6 hours of ethics, 12 online hours "
    "of which 6 in ethics count as 10 online hours including all 6 ethics hours.",
    "In a first cycle shorter than a full cycle, with proportional proration, every "
    "requirement is multiplied by the whole months held divided by the cycle's months "
    "(partial months are not counted) and rounded as the board states.",
    "Hours earned in a cycle beyond its required total carry over, up to the board's limit, "
    "into the next cycle only. They count toward that cycle's total, not toward its category "
    "minimums or caps, and never carry over again.",
    "The rules in force on a cycle's first day apply to the whole cycle; when CE rules first "
    "took effect during a cycle, those first rules apply to it.",
)


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """Minutes of an activity in one category (a course may be approved in several)."""

    category: str
    minutes: int

    def __post_init__(self) -> None:
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int):
            raise ValueError(f"minutes must be a whole number, not {self.minutes!r}")
        if self.minutes < 0:
            raise ValueError(f"minutes cannot be negative ({self.minutes})")
        if not self.category:
            raise ValueError("a part needs a category")


@dataclass(frozen=True)
class Activity:
    """An accepted CE activity: when, how it was delivered, minutes per category."""

    key: str
    day: date
    mode: str
    parts: tuple[Part, ...]
    course: str | None = None  # the same course twice in a cycle counts once
    title: str = ""

    def __post_init__(self) -> None:
        if self.mode not in DELIVERY_MODES:
            raise ValueError(f"unknown delivery mode {self.mode!r}")
        if not self.parts:
            raise ValueError(f"activity {self.key} has no minutes in any category")

    @classmethod
    def single(
        cls,
        key: str,
        day: date,
        minutes: int,
        category: str,
        mode: str = "in_person",
        course: str | None = None,
        title: str = "",
    ) -> Activity:
        """An activity in one category."""
        return cls(key, day, mode, (Part(category, minutes),), course, title)

    @property
    def minutes(self) -> int:
        return sum(part.minutes for part in self.parts)


@dataclass(frozen=True)
class Minimum:
    """At least `minutes` in one category (ethics >= 6 hours of 20)."""

    category: str
    name: str
    minutes: int


@dataclass(frozen=True)
class Cap:
    """At most `percent` of the required total from some delivery modes or one category."""

    label: str
    percent: int
    modes: frozenset[str] = frozenset()
    category: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.percent <= 100:
            raise ValueError(f"cap {self.label!r}: percent must be 0 to 100, not {self.percent}")
        if bool(self.modes) == (self.category is not None):
            raise ValueError(f"cap {self.label!r}: limit either delivery modes or one category")
        unknown = set(self.modes) - set(DELIVERY_MODES)
        if unknown:
            raise ValueError(f"cap {self.label!r}: unknown delivery modes {sorted(unknown)}")

    def limit(self, required_total: int) -> int:
        """The cap in minutes: its share of the required total, rounded down."""
        return required_total * self.percent // 100


@dataclass(frozen=True)
class Rules:
    """A board's CE rule for one credential type, in minutes."""

    total_minutes: int
    minimums: tuple[Minimum, ...] = ()
    caps: tuple[Cap, ...] = ()
    proration: str = "none"
    rounding: str = "down_hour"
    carry_over_minutes: int = 0
    show_ceus: bool = False

    def __post_init__(self) -> None:
        amounts = [self.total_minutes, self.carry_over_minutes, *(m.minutes for m in self.minimums)]
        if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in amounts):
            raise ValueError("totals, minimums and carry-over are whole, non-negative minutes")
        if self.proration not in PRORATIONS:
            raise ValueError(f"unknown proration {self.proration!r}")
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"unknown rounding {self.rounding!r}")
        categories = [m.category for m in self.minimums]
        if len(set(categories)) != len(categories):
            raise ValueError("a category has two minimums")
        if sum(m.minutes for m in self.minimums) > self.total_minutes:
            raise ValueError("the category minimums add up to more than the total")
        capped = [c.category for c in self.caps if c.category is not None]
        if len(set(capped)) != len(capped):
            raise ValueError("a category has two caps")
        for cap in self.caps:
            need = next((m for m in self.minimums if m.category == cap.category), None)
            if need is not None and cap.limit(self.total_minutes) < need.minutes:
                raise ValueError(
                    f"cap {cap.label!r} is below the {need.name} minimum and could never be met"
                )
        sets = [c.modes for c in self.caps if c.modes]
        for i, one in enumerate(sets):
            for other in sets[i + 1 :]:
                if one == other:
                    raise ValueError("two caps limit the same delivery modes")
                if one & other and not (one < other or other < one):
                    raise ValueError("caps on delivery modes must be nested or apart")

    @cached_property
    def minimum_minutes(self) -> dict[str, int]:
        """Minimum minutes by category (shared: read it, do not change it)."""
        return {m.category: m.minutes for m in self.minimums}


@dataclass(frozen=True)
class Cycle:
    """A renewal cycle from `start` to `end`, both days included; `months` is a full one's."""

    start: date
    end: date
    months: int
    first: bool = False  # the holder's first cycle, which may be shorter (proration)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the cycle ends ({self.end}) before it starts ({self.start})")
        if self.months <= 0:
            raise ValueError("a cycle lasts at least one month")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


# --- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryResult:
    category: str
    name: str
    required: int
    counted: int

    @property
    def missing(self) -> int:
        return max(0, self.required - self.counted)


@dataclass(frozen=True)
class CapResult:
    label: str
    limit: int
    taken: int  # minutes of accepted activities in the cap's scope
    counted: int
    removed: int  # minutes this cap kept from counting


@dataclass(frozen=True)
class ActivityResult:
    key: str
    minutes: int
    counted: int
    note: str = ""


@dataclass(frozen=True)
class Need:
    """What is missing, by category (category None: hours of any category)."""

    category: str | None
    name: str
    minutes: int


@dataclass(frozen=True)
class Compliance:
    """One cycle's standing as of a day."""

    cycle: Cycle
    as_of: date
    required: int  # after proration
    counted: int  # including carried-in minutes
    carried_in: int
    carry_out: int
    status: str
    categories: tuple[CategoryResult, ...]
    by_category: tuple[tuple[str, int], ...]  # counted minutes of every category seen
    caps: tuple[CapResult, ...]
    activities: tuple[ActivityResult, ...]
    needs: tuple[Need, ...]
    cells: tuple[tuple[Cell, int], ...]  # counted minutes per (delivery mode, category)
    rules: Rules = field(repr=False, compare=False)

    @property
    def show_ceus(self) -> bool:
        return self.rules.show_ceus

    @cached_property
    def mode_room(self) -> tuple[tuple[str, int | None], ...]:
        """Per delivery mode, how many more minutes could still count (None: no mode cap)."""
        caps = self.rules.caps
        return _room(caps, [cap.limit(self.required) for cap in caps], dict(self.cells))

    @cached_property
    def summary(self) -> str:
        """One sentence: "4.5 ethics hours missing, 61 days left" (made when first read)."""
        return summarise(
            self.status, self.cycle, self.as_of, self.required, self.counted, self.needs,
            self.carry_out, self.show_ceus,
        )  # fmt: skip

    @property
    def missing(self) -> int:
        return max(0, self.required - self.counted)

    @property
    def days_left(self) -> int:
        return (self.cycle.end - self.as_of).days

    @property
    def compliant(self) -> bool:
        return self.status == "compliant"


# --- dates ----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later or earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_months(start: date, end: date) -> int:
    """Whole months from `start` to the end of day `end` (a part month does not count)."""
    after = end + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    while months > 0 and add_months(start, months) > after:
        months -= 1
    return max(0, months)


def renewal_cycle(expires_on: date, months: int, issued_on: date) -> Cycle:
    """The cycle that ends on the credential's expiry day.

    It starts the day after the previous expiry (`months` earlier); a first cycle starts on
    the issue day (a credential issued on 2025-06-30 for 24 months: 2025-06-30 to 2027-06-30).
    """
    previous_expiry = add_months(expires_on, -months)
    if issued_on >= previous_expiry:
        return Cycle(issued_on, expires_on, months, first=True)
    return Cycle(previous_expiry + timedelta(days=1), expires_on, months)


def calendar_cycle(day: date, months: int, first_year: int, issued_on: date | None = None) -> Cycle:
    """The calendar period holding `day`: periods of `months` from January `first_year`.

    A credential issued inside the period starts a shorter first cycle on its issue day.
    """
    origin = date(first_year, 1, 1)
    elapsed = (day.year - origin.year) * 12 + day.month - 1
    start = add_months(origin, (elapsed // months) * months)
    end = add_months(start, months) - timedelta(days=1)
    if issued_on is not None and start < issued_on <= end:
        return Cycle(issued_on, end, months, first=True)
    return Cycle(start, end, months)


T = TypeVar("T")


def rules_in_force(versions: Iterable[tuple[date, T]], cycle: Cycle) -> T | None:
    """The rule version of a cycle: in force on its first day, else the first to start in it."""
    ordered = sorted(versions, key=lambda v: v[0])
    before = [rule for effective, rule in ordered if effective <= cycle.start]
    if before:
        return before[-1]
    during = [rule for effective, rule in ordered if effective <= cycle.end]
    return during[0] if during else None


# --- amounts for people ---------------------------------------------------------------------


def ceus(minutes: int) -> Decimal:
    """Minutes as CEUs (hours under the display rule, divided by 10)."""
    return hours(minutes) / 10


@lru_cache(maxsize=8192)
def amount_text(minutes: int, show_ceus: bool = False, unit: bool = True) -> str:
    """ "4.5 hours", "1 hour", "0.45 CEUs", "2.0 CEUs" (or without the unit)."""
    if show_ceus:
        text = f"{ceus(minutes):f}".rstrip("0")
        text = text + "0" if text.endswith(".") else text
        text = text if "." in text else text + ".0"
        name = "CEU" if text == "1.0" else "CEUs"
    else:
        text = hours_text(minutes)
        name = "hour" if text == "1" else "hours"
    return f"{text} {name}" if unit else text


def _phrase(name: str) -> str:
    """A category's name inside a sentence: "ethics", but "HIV/bloodborne pathogens"."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def prorated(rules: Rules, cycle: Cycle) -> tuple[int, dict[str, int]]:
    """The required total and category minimums of this cycle, prorated when it applies."""
    minimums = rules.minimum_minutes
    if not cycle.first or rules.proration == "none":
        return rules.total_minutes, minimums
    held = whole_months(cycle.start, cycle.end)
    if held >= cycle.months:
        return rules.total_minutes, minimums
    share = Fraction(held, cycle.months)
    return _round(rules.total_minutes * share, rules.rounding), {
        category: _round(minutes * share, rules.rounding) for category, minutes in minimums.items()
    }


def _round(minutes: Fraction, rounding: str) -> int:
    step = 15 if rounding == "nearest_quarter" else 60
    units = minutes / step
    if rounding == "down_hour":
        whole = units.numerator // units.denominator
    elif rounding == "up_hour":
        whole = -(-units.numerator // units.denominator)
    else:  # nearest, a half rounds up
        whole = (units + Fraction(1, 2)).numerator // (units + Fraction(1, 2)).denominator
    return int(whole) * step


# --- counting -------------------------------------------------------------------------------


Cell = tuple[str, str]  # (delivery mode, category)


@dataclass
class _Edge:
    to: int
    capacity: int
    cost: int
    reverse: int
    flow: int = 0


@dataclass
class _Network:
    """A tiny min-cost max-flow (successive shortest paths with Bellman-Ford)."""

    size: int = 0
    edges: list[list[_Edge]] = field(default_factory=list)

    def node(self) -> int:
        self.edges.append([])
        self.size += 1
        return self.size - 1

    def edge(self, source: int, target: int, capacity: int, cost: int = 0) -> _Edge:
        forward = _Edge(target, capacity, cost, len(self.edges[target]))
        self.edges[source].append(forward)
        self.edges[target].append(_Edge(source, 0, -cost, len(self.edges[source]) - 1))
        return forward

    def run(self, source: int, sink: int) -> None:
        while True:
            distance: list[int | None] = [None] * self.size
            came: list[tuple[int, int] | None] = [None] * self.size
            distance[source] = 0
            changed = True
            while changed:
                changed = False
                for u in range(self.size):
                    du = distance[u]
                    if du is None:
                        continue
                    for i, e in enumerate(self.edges[u]):
                        dv = distance[e.to]
                        if e.capacity - e.flow > 0 and (dv is None or du + e.cost < dv):
                            distance[e.to] = du + e.cost
                            came[e.to] = (u, i)
                            changed = True
            if distance[sink] is None:
                return
            push, v = None, sink
            while v != source:
                step = came[v]
                assert step is not None
                e = self.edges[step[0]][step[1]]
                push = e.capacity - e.flow if push is None else min(push, e.capacity - e.flow)
                v = step[0]
            assert push is not None
            v = sink
            while v != source:
                step = came[v]
                assert step is not None
                e = self.edges[step[0]][step[1]]
                e.flow += push
                self.edges[e.to][e.reverse].flow -= push
                v = step[0]


@dataclass(frozen=True)
class _Counting:
    counted: dict[Cell, int]
    caps: tuple[CapResult, ...]
    removed_by: dict[Cell, str]  # the first cap that kept minutes of a cell from counting


def _count(
    caps: Sequence[Cap], required: int, minimums: Mapping[str, int], cells: Mapping[Cell, int]
) -> _Counting:
    """How many minutes of each (mode, category) cell count under the caps."""
    limits = [cap.limit(required) for cap in caps]
    in_scope = [
        sum(m for (mode, cat), m in cells.items() if mode in cap.modes or cat == cap.category)
        for cap in caps
    ]
    if all(taken <= limit for taken, limit in zip(in_scope, limits, strict=True)):
        counted = dict(cells)
        results = tuple(
            CapResult(cap.label, limit, taken, taken, 0)
            for cap, limit, taken in zip(caps, limits, in_scope, strict=True)
        )
        return _Counting(counted, results, {})
    counted = _allocate(caps, limits, minimums, cells)
    removed_by: dict[Cell, str] = {}
    left = {cell: cells[cell] - counted[cell] for cell in cells}
    order = sorted(
        range(len(caps)), key=lambda i: (caps[i].category is not None, len(caps[i].modes), i)
    )
    removed = [0] * len(caps)
    for i in order:
        cap = caps[i]
        scope = [c for c in cells if c[0] in cap.modes or c[1] == cap.category]
        if sum(counted[c] for c in scope) < limits[i]:
            continue  # not full: it removed nothing
        for cell in scope:
            if left[cell]:
                removed[i] += left[cell]
                removed_by.setdefault(cell, cap.label)
                left[cell] = 0
    results = tuple(
        CapResult(
            cap.label,
            limits[i],
            in_scope[i],
            sum(
                m for (mode, cat), m in counted.items() if mode in cap.modes or cat == cap.category
            ),
            removed[i],
        )
        for i, cap in enumerate(caps)
    )
    return _Counting(counted, results, removed_by)


def _allocate(
    caps: Sequence[Cap],
    limits: Sequence[int],
    minimums: Mapping[str, int],
    cells: Mapping[Cell, int],
) -> dict[Cell, int]:
    """The counted minutes per cell (every cap's limit is already known to be exceeded by one)."""
    if len(caps) == 1 and caps[0].modes:
        return _one_mode_cap(caps[0], limits[0], minimums, cells)
    return _flow(caps, limits, minimums, cells)


def _one_mode_cap(
    cap: Cap, limit: int, minimums: Mapping[str, int], cells: Mapping[Cell, int]
) -> dict[Cell, int]:
    """The flow's answer for the common rule of one delivery-mode cap, without the flow.

    Minutes outside the cap all count; inside it, the limit goes first to categories whose
    minimum the outside minutes leave unmet, then to the rest in cell order.
    """
    counted = {cell: (0 if cell[0] in cap.modes else m) for cell, m in cells.items()}
    outside: dict[str, int] = {}
    for (_, category), minutes in counted.items():
        outside[category] = outside.get(category, 0) + minutes
    inside = sorted(cell for cell in cells if cell[0] in cap.modes)
    left = limit
    for category in sorted(minimums):
        need = minimums[category] - outside.get(category, 0)
        for cell in inside:
            if need <= 0 or left <= 0:
                break
            if cell[1] == category:
                take = min(cells[cell], need, left)
                counted[cell] += take
                need -= take
                left -= take
    for cell in inside:
        if left <= 0:
            break
        take = min(cells[cell] - counted[cell], left)
        counted[cell] += take
        left -= take
    return counted


def _flow(
    caps: Sequence[Cap],
    limits: Sequence[int],
    minimums: Mapping[str, int],
    cells: Mapping[Cell, int],
) -> dict[Cell, int]:
    """The counted minutes per cell: as many as the caps allow, minimums filled first."""
    infinite = sum(cells.values()) + 1
    net = _Network()
    source, sink = net.node(), net.node()
    mode_caps = sorted(
        (i for i, cap in enumerate(caps) if cap.modes), key=lambda i: (len(caps[i].modes), i)
    )
    cap_node = {i: net.node() for i in mode_caps}
    for i in mode_caps:  # from the smallest cap holding it (or the source) into each cap
        parents = [j for j in mode_caps if caps[i].modes < caps[j].modes]
        parent = cap_node[min(parents, key=lambda j: len(caps[j].modes))] if parents else source
        net.edge(parent, cap_node[i], limits[i])
    modes = sorted({mode for mode, _ in cells})
    mode_node = {}
    for mode in modes:
        holding = [i for i in mode_caps if mode in caps[i].modes]
        inner = cap_node[min(holding, key=lambda j: len(caps[j].modes))] if holding else source
        mode_node[mode] = net.node()
        net.edge(inner, mode_node[mode], infinite)
    categories = sorted({cat for _, cat in cells})
    category_node = {cat: net.node() for cat in categories}
    cell_edge = {
        cell: net.edge(mode_node[cell[0]], category_node[cell[1]], minutes)
        for cell, minutes in sorted(cells.items())
    }
    category_limit = {cap.category: limits[i] for i, cap in enumerate(caps) if cap.category}
    for cat in categories:
        limit = category_limit.get(cat, infinite)
        fills = min(minimums.get(cat, 0), limit)
        net.edge(category_node[cat], sink, fills, cost=-1)
        net.edge(category_node[cat], sink, limit - fills)
    net.run(source, sink)
    return {cell: edge.flow for cell, edge in cell_edge.items()}


def _room(
    caps: Sequence[Cap], limits: Sequence[int], counted: Mapping[Cell, int]
) -> tuple[tuple[str, int | None], ...]:
    """Per delivery mode, how many more minutes could still count (None: no mode cap)."""
    room: list[tuple[str, int | None]] = []
    for mode in DELIVERY_MODES:
        spare = [
            limits[i] - sum(m for (md, _), m in counted.items() if md in cap.modes)
            for i, cap in enumerate(caps)
            if mode in cap.modes
        ]
        room.append((mode, max(0, min(spare)) if spare else None))
    return tuple(room)


# --- the standing of a cycle ----------------------------------------------------------------


def evaluate(
    rules: Rules,
    cycle: Cycle,
    activities: Iterable[Activity],
    as_of: date,
    carried_in: int = 0,
) -> Compliance:
    """The cycle's standing as of a day, from the holder's accepted activities."""
    notes: dict[str, str] = {}
    kept: list[Activity] = []
    seen_course: dict[str, Activity] = {}
    given = list(activities)
    for activity in sorted(given, key=lambda a: (a.day, a.key)):
        if activity.day not in cycle:
            notes[activity.key] = "not counted: outside this cycle"
        elif activity.day > as_of:
            notes[activity.key] = f"not counted: dated after {as_of.isoformat()}"
        elif activity.course is not None and activity.course in seen_course:
            first = seen_course[activity.course]
            notes[activity.key] = (
                f"not counted: the same course as {first.title or first.key} on "
                f"{first.day.isoformat()} (a course counts once per cycle)"
            )
        else:
            if activity.course is not None:
                seen_course[activity.course] = activity
            kept.append(activity)
    cells: dict[Cell, int] = {}
    for activity in kept:
        for part in activity.parts:
            cell = (activity.mode, part.category)
            cells[cell] = cells.get(cell, 0) + part.minutes
    result, counting = _standing(rules, cycle, cells, as_of, carried_in)
    remaining = dict(counting.counted)
    per_activity: dict[str, tuple[int, str]] = {}
    for activity in kept:  # counted minutes of a cell go to its earliest activities
        got, cap_label = 0, ""
        for part in activity.parts:
            cell = (activity.mode, part.category)
            take = min(part.minutes, remaining[cell])
            remaining[cell] -= take
            got += take
            if take < part.minutes:
                cap_label = cap_label or counting.removed_by.get(cell, "")
        note = ""
        if got < activity.minutes:
            note = (
                f"{'partly counted' if got else 'not counted'}: over the cap '{cap_label}'"
                if cap_label
                else "partly counted"
            )
        per_activity[activity.key] = (got, note)
    results = tuple(
        ActivityResult(
            a.key,
            a.minutes,
            per_activity.get(a.key, (0, ""))[0],
            notes.get(a.key) or per_activity.get(a.key, (0, ""))[1],
        )
        for a in given
    )
    return replace(result, activities=results)


def evaluate_cells(
    rules: Rules,
    cycle: Cycle,
    cells: Mapping[Cell, int],
    as_of: date,
    carried_in: int = 0,
) -> Compliance:
    """The standing from minutes already summed per (mode, category) (for reports in bulk).

    The caller has dropped activities outside the cycle and repeated courses.
    """
    return _standing(rules, cycle, cells, as_of, carried_in)[0]


def _standing(
    rules: Rules, cycle: Cycle, cells: Mapping[Cell, int], as_of: date, carried_in: int
) -> tuple[Compliance, _Counting]:
    if carried_in < 0:
        raise ValueError("carried-in minutes cannot be negative")
    required, minimums = prorated(rules, cycle)
    counting = _count(rules.caps, required, minimums, cells)
    own = sum(counting.counted.values())
    per_category: dict[str, int] = {}
    for (_, category), minutes in sorted(counting.counted.items()):
        per_category[category] = per_category.get(category, 0) + minutes
    categories = tuple(
        CategoryResult(m.category, m.name, minimums[m.category], per_category.get(m.category, 0))
        for m in rules.minimums
    )
    counted = own + carried_in
    met = counted >= required and all(c.missing == 0 for c in categories)
    status = "compliant" if met else ("short" if as_of > cycle.end else "not_yet_due")
    needs = [Need(c.category, c.name, c.missing) for c in categories if c.missing]
    more = max(0, required - counted) - sum(n.minutes for n in needs)
    if more > 0:
        needs.append(Need(None, "any category", more))
    carry_out = min(rules.carry_over_minutes, max(0, own - required))
    standing = Compliance(
        cycle=cycle,
        as_of=as_of,
        required=required,
        counted=counted,
        carried_in=carried_in,
        carry_out=carry_out,
        status=status,
        categories=categories,
        by_category=tuple(sorted(per_category.items())),
        caps=counting.caps,
        activities=(),
        needs=tuple(needs),
        cells=tuple(sorted(counting.counted.items())),
        rules=rules,
    )
    return standing, counting


def standing_status(
    rules: Rules, cycle: Cycle, cells: Mapping[Cell, int], as_of: date, carried_in: int = 0
) -> tuple[str, int, int]:
    """(status, counted, required) alone: `evaluate_cells` without the rest, for boards in bulk.

    The same counting as `evaluate_cells` (a test checks they agree), at a fraction of the
    cost: it builds no result objects.
    """
    required, minimums = prorated(rules, cycle)
    caps = rules.caps
    counted_cells: Mapping[Cell, int] = cells
    if caps:
        limits = [cap.limit(required) for cap in caps]
        for cap, limit in zip(caps, limits, strict=True):
            taken = sum(
                m for (mode, cat), m in cells.items() if mode in cap.modes or cat == cap.category
            )
            if taken > limit:
                counted_cells = _allocate(caps, limits, minimums, cells)
                break
    counted = sum(counted_cells.values()) + carried_in
    met = counted >= required
    if met and minimums:
        per: dict[str, int] = {}
        for (_, category), minutes in counted_cells.items():
            per[category] = per.get(category, 0) + minutes
        met = all(per.get(category, 0) >= need for category, need in minimums.items())
    if met:
        return "compliant", counted, required
    return ("short" if as_of > cycle.end else "not_yet_due"), counted, required


def missing_text(needs: Sequence[Need], show_ceus: bool = False) -> str:
    """What is missing in words: "4.5 ethics hours and 3.5 more hours"."""
    pieces = []
    for need in needs:
        amount = amount_text(need.minutes, show_ceus, unit=False)
        name = amount_text(need.minutes, show_ceus)
        unit = name.split(" ", 1)[1]
        if need.category is None:
            pieces.append(f"{amount} more {unit}" if len(needs) > 1 else name)
        else:
            pieces.append(f"{amount} {_phrase(need.name)} {unit}")
    if not pieces:
        return "nothing"
    return pieces[0] if len(pieces) == 1 else ", ".join(pieces[:-1]) + " and " + pieces[-1]


def summarise(
    status: str,
    cycle: Cycle,
    as_of: date,
    required: int,
    counted: int,
    needs: Sequence[Need],
    carry_out: int,
    ceu: bool = False,
) -> str:
    """One sentence: "4.5 ethics hours missing, 61 days left"."""
    if status == "compliant":
        if required == 0:
            return "No continuing education is required in this cycle."
        text = (
            f"Complete: {amount_text(counted, ceu)} of {amount_text(required, ceu, False)} counted"
        )
        if carry_out:
            text += f"; {amount_text(carry_out, ceu)} carry over to the next cycle"
        return text + "."
    missing = missing_text(needs, ceu)
    days = (cycle.end - as_of).days
    if status == "short":
        return f"{missing} missing; the cycle ended on {cycle.end.isoformat()}."
    left = "last day today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
    return f"{missing} missing, {left}"
