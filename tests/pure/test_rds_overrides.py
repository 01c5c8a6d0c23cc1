"""``analyze(retained_overrides=...)``: a psychometrician's keep/drop decision per task."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rds.analysis.engine import analyze

TASKS = ["T1", "T2", "T3", "T4"]
DOMAINS = ["Alpha", "Alpha", "Beta", "Gamma"]


def survey(n: int = 60, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = np.array([3.0, 2.5, 3.2, 1.0])
    person = rng.normal(0, 0.5, (n, 1))
    imp = np.clip(np.rint(base + person + rng.normal(0, 0.7, (n, 4))), 0, 4)
    freq = np.clip(np.rint(base - 0.3 + person + rng.normal(0, 0.7, (n, 4))), 0, 4)
    return imp, freq


def by_id(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    doc = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    return {t["task_id"]: t for t in doc["tasks"]}


def test_without_overrides_every_task_is_decided_by_the_criteria() -> None:
    imp, freq = survey()
    tasks = by_id(analyze(TASKS, DOMAINS, imp, freq, items=20))
    assert {t["retained_by"] for t in tasks.values()} == {"criteria"}
    assert not tasks["T4"]["retained"]


def test_forced_keep_and_drop_change_weights_and_items() -> None:
    imp, freq = survey()
    plain = by_id(analyze(TASKS, DOMAINS, imp, freq, items=20))
    result = analyze(
        TASKS, DOMAINS, imp, freq, items=20, retained_overrides={"T4": True, "T2": False}
    )
    tasks = by_id(result)
    assert tasks["T4"]["retained"] and tasks["T4"]["retained_by"] == "override"
    assert not tasks["T2"]["retained"] and tasks["T2"]["retained_by"] == "override"
    assert tasks["T2"]["weight"] == 0.0 and tasks["T2"]["items"] == 0
    assert tasks["T1"]["retained_by"] == "criteria"
    # weights are renormalised over the retained set decided after the overrides
    kept = ["T1", "T3", "T4"]
    total = math.fsum(tasks[t]["criticality"] for t in kept)
    for t in kept:
        assert tasks[t]["weight"] == pytest.approx(tasks[t]["criticality"] / total, abs=1e-15)
    assert tasks["T4"]["items"] > 0 and plain["T4"]["items"] == 0
    gamma = result.domains[2]
    assert gamma.n_retained == 1 and gamma.items == tasks["T4"]["items"]
    assert sum(d.items for d in result.domains) == 20
    # the statistics themselves do not change
    assert tasks["T2"]["criticality"] == plain["T2"]["criticality"]


def test_override_that_agrees_with_the_criteria_is_still_reported() -> None:
    imp, freq = survey()
    tasks = by_id(analyze(TASKS, DOMAINS, imp, freq, items=20, retained_overrides={"T1": True}))
    assert tasks["T1"]["retained"] and tasks["T1"]["retained_by"] == "override"


def test_unknown_task_is_refused() -> None:
    imp, freq = survey()
    with pytest.raises(ValueError, match="unknown task id 'X9'"):
        analyze(TASKS, DOMAINS, imp, freq, retained_overrides={"X9": True})


def test_keeping_a_task_without_criticality_warns_and_leaves_it_out() -> None:
    imp, freq = survey()
    imp[:, 3] = np.nan
    freq[:, 3] = np.nan
    result = analyze(TASKS, DOMAINS, imp, freq, items=20, retained_overrides={"T4": True})
    tasks = by_id(result)
    assert not tasks["T4"]["retained"] and tasks["T4"]["weight"] == 0.0
    assert any("T4 cannot be kept by override" in w for w in result.warnings)
