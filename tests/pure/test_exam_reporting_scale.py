"""The board's reporting scale (exams/scoring.py ReportingScale) against hand-worked cases.

Scale 200-800 with 500 to pass, a 100-item form whose cut needs 70 correct:
below the cut 300 scaled points share 70 raw points (30/7 each), above it 300 share 30
(10 each).
"""

from __future__ import annotations

import numpy as np
import pytest

from exams.scoring import ReportingScale

SCALE = ReportingScale(low=200, passing=500, high=800)


@pytest.mark.parametrize(
    ("raw", "scaled"),
    [
        (0, 200),  # the bottom of the scale
        (35, 350),  # 200 + 35 * 300 / 70
        (69, 496),  # 200 + 69 * 300 / 70 = 495.71 -> 496
        (70, 500),  # the lowest passing raw score is the passing scaled score
        (71, 510),  # 500 + 1 * 300 / 30
        (85, 650),  # 500 + 15 * 10
        (100, 800),  # every item right: the top of the scale
    ],
)
def test_hand_worked_points(raw: int, scaled: int) -> None:
    assert SCALE.apply([raw], 100, 70).tolist() == [float(scaled)]


def test_half_rounds_up() -> None:
    # 200 + 7 * 300 / 8 = 462.5 -> 463; 500 + 1 * 300 / 8 = 537.5 -> 538
    assert SCALE.apply([7, 9], 16, 8).tolist() == [463.0, 538.0]


def test_a_failing_score_never_reads_as_passing() -> None:
    # 1000 items, 700 needed: 200 + 699 * 300 / 700 = 499.57 would round to 500
    assert SCALE.apply([699, 700], 1000, 700).tolist() == [499.0, 500.0]


def test_pass_fail_reads_the_same_on_both_scales() -> None:
    raw = np.arange(0, 151)
    for needed in (1, 37, 97, 149, 150):
        scaled = SCALE.apply(raw, 150, needed)
        assert ((scaled >= 500) == (raw >= needed)).all()
        assert (np.diff(scaled) >= 0).all()  # more correct, never a lower score
        assert scaled.min() >= 200 and scaled.max() <= 800


def test_edges_of_the_cut() -> None:
    # nothing needed: 0 correct passes and reports as 500
    assert SCALE.apply([0, 10], 10, 0).tolist() == [500.0, 800.0]
    # every item needed: only a full score passes, and it reports as the passing score
    assert SCALE.apply([9, 10], 10, 10).tolist() == [470.0, 500.0]


def test_different_forms_report_the_same_passing_score() -> None:
    assert SCALE.apply([61], 80, 61).tolist() == SCALE.apply([97], 150, 97).tolist() == [500.0]


@pytest.mark.parametrize(("low", "passing", "high"), [(500, 500, 800), (200, 800, 800), (-1, 5, 9)])
def test_a_scale_out_of_order_is_refused(low: int, passing: int, high: int) -> None:
    with pytest.raises(ValueError, match="lowest score < passing score < highest"):
        ReportingScale(low, passing, high)


def test_needed_outside_the_form_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and the number of items"):
        SCALE.apply([3], 10, 11)


def test_the_command_line_reports_on_the_same_scale(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``python -m exams analyze --cut 2.4 --reporting-scale 200,500,800``: 4 scored items,
    3 needed: 0 -> 200, 1 -> 300, 2 -> 400, 3 -> 500, 4 -> 800, as the site reports them."""
    import json

    from tests.pure.test_exam_cli import KEY_CSV, responses_csv, run, write

    key = write(tmp_path, "key.csv", KEY_CSV)
    responses = write(tmp_path, "responses.csv", responses_csv())
    code, out = run(tmp_path, key, responses, "--cut", "2.4", "--reporting-scale", "200,500,800")
    assert code == 0, capsys.readouterr().err
    doc = json.loads(out.read_text())
    expected = {0: 200, 1: 300, 2: 400, 3: 500, 4: 800}
    assert {c["raw"] for c in doc["candidates"]} >= {1, 2, 3, 4}
    for candidate in doc["candidates"]:
        assert candidate["scaled"] == expected[candidate["raw"]]
    assert doc["scale"] == {"low": 200, "passing": 500, "high": 800}
    code, _ = run(tmp_path, key, responses, "--reporting-scale", "200,500,800")
    assert code == 2 and "--reporting-scale needs --cut" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(tmp_path, key, responses, "--cut", "2.4", "--reporting-scale", "500,200,800")
    assert "is not LOW,PASSING,HIGH" in capsys.readouterr().err
