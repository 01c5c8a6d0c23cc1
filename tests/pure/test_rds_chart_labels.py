"""The importance-frequency chart's task labels never overlap, at 40 tasks and more."""

from __future__ import annotations

import random

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from rds.analysis.charts import CROWDED, importance_frequency_figure, place_labels


def test_place_labels_by_hand() -> None:
    bounds = (0.0, 0.0, 100.0, 100.0)
    # two labels on the same anchor: the second goes to the next free position
    offsets = place_labels([(50, 50), (50, 50)], [(10, 5), (10, 5)], [], bounds, gap=2)
    assert offsets == [(2, 2), (2, -7)]
    # an obstacle over the first place, the bounds over the left ones
    offsets = place_labels([(1, 50)], [(10, 5)], [(0, 50, 20, 60)], bounds, gap=2)
    assert offsets == [(2, -7)]
    # no room anywhere: the label is left out rather than drawn over something
    assert place_labels([(50, 50)], [(10, 5)], [(0, 0, 100, 100)], bounds) == [None]


def tasks(n: int, seed: int, spread: float) -> list[dict[str, object]]:
    """n tasks crowded around the importance minimum 2.0 (within `spread`)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        importance = rng.uniform(2.0 - spread, 2.0 + spread)
        out.append({"task_id": f"ME{i:02d}", "mean_frequency": rng.uniform(1.8, 2.6),
                    "mean_importance": importance, "retained": importance >= 2.0})  # fmt: skip
    return out


@pytest.mark.parametrize(("n", "seed", "spread"), [(40, 1, 0.3), (60, 2, 0.25), (120, 3, 0.2)])
def test_no_two_labels_overlap_when_crowded(n: int, seed: int, spread: float) -> None:
    figure = importance_frequency_figure(tasks(n, seed, spread), 2.0, 0.5)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = figure.axes[0]
    labels = [t for t in axes.texts if t.get_text().startswith("ME")]
    assert n > CROWDED and len(labels) >= 10  # many still labelled, the rest left to the table
    boxes = [t.get_window_extent(renderer) for t in labels]
    others = [t.get_window_extent(renderer) for t in axes.texts if t not in labels]
    drawn_legend = axes.get_legend()
    assert drawn_legend is not None
    legend = drawn_legend.get_window_extent(renderer)
    frame = axes.get_window_extent(renderer)
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[i + 1 :]), labels[i].get_text()
        assert not any(box.overlaps(other) for other in others)
        assert not box.overlaps(legend)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
        assert box.y1 <= frame.y1


def test_a_few_tasks_are_all_labelled() -> None:
    few = tasks(8, 4, 1.0)
    for i, task in enumerate(few):  # spread out: every label has room
        task["mean_frequency"], task["mean_importance"] = 1.0 + 0.3 * i, 1.2 + 0.25 * i
    figure = importance_frequency_figure(few, 2.0, 0.5)
    labels = {t.get_text() for t in figure.axes[0].texts}
    assert {f"ME{i:02d}" for i in range(8)} <= labels
