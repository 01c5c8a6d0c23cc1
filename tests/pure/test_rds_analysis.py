"""``rds.analysis.analyze``: edge cases give null + a warning, never NaN or a crash."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rds.analysis.engine import analyze

NAN = np.nan
TASKS = ["T1", "T2", "T3", "T4"]
DOMAINS = ["Alpha", "Alpha", "Beta", "Gamma"]


def survey(n: int = 60, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = np.array([3.0, 2.5, 3.2, 1.0])
    person = rng.normal(0, 0.5, (n, 1))
    imp = np.clip(np.rint(base + person + rng.normal(0, 0.7, (n, 4))), 0, 4)
    freq = np.clip(np.rint(base - 0.3 + person + rng.normal(0, 0.7, (n, 4))), 0, 4)
    return imp, freq


def strict_json(result) -> dict:
    """The document must serialise without NaN or infinity."""
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


def test_blueprint_and_retention() -> None:
    imp, freq = survey()
    doc = strict_json(analyze(TASKS, DOMAINS, imp, freq, items=20))
    tasks = {t["task_id"]: t for t in doc["tasks"]}
    assert not tasks["T4"]["retained"] and tasks["T4"]["weight"] == 0.0
    assert tasks["T4"]["items"] == 0
    assert sum(d["items"] for d in doc["domains"]) == 20
    gamma = doc["domains"][2]
    assert gamma == {
        "domain": "Gamma",
        "n_tasks": 1,
        "n_retained": 0,
        "weight": 0.0,
        "items": 0,
        "items_min": 0,  # never retained in any bootstrap resample either
        "items_max": 0,
    }
    assert any("Gamma has no retained task" in w for w in doc["warnings"])
    retained = [t for t in doc["tasks"] if t["retained"]]
    total = math.fsum(t["criticality"] for t in retained)
    for t in retained:
        assert t["weight"] == pytest.approx(t["criticality"] / total, abs=1e-15)
    assert doc["sample_size"] is None


def test_min_per_domain_and_methods() -> None:
    imp, freq = survey()
    for method in ("multiplicative", "product-of-means", "additive", "geometric"):
        doc = analyze(TASKS, DOMAINS, imp, freq, items=10, method=method, min_per_domain=4)
        items = [d.items for d in doc.domains]
        assert sum(items) == 10 and min(items[:2]) >= 4 and items[2] == 0
    with pytest.raises(ValueError, match="exceeds"):
        analyze(TASKS, DOMAINS, imp, freq, items=5, min_per_domain=4)


def test_zero_variance_gives_null_and_warnings() -> None:
    imp = np.full((10, 4), 3.0)
    freq = np.full((10, 4), 2.0)
    doc = strict_json(analyze(TASKS, DOMAINS, imp, freq, items=12))
    for scale in ("importance", "frequency"):
        block = doc["scales"][scale]
        assert block["alpha"] is None and block["alpha_ci95"] is None
        assert all(v["value"] is None and v["ci95"] is None for v in block["icc"].values())
    assert any("alpha of the importance ratings is undefined" in w for w in doc["warnings"])
    assert any("ICC1" in w and "undefined" in w for w in doc["warnings"])
    assert doc["tasks"][0]["sd_importance"] == 0.0
    assert sum(d["items"] for d in doc["domains"]) == 12


def test_single_respondent_and_no_respondents() -> None:
    imp, freq = survey(1)
    doc = strict_json(analyze(TASKS, DOMAINS, imp, freq, items=10))
    assert doc["n_respondents"] == 1
    assert doc["scales"]["importance"]["alpha"] is None
    assert doc["tasks"][0]["sd_importance"] is None
    assert any("single importance rating" in w for w in doc["warnings"])
    empty = np.empty((0, 4))
    doc = strict_json(analyze(TASKS, DOMAINS, empty, empty, items=10, population=100))
    assert doc["n_respondents"] == 0 and doc["tasks"][0]["mean_importance"] is None
    assert all(d["items"] == 0 for d in doc["domains"])
    assert any("No task is retained" in w for w in doc["warnings"])
    assert doc["sample_size"]["margin_of_error"] is None


def test_missing_ratings_and_incomplete_respondents() -> None:
    imp, freq = survey(40)
    imp[:, 1] = NAN  # nobody rated T2's importance
    imp[0, 0] = NAN
    doc = strict_json(analyze(TASKS, DOMAINS, imp, freq, items=10))
    assert doc["tasks"][1]["n_importance"] == 0 and doc["tasks"][1]["mean_importance"] is None
    assert not doc["tasks"][1]["retained"]
    # a task nobody rated is left out of the scale's reliability, which stands without it
    importance = doc["scales"]["importance"]
    assert importance["tasks_left_out"] == ["T2"] and importance["n_tasks"] == len(TASKS) - 1
    assert importance["n_complete"] == 39  # respondent 1 left T1 blank
    assert importance["icc"]["ICC2"]["value"] is not None and importance["alpha"] is not None
    assert importance["icc_shown"] == "mixed" and importance["mixed"]["n_ratings"] == 39 + 40 * (
        len(TASKS) - 2
    )
    assert doc["scales"]["frequency"]["n_complete"] == 40
    assert any("no importance ratings" in w for w in doc["warnings"])
    assert any("left out of the importance reliability: T2" in w for w in doc["warnings"])


def test_subgroups_and_demographics() -> None:
    imp, freq = survey(100)
    demo = {
        "role": ["Peer"] * 50 + ["Supervisor"] * 35 + ["Other"] * 10 + [""] * 5,
        "region": ["North"] * 100,
    }
    doc = strict_json(analyze(TASKS, DOMAINS, imp, freq, demo, items=10, min_group=30))
    assert doc["demographics"] == {
        "role": {"Peer": 50, "Supervisor": 35, "Other": 10},
        "region": {"North": 100},
    }
    groups = [(g["variable"], g["level"], g["n"]) for g in doc["subgroups"]]
    assert groups == [("role", "Peer", 50), ("role", "Supervisor", 35), ("region", "North", 100)]
    peer = doc["subgroups"][0]
    kept = [i for i, t in enumerate(doc["tasks"]) if t["retained"]]
    mine = (imp[:50] * freq[:50]).mean(axis=0)[kept]
    rest = (imp[50:] * freq[50:]).mean(axis=0)[kept]
    assert peer["r"] == pytest.approx(np.corrcoef(mine, rest)[0, 1], abs=1e-12)
    assert doc["subgroups"][2]["r"] is None  # everyone is in North
    assert any("North has everyone" in w for w in doc["warnings"])


def test_sample_size_warnings() -> None:
    imp, freq = survey(60)
    doc = analyze(TASKS, DOMAINS, imp, freq, population=2000).to_dict()
    assert doc["sample_size"]["required"] == 323 and doc["sample_size"]["achieved"] == 60
    assert any("fewer than the 323 required" in w for w in doc["warnings"])
    doc = strict_json(analyze(TASKS, DOMAINS, imp, freq, population=50))
    assert doc["sample_size"]["margin_of_error"] is None


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"items": -1}, "items"),
        ({"items": 2.5}, "items"),
        ({"method": "sum"}, "criticality method"),
        ({"performing_min": 1.5}, "performing_min"),
        ({"population": 0}, "population"),
        ({"min_group": 0}, "min_group"),
        ({"scale_min": 4, "scale_max": 4}, "scale_min"),
        ({"scale_max": 3}, "outside the scale"),
    ],
)
def test_option_and_input_checks(kwargs: dict, message: str) -> None:
    imp, freq = survey(10)
    with pytest.raises(ValueError, match=message):
        analyze(TASKS, DOMAINS, imp, freq, **kwargs)


def test_shape_checks() -> None:
    imp, freq = survey(10)
    with pytest.raises(ValueError, match="shape"):
        analyze(TASKS, DOMAINS, imp[:, :3], freq)
    with pytest.raises(ValueError, match="unique"):
        analyze(["T1", "T1", "T3", "T4"], DOMAINS, imp, freq)
    with pytest.raises(ValueError, match="one value per respondent"):
        analyze(TASKS, DOMAINS, imp, freq, {"role": ["a"]})
