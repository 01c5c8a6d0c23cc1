"""The analysis result reads back from its stored JSON: ``from_dict(to_dict(r)) == r``."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from rds.analysis.engine import AnalysisResult, analyze
from rds.analysis.results import AnalysisOptions, TaskResult
from rds.survey.io import read_survey


def _sample_dir() -> Path | None:
    candidates = []
    env = os.environ.get("PEERCERT_SHARED")
    if env:
        candidates += [Path(env) / "data" / "rds_sample", Path(env) / "rds_sample", Path(env)]
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "data" / "rds_sample")
    return next((f for f in candidates if (f / "tasks.csv").is_file()), None)


SAMPLE = _sample_dir()


def same(a: object, b: object, path: str = "$") -> None:
    """Equal, field by field, with NaN equal to NaN (a dataclass's == says NaN != NaN)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), path
        for field in dataclasses.fields(a):
            same(getattr(a, field.name), getattr(b, field.name), f"{path}.{field.name}")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), path
        for key in a:
            same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b), path
    else:
        assert a == b and type(a) is type(b), f"{path}: {a!r} != {b!r}"


def stored(result: AnalysisResult) -> dict:
    """The result as the database holds it: its JSON, parsed again."""
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


def check_round_trip(result: AnalysisResult) -> None:
    back = AnalysisResult.from_dict(stored(result))
    same(back, result)
    assert back.to_dict() == result.to_dict()
    assert AnalysisResult.from_dict(result.to_dict()).to_dict() == result.to_dict()


@pytest.mark.skipif(SAMPLE is None, reason="shared RDS sample not found (set PEERCERT_SHARED)")
def test_the_shared_sample_reads_back_equal() -> None:
    assert SAMPLE is not None
    tasks, responses = read_survey(SAMPLE / "tasks.csv", SAMPLE / "responses.csv")
    result = analyze(
        tasks.task_ids,
        tasks.domains,
        responses.importance,
        responses.frequency,
        responses.demographics,
        items=120,
        population=1500,
        retained_overrides={"A01": False},
    )
    back = AnalysisResult.from_dict(stored(result))
    assert back == result  # no NaN anywhere: plain dataclass equality holds
    assert isinstance(back.tasks, tuple) and isinstance(back.tasks[0], TaskResult)
    assert back.scales["importance"].alpha_ci95 == result.scales["importance"].alpha_ci95
    assert isinstance(back.scales["importance"].alpha_ci95, tuple)
    assert back.tasks[0].retained_by == "override"
    check_round_trip(result)


def _random_survey(seed: int, respondents: int, tasks: int) -> dict:
    rng = np.random.default_rng(seed)
    importance = rng.integers(0, 5, size=(respondents, tasks)).astype(float)
    frequency = rng.integers(0, 5, size=(respondents, tasks)).astype(float)
    importance[rng.random(importance.shape) < 0.2] = np.nan
    frequency[rng.random(frequency.shape) < 0.2] = np.nan
    importance[:, 0] = np.nan  # a task nobody rated for importance
    frequency[:, 1] = 2.0  # a task without variance
    levels: list[str | None] = ["Peer", "Supervisor", "", None]  # blanks are in no subgroup
    roles = [levels[int(k)] for k in rng.integers(0, len(levels), size=respondents)]
    return {
        "task_ids": [f"T{j:02d}" for j in range(tasks)],
        "domains": [("Advocacy", "Ethics", "Recovery")[j % 3] for j in range(tasks)],
        "importance": importance,
        "frequency": frequency,
        "demographics": {"role": roles, "region": ["North"] * respondents},
    }


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_a_random_survey_with_missing_ratings_reads_back_equal(seed: int) -> None:
    survey = _random_survey(seed, respondents=60, tasks=9)
    result = analyze(
        **survey,
        items=40,
        method="product-of-means",
        importance_min=1.5,
        population=50,  # fewer incumbents than respondents: the margin of error is NaN
        min_group=5,
        min_per_domain=2,
        retained_overrides={"T02": True, "T03": False},
    )
    assert result.sample_size is not None and math.isnan(result.sample_size.margin_of_error)
    assert any(t.mean_importance is None for t in result.tasks)
    assert result.subgroups and result.warnings
    check_round_trip(result)
    back = AnalysisResult.from_dict(stored(result))
    assert back.sample_size is not None and math.isnan(back.sample_size.margin_of_error)
    assert back.options == result.options and back.tasks == result.tasks


def test_one_respondent_reads_back_equal() -> None:
    result = analyze(
        ["A01", "A02", "B01"],
        ["Advocacy", "Advocacy", "Ethics"],
        np.array([[3.0, 4.0, np.nan]]),
        np.array([[2.0, np.nan, 1.0]]),
        {"role": ["Peer"]},
        items=10,
        population=10,
        min_group=1,
    )
    assert result.n_respondents == 1
    assert result.scales["importance"].alpha is None
    assert all(v.value is None for v in result.scales["frequency"].icc.values())
    check_round_trip(result)


def test_a_document_missing_later_keys_reads_with_neutral_values() -> None:
    """Stored or hand-made documents may lack keys; the readers assumed these values."""
    task = {"task_id": "A01", "domain": "Advocacy", "mean_importance": 3.0, "retained": True}
    document = {
        "n_respondents": 4,
        "tasks": [task],
        "domains": [{"domain": "Advocacy", "weight": 1, "items": 5}],
        "sample_size": {"population": 10, "required": 10, "margin_of_error": None},
        "options": {"items": 5, "min_group": 2},
    }
    result = AnalysisResult.from_dict(document)
    assert result.tasks[0].retained_by == "criteria" and result.tasks[0].n_importance == 0
    assert result.tasks[0].sd_importance is None and result.tasks[0].items == 0
    assert result.domains[0].weight == 1.0 and isinstance(result.domains[0].weight, float)
    assert result.options == AnalysisOptions(items=5, min_group=2)
    assert result.sample_size is not None and result.sample_size.achieved == 4
    assert result.scales == {} and result.subgroups == () and result.warnings == ()
    assert AnalysisResult.from_dict({}).total_items == 0
    assert document["tasks"] == [task]  # the input is left as it was


def test_the_result_records_are_frozen() -> None:
    result = AnalysisResult.from_dict({"tasks": [{"task_id": "A01", "domain": "Advocacy"}]})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.tasks[0].items = 3  # type: ignore[misc]
