"""Form assembly: pick approved items so that a form matches the blueprint, reproducibly.

Pure Python; no Flask, no SQLAlchemy. Plain values in (the blueprint's item counts per
domain and task, the approved items with their classification, enemy pairs, the items of
earlier forms), frozen dataclasses out.

The rules, in order of strength:

1. Each performance domain gets exactly the blueprint's number of items, when the bank has
   them; otherwise the shortfall is named.
2. Each task gets its blueprint number where the bank allows; a task short of items is made
   up from other tasks of the same domain (the deviation is named per task).
3. No two enemy items on one form.
4. At most ``max_overlap`` items shared with each named earlier form; items on no earlier
   form are preferred.
5. Everything else is decided by a ``random.Random(seed)``: the same bank, blueprint, seed
   and earlier forms give the same form, whatever order the items were read in.

Tasks are filled scarcest first (fewest spare items), and a task left short tries to free
an enemy-blocked item by swapping out the enemy that holds it, so that greediness does not
cost an avoidable shortfall.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaskTarget:
    """A task statement's number of items on the form."""

    code: str
    items: int


@dataclass(frozen=True)
class DomainTarget:
    """A performance domain's number of items, and its tasks' numbers (summing to it)."""

    name: str
    items: int
    tasks: tuple[TaskTarget, ...]


@dataclass(frozen=True)
class Candidate:
    """An approved item the form may take, with its classification."""

    item_id: int
    domain: str
    task_code: str
    version_id: int = 0


@dataclass(frozen=True)
class Picked:
    """An item on the assembled form, at its 1-based position."""

    position: int
    item_id: int
    version_id: int
    domain: str
    task_code: str


@dataclass(frozen=True)
class TaskCount:
    """Blueprint against form for one task: target, assembled, and approved items available."""

    domain: str
    code: str
    target: int
    assembled: int
    available: int

    @property
    def difference(self) -> int:
        return self.assembled - self.target


@dataclass(frozen=True)
class DomainCount:
    """Blueprint against form for one domain."""

    name: str
    target: int
    assembled: int
    available: int

    @property
    def difference(self) -> int:
        return self.assembled - self.target


@dataclass(frozen=True)
class Shortfall:
    """Items missing from a domain (task None) or from one task, and why."""

    domain: str
    task_code: str | None
    missing: int
    reason: str

    def describe(self) -> str:
        where = f"task {self.task_code} ({self.domain})" if self.task_code else self.domain
        noun = "item" if self.missing == 1 else "items"
        return f"{where}: {self.missing} {noun} short — {self.reason}"


@dataclass(frozen=True)
class Assembly:
    """An assembled form and how it compares with the blueprint."""

    seed: int
    items: tuple[Picked, ...]
    domains: tuple[DomainCount, ...]
    tasks: tuple[TaskCount, ...]
    shortfalls: tuple[Shortfall, ...]
    overlap: tuple[tuple[str, int], ...] = field(default=())  # (earlier form, items shared)

    @property
    def meets_domains(self) -> bool:
        """Every domain has exactly its blueprint number of items."""
        return all(d.assembled == d.target for d in self.domains)

    @property
    def meets_tasks(self) -> bool:
        """Every task has exactly its blueprint number of items too."""
        return all(t.assembled == t.target for t in self.tasks)

    @property
    def length(self) -> int:
        return len(self.items)


class AssemblyError(ValueError):
    """The request itself is wrong (not a shortfall of the bank)."""


def assemble(
    blueprint: Sequence[DomainTarget],
    candidates: Iterable[Candidate],
    seed: int,
    enemies: Iterable[tuple[int, int]] = (),
    earlier_forms: Mapping[str, Iterable[int]] | None = None,
    max_overlap: int | None = None,
) -> Assembly:
    """Assemble a form from ``candidates`` that matches ``blueprint``.

    Parameters
    ----------
    blueprint : sequence of DomainTarget
        Items per domain and per task, in blueprint order.
    candidates : iterable of Candidate
        The approved items available; one per item id (a repeated id is an error). Items
        classified to a domain or task the blueprint does not name are never taken.
    seed : int
        Seed of the random choices.
    enemies : iterable of (int, int)
        Pairs of item ids that must not both be on the form.
    earlier_forms : mapping of str to iterable of int, optional
        Named earlier forms and their item ids, for the overlap limit.
    max_overlap : int, optional
        Most items the form may share with each earlier form (None: no limit).

    Returns
    -------
    Assembly
        The items in form order (domain by domain, shuffled within a domain), the blueprint
        vs form counts per domain and task, and every shortfall named.
    """
    if max_overlap is not None and max_overlap < 0:
        raise AssemblyError("the overlap limit must be 0 or more")
    targets = _check_blueprint(blueprint)
    pool = sorted(candidates, key=lambda c: c.item_id)
    ids = [c.item_id for c in pool]
    if len(set(ids)) != len(ids):
        raise AssemblyError("an item is offered twice")
    rng = random.Random(seed)
    known_tasks = {(d.name, t.code) for d in blueprint for t in d.tasks}
    pool = [c for c in pool if (c.domain, c.task_code) in known_tasks]
    rng.shuffle(pool)
    earlier = {name: frozenset(items) for name, items in (earlier_forms or {}).items()}
    forms_of: dict[int, list[str]] = {}
    for name in sorted(earlier):
        for item_id in earlier[name]:
            forms_of.setdefault(item_id, []).append(name)
    # fresh items first (no earlier form), then by the shuffle: a stable sort keeps it
    pool.sort(key=lambda c: len(forms_of.get(c.item_id, ())))
    foes: dict[int, set[int]] = {}
    for a, b in enemies:
        if a != b:
            foes.setdefault(a, set()).add(b)
            foes.setdefault(b, set()).add(a)

    state = _State(foes, forms_of, max_overlap)
    by_task: dict[tuple[str, str], list[Candidate]] = {}
    for c in pool:
        by_task.setdefault((c.domain, c.task_code), []).append(c)

    # 1. each task its target, scarcest first (then blueprint order)
    order = sorted(
        (key for key in targets if targets[key] > 0),
        key=lambda key: (len(by_task.get(key, ())) - targets[key], list(targets).index(key)),
    )
    for key in order:
        _fill(state, by_task.get(key, []), targets[key])
    # 2. a short task: free an enemy-blocked item by swapping out the enemy holding it
    for key in order:
        while state.count(key) < targets[key] and _swap_in(state, key, by_task, targets):
            pass
    # 3. a domain still short: other tasks of the same domain make it up
    for domain in blueprint:
        missing = domain.items - state.domain_count(domain.name)
        if missing > 0:
            rest = [c for t in domain.tasks for c in by_task.get((domain.name, t.code), [])]
            _fill(state, rest, missing)

    return _result(seed, blueprint, targets, by_task, state, earlier, rng)


def _check_blueprint(blueprint: Sequence[DomainTarget]) -> dict[tuple[str, str], int]:
    targets: dict[tuple[str, str], int] = {}
    names = [d.name for d in blueprint]
    if len(set(names)) != len(names):
        raise AssemblyError("a domain is named twice in the blueprint")
    for domain in blueprint:
        if domain.items < 0 or any(t.items < 0 for t in domain.tasks):
            raise AssemblyError(f"domain {domain.name}: item counts must be 0 or more")
        if sum(t.items for t in domain.tasks) != domain.items:
            raise AssemblyError(
                f"domain {domain.name}: its tasks' items do not add up to its {domain.items}"
            )
        for task in domain.tasks:
            if (domain.name, task.code) in targets:
                raise AssemblyError(f"task {task.code} is named twice in {domain.name}")
            targets[(domain.name, task.code)] = task.items
    return targets


class _State:
    """The items chosen so far and what they rule out."""

    def __init__(
        self, foes: dict[int, set[int]], forms_of: dict[int, list[str]], max_overlap: int | None
    ) -> None:
        self.foes = foes
        self.forms_of = forms_of
        self.max_overlap = max_overlap
        self.chosen: dict[int, Candidate] = {}
        self.shared: dict[str, int] = {}
        self.per_task: dict[tuple[str, str], int] = {}
        self.per_domain: dict[str, int] = {}

    def count(self, key: tuple[str, str]) -> int:
        return self.per_task.get(key, 0)

    def domain_count(self, name: str) -> int:
        return self.per_domain.get(name, 0)

    def blocked_by(self, c: Candidate) -> set[int]:
        """The chosen enemies of c."""
        return self.foes.get(c.item_id, set()) & self.chosen.keys()

    def overlap_allows(self, c: Candidate) -> bool:
        if self.max_overlap is None:
            return True
        return all(
            self.shared.get(f, 0) < self.max_overlap for f in self.forms_of.get(c.item_id, ())
        )

    def fits(self, c: Candidate) -> bool:
        return c.item_id not in self.chosen and not self.blocked_by(c) and self.overlap_allows(c)

    def add(self, c: Candidate) -> None:
        self.chosen[c.item_id] = c
        key = (c.domain, c.task_code)
        self.per_task[key] = self.per_task.get(key, 0) + 1
        self.per_domain[c.domain] = self.per_domain.get(c.domain, 0) + 1
        for f in self.forms_of.get(c.item_id, ()):
            self.shared[f] = self.shared.get(f, 0) + 1

    def remove(self, c: Candidate) -> None:
        del self.chosen[c.item_id]
        key = (c.domain, c.task_code)
        self.per_task[key] -= 1
        self.per_domain[c.domain] -= 1
        for f in self.forms_of.get(c.item_id, ()):
            self.shared[f] -= 1


def _fill(state: _State, pool: list[Candidate], wanted: int) -> None:
    """Take up to wanted more items of pool, in its order."""
    taken = 0
    for c in pool:
        if taken >= wanted:
            return
        if state.fits(c):
            state.add(c)
            taken += 1


def _swap_in(
    state: _State,
    key: tuple[str, str],
    by_task: dict[tuple[str, str], list[Candidate]],
    targets: dict[tuple[str, str], int],
) -> bool:
    """Put one blocked item of task key on the form by replacing the one enemy holding it
    with another item of the enemy's own task; True when it worked."""
    for c in by_task.get(key, []):
        if c.item_id in state.chosen:
            continue
        holders = state.blocked_by(c)
        if len(holders) != 1:
            continue
        holder = state.chosen[next(iter(holders))]
        holder_key = (holder.domain, holder.task_code)
        state.remove(holder)
        if not state.fits(c):
            state.add(holder)
            continue
        state.add(c)
        for r in by_task.get(holder_key, []):
            if r.item_id != holder.item_id and state.fits(r):
                state.add(r)
                return True
        state.remove(c)  # no replacement: put things back
        state.add(holder)
    return False


def _result(
    seed: int,
    blueprint: Sequence[DomainTarget],
    targets: dict[tuple[str, str], int],
    by_task: dict[tuple[str, str], list[Candidate]],
    state: _State,
    earlier: Mapping[str, frozenset[int]],
    rng: random.Random,
) -> Assembly:
    picked: list[Picked] = []
    domains: list[DomainCount] = []
    tasks: list[TaskCount] = []
    shortfalls: list[Shortfall] = []
    for domain in blueprint:
        mine = [c for c in state.chosen.values() if c.domain == domain.name]
        mine.sort(key=lambda c: c.item_id)
        rng.shuffle(mine)
        for c in mine:
            picked.append(Picked(len(picked) + 1, c.item_id, c.version_id, c.domain, c.task_code))
        available = 0
        for task in domain.tasks:
            key = (domain.name, task.code)
            have = len(by_task.get(key, ()))
            available += have
            tasks.append(TaskCount(domain.name, task.code, task.items, state.count(key), have))
        assembled = state.domain_count(domain.name)
        domains.append(DomainCount(domain.name, domain.items, assembled, available))
        short_tasks = []
        for task in domain.tasks:
            key = (domain.name, task.code)
            missing = targets[key] - state.count(key)
            if missing > 0:
                have = len(by_task.get(key, ()))
                reason = (
                    f"the bank has {have} approved item{'s' if have != 1 else ''}"
                    if have < targets[key]
                    else "its approved items are ruled out by enemies or the overlap limit"
                )
                if assembled >= domain.items:
                    reason += f"; made up from other tasks of {domain.name}"
                short_tasks.append(Shortfall(domain.name, task.code, missing, reason))
        if assembled < domain.items:
            reason = (
                f"the bank has {available} approved item{'s' if available != 1 else ''}"
                if available < domain.items
                else "its approved items are ruled out by enemies or the overlap limit"
            )
            shortfalls.append(Shortfall(domain.name, None, domain.items - assembled, reason))
        shortfalls.extend(short_tasks)
    overlap = tuple((name, len(earlier[name] & state.chosen.keys())) for name in sorted(earlier))
    return Assembly(seed, tuple(picked), tuple(domains), tuple(tasks), tuple(shortfalls), overlap)


def targets_of(
    domains: Iterable[tuple[str, Iterable[tuple[str, int]]]],
) -> tuple[DomainTarget, ...]:
    """Targets from (domain name, [(task code, items), ...]) pairs, domain items summed."""
    result = []
    for name, tasks in domains:
        task_targets = tuple(TaskTarget(code, items) for code, items in tasks)
        result.append(DomainTarget(name, sum(t.items for t in task_targets), task_targets))
    return tuple(result)
