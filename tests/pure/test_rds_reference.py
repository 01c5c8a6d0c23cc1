"""The RDS engine reproduces the shared reference analysis (R psych / pingouin) to 1e-9."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from rds.analysis.engine import analyze
from rds.cli import main
from rds.survey.io import read_survey

TOLERANCE = 1e-9


def _sample_dir() -> Path | None:
    candidates = []
    env = os.environ.get("PEERCERT_SHARED")
    if env:
        candidates += [Path(env) / "data" / "rds_sample", Path(env) / "rds_sample", Path(env)]
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "data" / "rds_sample")
    for folder in candidates:
        if (folder / "reference.json").is_file():
            return folder
    return None


SAMPLE = _sample_dir()
pytestmark = pytest.mark.skipif(
    SAMPLE is None,
    reason="shared RDS sample not found: set PEERCERT_SHARED to the shared directory "
    "(holding data/rds_sample/reference.json) or place it at ../shared next to the repository",
)


@pytest.fixture(scope="module")
def reference() -> dict:
    assert SAMPLE is not None
    return json.loads((SAMPLE / "reference.json").read_text(encoding="utf-8"))


def assert_matches(expected: object, actual: object, path: str = "$") -> None:
    """Every figure of ``expected`` is in ``actual``: floats to 1e-9, the rest exactly."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        assert list(expected) == [k for k in actual if k in expected], f"key order at {path}"
        for key, value in expected.items():
            assert key in actual, f"{path}.{key} missing"
            assert_matches(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_matches(e, a, f"{path}[{i}]")
    elif isinstance(expected, float):
        assert isinstance(actual, float) and math.isfinite(actual), path
        assert abs(actual - expected) <= TOLERANCE, f"{path}: {actual!r} != {expected!r}"
    else:
        assert type(actual) is type(expected) and actual == expected, (
            f"{path}: {actual!r} != {expected!r}"
        )


def test_cli_reproduces_reference(tmp_path: Path, reference: dict, capsys) -> None:
    assert SAMPLE is not None
    out = tmp_path / "analysis.json"
    code = main(
        [
            "analyze",
            "--tasks",
            str(SAMPLE / "tasks.csv"),
            "--responses",
            str(SAMPLE / "responses.csv"),
            "--items",
            "120",
            "--population",
            "1500",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert_matches(reference, result)
    assert result["warnings"] == []
    printed = capsys.readouterr().out
    assert "Exam blueprint (120 items)" in printed and "Crisis Support" in printed


def test_engine_reproduces_reference(reference: dict) -> None:
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
    )
    document = result.to_dict()
    assert_matches(reference, document)
    assert sum(d["items"] for d in document["domains"]) == 120
    assert sum(t["items"] for t in document["tasks"]) == 120
    assert math.isclose(sum(t["weight"] for t in document["tasks"]), 1.0, abs_tol=1e-12)
