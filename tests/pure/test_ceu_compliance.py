"""The CE compliance engine on every rule and boundary (ceu/compliance.py, no app needed)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceu.compliance import (
    RULE_TEXT,
    Activity,
    Cap,
    Cycle,
    Minimum,
    Part,
    Rules,
    amount_text,
    calendar_cycle,
    evaluate,
    evaluate_cells,
    prorated,
    renewal_cycle,
    rules_in_force,
    standing_status,
    whole_months,
)

H = 60
ICRC = Rules(20 * H, (Minimum("ethics", "Ethics", 6 * H),))
ONLINE = frozenset({"live_online", "self_study"})
CYCLE = Cycle(date(2025, 7, 1), date(2027, 6, 30), 24)
AS_OF = date(2027, 4, 30)  # 61 days before the cycle's last day


def act(key: str, minutes: int, category: str = "general", mode: str = "in_person", **kw):  # type: ignore[no-untyped-def]
    day = kw.pop("day", date(2026, 3, 1))
    return Activity.single(key, day, minutes, category, mode, **kw)


# --- totals and boundaries ------------------------------------------------------------------


def test_exactly_twenty_hours_with_six_in_ethics_is_compliant() -> None:
    result = evaluate(ICRC, CYCLE, [act("e", 6 * H, "ethics"), act("g", 14 * H)], AS_OF)
    assert result.status == "compliant"
    assert result.counted == 20 * H and result.missing == 0
    assert result.summary == "Complete: 20 hours of 20 counted."


def test_nineteen_point_nine_hours_is_short_by_a_tenth() -> None:
    result = evaluate(ICRC, CYCLE, [act("e", 6 * H, "ethics"), act("g", 14 * H - 6)], AS_OF)
    assert result.status == "not_yet_due"
    assert result.missing == 6
    assert result.summary == "0.1 hours missing, 61 days left"


def test_the_cycles_last_day_counts_and_the_next_day_does_not() -> None:
    last = act("last", 14 * H, day=CYCLE.end)
    after = act("after", 14 * H, day=CYCLE.end + timedelta(days=1))
    ethics = act("e", 6 * H, "ethics")
    on_time = evaluate(ICRC, CYCLE, [ethics, last], CYCLE.end)
    assert on_time.status == "compliant"
    late = evaluate(ICRC, CYCLE, [ethics, after], CYCLE.end + timedelta(days=1))
    assert late.status == "short"
    assert late.counted == 6 * H
    assert dict((a.key, a.note) for a in late.activities)["after"] == (
        "not counted: outside this cycle"
    )
    assert late.summary == "14 hours missing; the cycle ended on 2027-06-30."


def test_the_cycles_first_day_counts_and_the_day_before_does_not() -> None:
    result = evaluate(
        ICRC,
        CYCLE,
        [act("first", H, day=CYCLE.start), act("before", H, day=CYCLE.start - timedelta(1))],
        AS_OF,
    )
    assert result.counted == H


def test_activities_dated_after_as_of_do_not_count_yet() -> None:
    result = evaluate(ICRC, CYCLE, [act("soon", 2 * H, day=AS_OF + timedelta(days=1))], AS_OF)
    assert result.counted == 0
    assert result.activities[0].note == "not counted: dated after 2027-04-30"


def test_the_one_sentence_names_the_missing_category_and_the_days_left() -> None:
    result = evaluate(ICRC, CYCLE, [act("e", 90, "ethics"), act("g", 14 * H)], AS_OF)
    assert result.summary == "4.5 ethics hours missing, 61 days left"
    both = evaluate(ICRC, CYCLE, [act("e", 90, "ethics"), act("g", 6 * H)], AS_OF)
    assert both.summary == "4.5 ethics hours and 8 more hours missing, 61 days left"
    assert evaluate(ICRC, CYCLE, [], CYCLE.end).summary == "6 ethics hours and 14 more hours " + (
        "missing, last day today"
    )
    assert evaluate(ICRC, CYCLE, [], CYCLE.end - timedelta(1)).summary.endswith("1 day left")


def test_a_course_counts_once_per_cycle() -> None:
    first = act("r1", 3 * H, course="c7", title="WRAP facilitation", day=date(2026, 1, 5))
    again = act("r2", 3 * H, course="c7", title="WRAP facilitation", day=date(2026, 9, 5))
    result = evaluate(ICRC, CYCLE, [again, first], AS_OF)
    assert result.counted == 3 * H
    notes = {a.key: a.note for a in result.activities}
    assert notes["r1"] == ""
    assert notes["r2"].startswith("not counted: the same course as WRAP facilitation on 2026-01-05")


def test_the_same_course_in_the_next_cycle_counts_again() -> None:
    later = Cycle(date(2027, 7, 1), date(2029, 6, 30), 24)
    records = [act("r1", 3 * H, course="c7"), act("r2", 3 * H, course="c7", day=date(2028, 1, 1))]
    assert evaluate(ICRC, CYCLE, records, AS_OF).counted == 3 * H
    assert evaluate(ICRC, later, records, date(2028, 2, 1)).counted == 3 * H


# --- caps and how they meet category minimums -----------------------------------------------


HALF_ONLINE = Rules(20 * H, (Minimum("ethics", "Ethics", 6 * H),), (Cap("Online", 50, ONLINE),))


def test_a_mode_cap_removes_hours_past_half_the_total() -> None:
    result = evaluate(
        HALF_ONLINE, CYCLE, [act("o", 14 * H, mode="self_study"), act("p", 8 * H)], AS_OF
    )
    assert result.counted == 18 * H
    (cap,) = result.caps
    assert (cap.limit, cap.taken, cap.counted, cap.removed) == (10 * H, 14 * H, 10 * H, 4 * H)
    notes = {a.key: (a.counted, a.note) for a in result.activities}
    assert notes["o"] == (10 * H, "partly counted: over the cap 'Online'")
    assert notes["p"] == (8 * H, "")


def test_online_ethics_past_the_cap_count_first_and_the_rest_counts_for_nothing() -> None:
    """12 online hours (6 ethics, 6 general) under a 10-hour online cap: ethics comes first."""
    records = [
        act("general", 6 * H, "general", "self_study", day=date(2025, 8, 1)),
        act("ethics", 6 * H, "ethics", "live_online", day=date(2026, 8, 1)),
        act("room", 8 * H),
    ]
    result = evaluate(HALF_ONLINE, CYCLE, records, AS_OF)
    assert result.categories[0].counted == 6 * H  # all of ethics, though dated later
    assert result.counted == 18 * H  # 10 online + 8 in person: 2 general hours removed
    assert result.summary == "2 hours missing, 61 days left"


def test_ethics_hours_past_the_cap_do_not_count_toward_ethics_either() -> None:
    """14 online ethics hours, 10 may count: the 4 past the cap count toward nothing."""
    rules = Rules(20 * H, (Minimum("ethics", "Ethics", 12 * H),), (Cap("Online", 50, ONLINE),))
    result = evaluate(rules, CYCLE, [act("e", 14 * H, "ethics", "self_study")], AS_OF)
    assert result.categories[0].counted == 10 * H
    assert result.counted == 10 * H
    assert result.summary == "2 ethics hours and 8 more hours missing, 61 days left"
    assert dict(result.mode_room) == {"in_person": None, "live_online": 0, "self_study": 0}


def test_a_category_cap() -> None:
    rules = Rules(20 * H, caps=(Cap("Self-care", 25, category="self_care"),))
    result = evaluate(rules, CYCLE, [act("s", 8 * H, "self_care"), act("g", 14 * H)], AS_OF)
    assert result.counted == 19 * H
    assert result.caps[0].removed == 3 * H


def test_nested_mode_caps_name_the_inner_one_that_removed_hours() -> None:
    rules = Rules(
        20 * H,
        caps=(Cap("Online", 50, ONLINE), Cap("Self-study", 25, frozenset({"self_study"}))),
    )
    records = [act("s", 8 * H, mode="self_study"), act("l", 2 * H, mode="live_online")]
    result = evaluate(rules, CYCLE, records, AS_OF)
    assert result.counted == 7 * H
    online, self_study = result.caps
    assert (self_study.removed, online.removed) == (3 * H, 0)


def test_overlapping_mode_caps_are_refused() -> None:
    with pytest.raises(ValueError, match="nested or apart"):
        Rules(
            20 * H,
            caps=(
                Cap("A", 50, frozenset({"self_study", "live_online"})),
                Cap("B", 50, frozenset({"self_study", "in_person"})),
            ),
        )


def test_a_category_cap_below_its_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="could never be met"):
        Rules(20 * H, (Minimum("ethics", "Ethics", 6 * H),), (Cap("E", 25, category="ethics"),))


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Part("ethics", -1),
        lambda: Part("ethics", 1.5),  # type: ignore[arg-type]
        lambda: Activity.single("x", date(2026, 1, 1), 60, "ethics", "carrier pigeon"),
        lambda: Cap("both", 50, ONLINE, "ethics"),
        lambda: Cap("big", 120, ONLINE),
        lambda: Rules(10 * H, (Minimum("a", "A", 6 * H), Minimum("b", "B", 6 * H))),
        lambda: Rules(10 * H, rounding="sideways"),
        lambda: Cycle(date(2026, 1, 2), date(2026, 1, 1), 12),
    ],
)
def test_impossible_inputs_raise_value_error(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        bad()


# --- cycles, proration, carry-over ----------------------------------------------------------


def test_the_renewal_cycle_ends_on_expiry_and_a_first_one_starts_on_the_issue_day() -> None:
    assert renewal_cycle(date(2027, 6, 30), 24, date(2025, 6, 30)) == Cycle(
        date(2025, 6, 30), date(2027, 6, 30), 24, first=True
    )
    assert renewal_cycle(date(2029, 6, 30), 24, date(2025, 6, 30)) == Cycle(
        date(2027, 7, 1), date(2029, 6, 30), 24
    )


def test_calendar_periods_and_a_shorter_first_year() -> None:
    assert calendar_cycle(date(2026, 5, 1), 12, 2020) == Cycle(
        date(2026, 1, 1), date(2026, 12, 31), 12
    )
    assert calendar_cycle(date(2026, 5, 1), 24, 2025) == Cycle(
        date(2025, 1, 1), date(2026, 12, 31), 24
    )
    first = calendar_cycle(date(2026, 10, 1), 12, 2020, issued_on=date(2026, 9, 10))
    assert first == Cycle(date(2026, 9, 10), date(2026, 12, 31), 12, first=True)
    assert whole_months(first.start, first.end) == 3


SEED_004 = Rules(18 * H, (Minimum("peer", "Peer specific", 12 * H),), proration="proportional")


@pytest.mark.parametrize(
    ("rounding", "total", "peer"),
    [
        ("down_hour", 4 * H, 3 * H),  # 18 h x 3/12 = 4.5 h
        ("up_hour", 5 * H, 3 * H),
        ("nearest_hour", 5 * H, 3 * H),
        ("nearest_quarter", 4 * H + 30, 3 * H),
    ],
)
def test_first_cycle_proration_by_whole_months_held(rounding: str, total: int, peer: int) -> None:
    rules = Rules(18 * H, SEED_004.minimums, proration="proportional", rounding=rounding)
    first = Cycle(date(2026, 9, 10), date(2026, 12, 31), 12, first=True)
    assert prorated(rules, first) == (total, {"peer": peer})
    result = evaluate(
        rules, first, [act("p", peer, "peer", day=date(2026, 10, 1))], date(2026, 11, 1)
    )
    assert result.required == total and result.categories[0].required == peer


def test_no_proration_when_the_board_wants_none_or_the_cycle_is_full() -> None:
    first = Cycle(date(2026, 9, 10), date(2026, 12, 31), 12, first=True)
    assert prorated(Rules(18 * H), first) == (18 * H, {})
    full = Cycle(date(2026, 1, 1), date(2026, 12, 31), 12, first=True)
    assert prorated(SEED_004, full)[0] == 18 * H


def test_excess_hours_carry_over_up_to_the_limit_into_the_next_cycle_only() -> None:
    rules = Rules(20 * H, ICRC.minimums, carry_over_minutes=5 * H)
    records = [act("e", 6 * H, "ethics"), act("g", 22 * H)]
    assert evaluate(rules, CYCLE, records, AS_OF).carry_out == 5 * H
    small = [act("e", 6 * H, "ethics"), act("g", 16 * H)]
    assert evaluate(rules, CYCLE, small, AS_OF).carry_out == 2 * H
    assert evaluate(Rules(20 * H), CYCLE, records, AS_OF).carry_out == 0
    # carried-in hours count toward the total, not a category, and never carry again
    nxt = evaluate(rules, CYCLE, [act("e", 6 * H, "ethics"), act("g", 12 * H)], AS_OF, 5 * H)
    assert nxt.counted == 23 * H and nxt.status == "compliant" and nxt.carry_out == 0
    short = evaluate(rules, CYCLE, [act("g", 18 * H)], AS_OF, carried_in=5 * H)
    assert short.summary == "6 ethics hours missing, 61 days left"


def test_rules_in_force_on_the_first_day_else_the_first_to_start_during_the_cycle() -> None:
    versions = [(date(2020, 1, 1), "old"), (date(2026, 1, 1), "new")]
    assert rules_in_force(versions, CYCLE) == "old"
    assert rules_in_force([(date(2026, 1, 1), "new")], CYCLE) == "new"
    assert rules_in_force([(date(2030, 1, 1), "later")], CYCLE) is None


def test_ceus_are_shown_when_the_board_asks() -> None:
    assert amount_text(20 * H, show_ceus=True) == "2.0 CEUs"
    assert amount_text(270, show_ceus=True) == "0.45 CEUs"
    assert amount_text(10 * H, show_ceus=True) == "1.0 CEU"
    assert amount_text(H) == "1 hour" and amount_text(90) == "1.5 hours"
    rules = Rules(20 * H, ICRC.minimums, show_ceus=True)
    result = evaluate(rules, CYCLE, [act("e", 90, "ethics"), act("g", 14 * H)], AS_OF)
    assert result.summary == "0.45 ethics CEUs missing, 61 days left"


def test_cells_and_activities_agree() -> None:
    records = [act("e", 5 * H, "ethics", "self_study"), act("g", 9 * H, mode="live_online")]
    cells = {("self_study", "ethics"): 5 * H, ("live_online", "general"): 9 * H}
    by_activity = evaluate(HALF_ONLINE, CYCLE, records, AS_OF)
    by_cells = evaluate_cells(HALF_ONLINE, CYCLE, cells, AS_OF)
    assert by_cells.counted == by_activity.counted == 10 * H
    assert by_cells.summary == by_activity.summary


def test_the_rule_text_states_the_cap_and_minimum_rule() -> None:
    text = " ".join(RULE_TEXT)
    assert "count toward nothing" in text and "fill a category minimum count first" in text


# --- properties -----------------------------------------------------------------------------

CATEGORIES = ["ethics", "general", "peer", "self_care"]
MODES = ["in_person", "live_online", "self_study"]
RULE_SETS = [
    ICRC,
    HALF_ONLINE,
    Rules(
        20 * H,
        (Minimum("ethics", "Ethics", 6 * H), Minimum("peer", "Peer", 4 * H)),
        (
            Cap("Online", 50, ONLINE),
            Cap("Self-study", 25, frozenset({"self_study"})),
            Cap("Self-care", 20, category="self_care"),
        ),
        carry_over_minutes=5 * H,
    ),
]


@st.composite
def courses(draw):  # type: ignore[no-untyped-def]
    """A course: the same key always has the same minutes, categories and mode."""
    parts = draw(
        st.lists(
            st.tuples(st.sampled_from(CATEGORIES), st.integers(1, 40).map(lambda q: q * 15)),
            min_size=1,
            max_size=2,
            unique_by=lambda p: p[0],
        )
    )
    return tuple(Part(c, m) for c, m in parts), draw(st.sampled_from(MODES))


@st.composite
def activities(draw, catalogue):  # type: ignore[no-untyped-def]
    index = draw(st.integers(0, len(catalogue) - 1))
    parts, mode = catalogue[index]
    day = CYCLE.start + timedelta(days=draw(st.integers(-30, 760)))
    on_course = draw(st.booleans())
    key = f"k{draw(st.integers(0, 10**9))}"
    return Activity(key, day, mode, parts, course=f"c{index}" if on_course else None)


@st.composite
def scenario(draw):  # type: ignore[no-untyped-def]
    catalogue = draw(st.lists(courses(), min_size=1, max_size=6))
    records = draw(st.lists(activities(catalogue), max_size=12, unique_by=lambda a: a.key))
    extra = draw(activities(catalogue).filter(lambda a: a.key not in {r.key for r in records}))
    return draw(st.sampled_from(RULE_SETS)), records, extra


@settings(max_examples=300, deadline=None)
@given(scenario())
def test_adding_an_activity_never_lowers_the_counted_hours(case) -> None:  # type: ignore[no-untyped-def]
    rules, records, extra = case
    before = evaluate(rules, CYCLE, records, AS_OF)
    after = evaluate(rules, CYCLE, [*records, extra], AS_OF)
    assert after.counted >= before.counted
    assert sum(a.counted for a in after.activities) == after.counted
    assert all(0 <= a.counted <= a.minutes for a in after.activities)
    for cap in after.caps:
        assert cap.counted <= cap.limit
    # no cap removes more than it was given, and every removed minute is named
    capped_total = sum(a.minutes for a in after.activities if "cap" in a.note or not a.note)
    assert sum(c.removed for c in after.caps) == capped_total - after.counted


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ethics", "general"]), st.sampled_from(MODES), st.integers(0, 40)
        ),
        max_size=10,
    )
)
def test_one_cap_counts_what_is_outside_plus_at_most_the_limit_inside(rows) -> None:  # type: ignore[no-untyped-def]
    records = [act(f"r{i}", q * 15 or 15, c, m) for i, (c, m, q) in enumerate(rows)]
    result = evaluate(HALF_ONLINE, CYCLE, records, AS_OF)
    inside = sum(a.minutes for a in records if a.mode in ONLINE)
    outside = sum(a.minutes for a in records if a.mode not in ONLINE)
    assert result.counted == outside + min(inside, 10 * H)
    # and ethics is filled as far as the cap allows
    ethics_out = sum(
        a.minutes for a in records if a.mode not in ONLINE and a.parts[0].category == "ethics"
    )
    ethics_in = sum(
        a.minutes for a in records if a.mode in ONLINE and a.parts[0].category == "ethics"
    )
    assert result.categories[0].counted >= min(6 * H, ethics_out + min(ethics_in, 10 * H))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(RULE_SETS),
    st.dictionaries(
        st.tuples(st.sampled_from(MODES), st.sampled_from(CATEGORIES)),
        st.integers(0, 60).map(lambda q: q * 15),
        max_size=8,
    ),
    st.integers(0, 10).map(lambda q: q * 30),
    st.booleans(),
)
def test_the_quick_status_agrees_with_the_full_evaluation(rules, cells, carried, ended) -> None:  # type: ignore[no-untyped-def]
    as_of = CYCLE.end + timedelta(days=1) if ended else AS_OF
    full = evaluate_cells(rules, CYCLE, cells, as_of, carried)
    assert standing_status(rules, CYCLE, cells, as_of, carried) == (
        full.status,
        full.counted,
        full.required,
    )
