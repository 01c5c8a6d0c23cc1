"""Form assembly (exams/assembly.py): the blueprint exactly, or the shortfall named."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest

from exams.assembly import (
    Assembly,
    AssemblyError,
    Candidate,
    DomainTarget,
    TaskTarget,
    assemble,
    targets_of,
)

BLUEPRINT = targets_of(
    [
        ("Advocacy", [("A01", 4), ("A02", 3)]),
        ("Ethics", [("E01", 3), ("E02", 2), ("E03", 0)]),
        ("Recovery", [("R01", 5)]),
    ]
)


def bank(per_task: dict[str, int], start: int = 1) -> list[Candidate]:
    """per_task: task code -> number of approved items (domain from the code's letter)."""
    domains = {"A": "Advocacy", "E": "Ethics", "R": "Recovery"}
    items, next_id = [], start
    for code, count in per_task.items():
        for _ in range(count):
            items.append(Candidate(next_id, domains[code[0]], code, version_id=next_id * 10))
            next_id += 1
    return items


def counts(result: Assembly) -> tuple[Counter[str], Counter[str]]:
    return (
        Counter(p.domain for p in result.items),
        Counter(p.task_code for p in result.items),
    )


def test_a_rich_bank_gives_the_blueprint_exactly() -> None:
    result = assemble(BLUEPRINT, bank({"A01": 9, "A02": 9, "E01": 9, "E02": 9, "R01": 9}), 7)
    domains, tasks = counts(result)
    assert domains == {"Advocacy": 7, "Ethics": 5, "Recovery": 5}
    assert tasks == {"A01": 4, "A02": 3, "E01": 3, "E02": 2, "R01": 5}
    assert result.meets_domains and result.meets_tasks and result.shortfalls == ()
    assert result.length == 17
    assert [p.position for p in result.items] == list(range(1, 18))
    # domain by domain, in blueprint order; the version travels with the item
    assert [p.domain for p in result.items] == ["Advocacy"] * 7 + ["Ethics"] * 5 + ["Recovery"] * 5
    assert all(p.version_id == p.item_id * 10 for p in result.items)
    report = {(t.domain, t.code): (t.target, t.assembled, t.available) for t in result.tasks}
    assert report[("Ethics", "E03")] == (0, 0, 0)
    assert report[("Advocacy", "A01")] == (4, 4, 9)
    assert [(d.name, d.target, d.assembled) for d in result.domains] == [
        ("Advocacy", 7, 7),
        ("Ethics", 5, 5),
        ("Recovery", 5, 5),
    ]


def test_a_short_task_is_made_up_within_its_domain_and_named() -> None:
    # E02 needs 2 but has 1; E01 has spare items, so Ethics still gets its 5
    result = assemble(BLUEPRINT, bank({"A01": 4, "A02": 3, "E01": 6, "E02": 1, "R01": 5}), 1)
    domains, tasks = counts(result)
    assert domains["Ethics"] == 5 and tasks["E01"] == 4 and tasks["E02"] == 1
    assert result.meets_domains and not result.meets_tasks
    (short,) = result.shortfalls
    assert (short.domain, short.task_code, short.missing) == ("Ethics", "E02", 1)
    assert "the bank has 1 approved item" in short.reason
    assert "made up from other tasks of Ethics" in short.reason
    assert short.describe().startswith("task E02 (Ethics): 1 item short")


def test_items_of_a_task_outside_the_targets_fill_a_short_domain() -> None:
    # E03 is in the blueprint with 0 items (not retained): its items make up Ethics
    result = assemble(BLUEPRINT, bank({"A01": 4, "A02": 3, "E01": 3, "E03": 4, "R01": 5}), 3)
    domains, tasks = counts(result)
    assert domains["Ethics"] == 5 and tasks["E03"] == 2
    assert [s.task_code for s in result.shortfalls] == ["E02"]


def test_a_short_domain_names_the_domain_and_its_tasks() -> None:
    result = assemble(BLUEPRINT, bank({"A01": 4, "A02": 3, "E01": 2, "E02": 1, "R01": 5}), 3)
    assert not result.meets_domains
    assert [(s.domain, s.task_code, s.missing) for s in result.shortfalls] == [
        ("Ethics", None, 2),
        ("Ethics", "E01", 1),
        ("Ethics", "E02", 1),
    ]
    assert result.shortfalls[0].describe() == (
        "Ethics: 2 items short — the bank has 3 approved items"
    )
    ethics = next(d for d in result.domains if d.name == "Ethics")
    assert (ethics.target, ethics.assembled, ethics.available) == (5, 3, 3)
    assert result.length == 15  # everything else is there


def test_items_classified_outside_the_blueprint_are_never_taken() -> None:
    items = bank({"A01": 4, "A02": 3, "E01": 3, "E02": 2, "R01": 5})
    strays = [Candidate(900, "Advocacy", "A99"), Candidate(901, "Crisis", "C01")]
    result = assemble(BLUEPRINT, items + strays, 5)
    assert {900, 901}.isdisjoint(p.item_id for p in result.items)
    assert result.meets_tasks


def test_enemies_never_share_a_form() -> None:
    items = bank({"A01": 6, "A02": 5, "E01": 5, "E02": 4, "R01": 8})
    rng = random.Random(0)
    ids = [c.item_id for c in items]
    enemies = {tuple(sorted(rng.sample(ids, 2))) for _ in range(40)}
    for seed in range(30):
        result = assemble(BLUEPRINT, items, seed, enemies=enemies)
        chosen = {p.item_id for p in result.items}
        assert not any(a in chosen and b in chosen for a, b in enemies), seed


def test_the_scarcest_task_is_filled_first() -> None:
    """R01 needs 1 and has r1 only; A01's a1 is an enemy of r1, a2 is not. The scarcest task
    is filled first, so whatever the seed the form has both tasks filled."""
    blueprint = targets_of([("Advocacy", [("A01", 1)]), ("Recovery", [("R01", 1)])])
    a1, a2 = Candidate(1, "Advocacy", "A01"), Candidate(2, "Advocacy", "A01")
    r1 = Candidate(3, "Recovery", "R01")
    for seed in range(40):
        result = assemble(blueprint, [a1, a2, r1], seed, enemies=[(1, 3)])
        assert {p.item_id for p in result.items} == {2, 3}, seed


def test_the_swap_repair_frees_a_blocked_task() -> None:
    """Equal slack, so the greedy order alone cannot help: x (task X) blocks both y1 and y2
    (task Y) unless x is replaced by x2."""
    blueprint = targets_of([("D", [("X", 1), ("Y", 1)])])
    x1, x2 = Candidate(1, "D", "X"), Candidate(2, "D", "X")
    y1 = Candidate(3, "D", "Y")
    met = 0
    for seed in range(40):
        result = assemble(blueprint, [x1, x2, y1, Candidate(4, "D", "Y")], seed, [(1, 3), (1, 4)])
        met += result.meets_tasks
        chosen = {p.item_id for p in result.items}
        assert chosen in ({2, 3}, {2, 4}), (seed, chosen)
    assert met == 40


def test_overlap_with_named_forms_is_limited_and_fresh_items_come_first() -> None:
    items = bank({"A01": 8, "A02": 6, "E01": 6, "E02": 4, "R01": 10})
    first = assemble(BLUEPRINT, items, 11)
    earlier = {"Form A": [p.item_id for p in first.items]}
    fresh = assemble(BLUEPRINT, items, 12, earlier_forms=earlier)
    # enough fresh items for all but E02 (4 items, 2 on Form A, 2 needed)
    assert fresh.overlap == (("Form A", 0),)
    tight = bank({"A01": 4, "A02": 3, "E01": 3, "E02": 2, "R01": 5})
    again = assemble(BLUEPRINT, tight, 13, earlier_forms={"Old": [c.item_id for c in tight]})
    assert again.overlap == (("Old", 17),) and again.meets_tasks  # no limit: all shared
    limited = assemble(
        BLUEPRINT, tight, 13, earlier_forms={"Old": [c.item_id for c in tight]}, max_overlap=10
    )
    assert limited.overlap == (("Old", 10),)
    assert limited.length == 10 and not limited.meets_domains
    assert all("ruled out by enemies or the overlap limit" in s.reason for s in limited.shortfalls)


def test_the_seed_reproduces_the_form_whatever_the_order_read() -> None:
    items = bank({"A01": 30, "A02": 30, "E01": 30, "E02": 30, "E03": 10, "R01": 30})
    enemies = [(1, 40), (2, 41), (5, 90)]
    one = assemble(BLUEPRINT, items, 2024, enemies)
    shuffled = list(items)
    random.Random(5).shuffle(shuffled)
    two = assemble(BLUEPRINT, shuffled, 2024, list(reversed(enemies)))
    assert one == two
    other = assemble(BLUEPRINT, items, 2025, enemies)
    assert {p.item_id for p in other.items} != {p.item_id for p in one.items}
    assert other.meets_tasks


def test_results_are_frozen() -> None:
    result = assemble(BLUEPRINT, bank({"R01": 5}), 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.seed = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("blueprint", "message"),
    [
        ((DomainTarget("D", 3, (TaskTarget("T", 2),)),), "do not add up"),
        ((DomainTarget("D", 1, (TaskTarget("T", 1),)),) * 2, "named twice"),
        ((DomainTarget("D", -1, (TaskTarget("T", -1),)),), "0 or more"),
    ],
)
def test_a_wrong_blueprint_is_refused(blueprint: tuple[DomainTarget, ...], message: str) -> None:
    with pytest.raises(AssemblyError, match=message):
        assemble(blueprint, [], 1)


def test_an_item_offered_twice_or_a_negative_limit_is_refused() -> None:
    with pytest.raises(AssemblyError, match="twice"):
        assemble(BLUEPRINT, [Candidate(1, "Recovery", "R01")] * 2, 1)
    with pytest.raises(AssemblyError, match="overlap"):
        assemble(BLUEPRINT, [], 1, max_overlap=-1)


def test_an_empty_bank_names_every_domain() -> None:
    result = assemble(BLUEPRINT, [], 1)
    assert result.items == ()
    assert [s.domain for s in result.shortfalls if s.task_code is None] == [
        "Advocacy",
        "Ethics",
        "Recovery",
    ]
