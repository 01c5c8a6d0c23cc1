"""Random audit samples that anyone can draw again from the stored seed.

Pure: the population is plain (key, stratum) pairs; the seed is given, never taken from the
clock, so the same population and seed always give the same sample.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """Who was drawn: keys in ascending order, and per stratum how many of how many."""

    keys: tuple[int, ...]
    strata: tuple[tuple[str, int, int], ...]  # (stratum, drawn, population)


def sample_size(population: int, percent: int) -> int:
    """percent of population, rounded up (at least one person of a non-empty group)."""
    if not 1 <= percent <= 100:
        raise ValueError(f"percent must be 1 to 100, not {percent}")
    if population < 0:
        raise ValueError("a population cannot be negative")
    return -(-population * percent // 100)


def draw(
    population: Iterable[tuple[int, str]], percent: int, seed: int, stratified: bool = False
) -> Sample:
    """Draw percent of the population (of each stratum, when stratified) with the seed.

    The population is sorted by key first, so its order in the database does not matter;
    strata are drawn in the order of their names, each from the same seeded generator.
    """
    groups: dict[str, list[int]] = {}
    seen: set[int] = set()
    for key, stratum in population:
        if key in seen:
            raise ValueError(f"key {key} appears twice in the population")
        seen.add(key)
        groups.setdefault(stratum if stratified else "", []).append(key)
    generator = random.Random(seed)
    chosen: list[int] = []
    strata = []
    for stratum in sorted(groups):
        keys = sorted(groups[stratum])
        size = sample_size(len(keys), percent)
        chosen.extend(generator.sample(keys, size))
        strata.append((stratum, size, len(keys)))
    return Sample(tuple(sorted(chosen)), tuple(strata))
