"""Lawshe's CVR and the exact critical values of Ayre and Scally (2014), by hand."""

from __future__ import annotations

import pytest

from rds.workshop.cvr import critical_cvr, critical_essential, cvr, task_cvr

# Ayre and Scally (2014), Table 2 (alpha = 0.05, one-tailed): N, n_e critical, CVR critical
AYRE_SCALLY = [
    (5, 5, 1.000),
    (6, 6, 1.000),
    (7, 7, 1.000),
    (8, 7, 0.750),
    (9, 8, 0.778),
    (10, 9, 0.800),
    (11, 9, 0.636),
    (12, 10, 0.667),
    (13, 10, 0.538),
    (14, 11, 0.571),
    (15, 12, 0.600),
    (20, 15, 0.500),
    (25, 18, 0.440),
    (30, 20, 0.333),
    (40, 26, 0.300),
]


@pytest.mark.parametrize(("panel", "needed", "critical"), AYRE_SCALLY)
def test_exact_critical_values(panel: int, needed: int, critical: float) -> None:
    assert critical_essential(panel) == needed
    assert critical_cvr(panel) == pytest.approx(critical, abs=5e-4)


def test_small_panels_have_no_critical_value_and_cvr_is_lawshe() -> None:
    assert critical_essential(4) is None and critical_cvr(4) is None
    assert cvr(12, 12) == 1.0 and cvr(6, 12) == 0.0 and cvr(0, 12) == -1.0
    assert cvr(9, 12) == pytest.approx(0.5) and cvr(0, 0) is None
    with pytest.raises(ValueError):
        cvr(13, 12)
    row = task_cvr(10, 1, 1)
    assert row.panel == 12 and row.ratio == pytest.approx(2 / 3) and row.significant is True
    assert task_cvr(9, 2, 1).significant is False and task_cvr(2, 0, 0).significant is None
