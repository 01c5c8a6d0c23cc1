"""Charts of a Role Delineation Study as PNG bytes, for the RDS report and the analysis pages.

Pure: takes the engine's records (:mod:`rds.analysis.results`; a plain mapping with the same
keys also serves, for data that is not an analysis) and returns PNG bytes. Uses matplotlib's
object API with the Agg canvas (no pyplot, no global state), so charts can be drawn from
several threads. Colours come from the Okabe-Ito colour-blind-safe palette, and every series
is also told apart by shape or by its printed number. The pixel size depends only on the
number of bars, never on the text drawn.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import PIL.Image
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from core.units import percent_text
from rds.analysis.results import DomainResult, ScaleResult, TaskResult
from rds.reliability import ALPHA_EXPECTED

__all__ = [
    "DPI",
    "demographics_bar",
    "domain_weights_bar",
    "importance_frequency_scatter",
    "reliability_chart",
]

DPI = 150
WIDTH = 6.4  # inches; the report scales charts to its text width
MAX_BARS = 15  # demographic levels drawn before the rest are pooled
MAX_TASK_LABELS = 100
CROWDED = 30  # more tasks than this: label only those not retained or near the threshold
NEAR_THRESHOLD = 0.25

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
INK = "#1d2329"
MUTED = "#5b6670"
GRID = "#d9dee3"

TITLE_SIZE = 11
LABEL_SIZE = 9
TICK_SIZE = 8.5
NOTE_SIZE = 8


def _figure(height: float, left: float = 0.75, width: float = WIDTH) -> tuple[Figure, Axes]:
    """A figure of a fixed size with one set of axes, `left` inches from its left edge.

    Margins are fixed rather than computed by a layout engine: measuring every text is what
    makes matplotlib slow, and a report draws many charts.
    """
    figure = Figure(figsize=(width, height), dpi=DPI)
    figure.subplots_adjust(
        left=left / width, right=1 - 0.2 / width, top=1 - 0.42 / height, bottom=0.55 / height
    )
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=TICK_SIZE, colors=INK)
    return figure, axes


def _png(figure: Figure) -> bytes:
    """The figure as an opaque RGB PNG without a software stamp (same data, same bytes).

    RGB rather than matplotlib's RGBA: a PDF then embeds one image instead of an image and
    its transparency mask.
    """
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    buffer = io.BytesIO()
    PIL.Image.fromarray(rgba[..., :3]).save(buffer, format="png", compress_level=6)
    return buffer.getvalue()


def _short(text: str, width: int, lines: int = 1) -> str:
    """Wrap text to `width` characters on at most `lines` lines, ending in "..." if cut."""
    wrapped = textwrap.wrap(str(text), width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: max(1, width - 3)].rstrip() + "..."
    return "\n".join(wrapped)


def _number(value: object) -> float | None:
    """A finite float, or None for a missing or non-finite statistic."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _field(record: object, name: str) -> Any:
    """A field of an engine record, or the value under that key of a mapping (None if absent)."""
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _bar_height(bars: int) -> float:
    return 1.1 + 0.34 * max(1, bars)


def _label_margin(labels: Sequence[str]) -> float:
    """Inches of left margin for y tick labels of this many characters (clamped)."""
    longest = max((len(line) for label in labels for line in label.split("\n")), default=4)
    return min(2.6, max(0.6, 0.25 + 0.068 * longest))


def _empty(axes: Axes, message: str) -> None:
    axes.set_xticks([])
    axes.set_yticks([])
    axes.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=LABEL_SIZE,
        color=MUTED,
        transform=axes.transAxes,
    )


def demographics_bar(counts: Mapping[str, int], title: str, *, width: float = 4.8) -> bytes:
    """Horizontal bars of respondents per level, each labelled with its count and share.

    Levels keep the given order (the questionnaire's or first appearance). Past 15 levels
    the largest 14 are drawn and the rest pooled into one "All other" bar. ``width`` is in
    inches (the default suits a chart set beside its table).
    """
    items = [(str(level), int(count)) for level, count in counts.items()]
    if any(count < 0 for _, count in items):
        raise ValueError("counts: a level cannot have a negative count")
    if len(items) > MAX_BARS:
        keep = {level for level, _ in sorted(items, key=lambda i: -i[1])[: MAX_BARS - 1]}
        rest = [count for level, count in items if level not in keep]
        items = [i for i in items if i[0] in keep]
        items.append((f"All other ({len(rest)} levels)", sum(rest)))
    total = sum(count for _, count in items)
    labels = [_short(level, 24, 2) for level, _ in items]
    figure, axes = _figure(_bar_height(len(items)), _label_margin(labels), width)
    axes.set_title(_short(title, 70), fontsize=TITLE_SIZE, color=INK, loc="left")
    if not items or total == 0:
        _empty(axes, "No answers")
        return _png(figure)
    positions = range(len(items))
    values = [count for _, count in items]
    axes.barh(positions, values, color=BLUE, height=0.62)
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    axes.set_xlim(0, max(values) * 1.32)
    axes.set_xlabel("Respondents", fontsize=LABEL_SIZE, color=INK)
    axes.xaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for y, value in zip(positions, values, strict=True):
        axes.text(
            value + max(values) * 0.015,
            y,
            f"{value} ({percent_text(value, whole=total)})",
            va="center",
            fontsize=NOTE_SIZE,
            color=INK,
        )
    return _png(figure)


Box = tuple[float, float, float, float]  # left, bottom, right, top in pixels


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    obstacles: Sequence[Box],
    bounds: Box,
    gap: float = 2.0,
) -> list[tuple[float, float] | None]:
    """Where each label goes: the offset (pixels) of its box's lower-left corner from its
    anchor, or None when no place beside the anchor is free.

    Labels are placed in the given order (the most wanted first), each at the first of eight
    positions around its anchor whose box stays inside ``bounds`` and overlaps neither the
    ``obstacles`` (markers, legend, other text) nor a label placed before it. Pure geometry,
    so the rule is tested without drawing.
    """
    placed: list[Box] = list(obstacles)
    offsets: list[tuple[float, float] | None] = []
    for (x, y), (w, h) in zip(anchors, sizes, strict=True):
        candidates = [
            (gap, gap), (gap, -h - gap), (-w - gap, gap), (-w - gap, -h - gap),
            (2 * gap, -h / 2), (-w - 2 * gap, -h / 2), (-w / 2, 2 * gap), (-w / 2, -h - 2 * gap),
        ]  # fmt: skip
        chosen = None
        for dx, dy in candidates:
            box = (x + dx, y + dy, x + dx + w, y + dy + h)
            inside = bounds[0] <= box[0] and box[2] <= bounds[2]
            if inside and bounds[1] <= box[1] and box[3] <= bounds[3]:
                if not any(_overlaps(box, other) for other in placed):
                    chosen = (dx, dy)
                    placed.append(box)
                    break
        offsets.append(chosen)
    return offsets


LABEL_SIZE_TASK = 6.5  # points
MARKER_HALF = 3.5  # pixels around a point kept free of other points' labels


def importance_frequency_scatter(
    tasks: Sequence[TaskResult | Mapping[str, Any]],
    importance_min: float,
    performing_min: float | None = None,
    *,
    scale: tuple[float, float] = (0, 4),
) -> bytes:
    """The chart of :func:`importance_frequency_figure` as PNG bytes."""
    figure = importance_frequency_figure(tasks, importance_min, performing_min, scale=scale)
    return _png(figure)


def importance_frequency_figure(
    tasks: Sequence[TaskResult | Mapping[str, Any]],
    importance_min: float,
    performing_min: float | None = None,
    *,
    scale: tuple[float, float] = (0, 4),
) -> Figure:
    """Mean importance (y) against mean frequency (x) per task, with the importance minimum.

    Retained tasks are filled circles, tasks not retained are crosses (told apart without
    colour). The axes zoom to the tasks (the importance minimum kept in view). Task ids label
    every point up to 30 tasks; beyond that only the tasks not retained and those within 0.25
    of the importance minimum are labelled (the closest to it first). A label is set only
    where it overlaps no other label, marker or the legend (:func:`place_labels`), so labels
    never overlap, at 40 tasks and more; the tables list every task. Tasks without both means
    are left out. ``performing_min`` (a share, not on these axes) is named in the legend.
    """
    low, high = float(scale[0]), float(scale[1])
    if not low < high:
        raise ValueError("scale: the minimum must lie below the maximum")
    points = []
    for task in tasks:
        x, y = _number(_field(task, "mean_frequency")), _number(_field(task, "mean_importance"))
        if x is not None and y is not None:
            label = _field(task, "task_id")
            points.append(
                ("" if label is None else str(label), x, y, bool(_field(task, "retained")))
            )
    figure, axes = _figure(4.9)
    axes.set_title(
        "Mean importance and mean frequency per task", fontsize=TITLE_SIZE, color=INK, loc="left"
    )
    # Zoom to where the tasks lie (the threshold kept in view): on the full scale 40 or more
    # tasks crowd into a corner and their labels overlap.
    xs = [p[1] for p in points] or [low, high]
    ys = [p[2] for p in points] + [importance_min]
    x_low, x_high = max(low, min(xs)), min(high, max(xs))
    y_low, y_high = max(low, min(ys)), min(high, max(ys))
    pad = (high - low) * 0.03
    x_pad = max(pad, (x_high - x_low) * 0.06)
    y_pad = max(pad, (y_high - y_low) * 0.06)
    axes.set_xlim(max(low - pad, x_low - x_pad), min(high + pad, x_high + x_pad))
    axes.set_ylim(max(low - pad, y_low - y_pad), min(high + pad, y_high + y_pad))
    left = max(low - pad, x_low - x_pad)
    axes.set_xlabel("Mean frequency", fontsize=LABEL_SIZE, color=INK)
    axes.set_ylabel("Mean importance", fontsize=LABEL_SIZE, color=INK)
    axes.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    kept = [p for p in points if p[3]]
    dropped = [p for p in points if not p[3]]
    axes.scatter(
        [p[1] for p in kept],
        [p[2] for p in kept],
        s=22,
        marker="o",
        color=BLUE,
        edgecolors="white",
        linewidths=0.4,
        zorder=3,
    )
    axes.scatter(
        [p[1] for p in dropped],
        [p[2] for p in dropped],
        s=30,
        marker="x",
        color=VERMILLION,
        linewidths=1.3,
        zorder=4,
    )
    axes.axhline(importance_min, color=INK, linestyle="--", linewidth=1, zorder=2)
    axes.annotate(
        f"importance minimum {importance_min:.2f}",
        (left, importance_min),
        xytext=(3, 3),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=NOTE_SIZE,
        color=INK,
    )
    if len(points) <= CROWDED:
        labelled = points
    else:  # crowded: label the tasks the reader looks for (not retained, or near the line)
        near = [p for p in kept if abs(p[2] - importance_min) <= NEAR_THRESHOLD]
        near.sort(key=lambda p: abs(p[2] - importance_min))
        labelled = (dropped + near)[:MAX_TASK_LABELS]
    handles = [
        Line2D([], [], marker="o", linestyle="", color=BLUE, label=f"Retained ({len(kept)})"),
        Line2D(
            [],
            [],
            marker="x",
            linestyle="",
            color=VERMILLION,
            markeredgewidth=1.3,
            label=f"Not retained ({len(dropped)})",
        ),
    ]
    rule = f"Retained: importance at least {importance_min:.2f}"
    if performing_min is not None:
        rule += f"\nand at least {percent_text(performing_min, 0)} performing"
    legend = axes.legend(
        handles=handles,
        title=rule,
        loc="lower right",
        fontsize=NOTE_SIZE,
        title_fontsize=NOTE_SIZE,
        framealpha=0.92,
    )
    legend.get_title().set_multialignment("left")
    if not points:
        _empty(axes, "No task has both means")
        return figure
    _label_points(figure, axes, points, labelled, legend)
    return figure


def _label_points(
    figure: Figure,
    axes: Axes,
    points: Sequence[tuple[str, float, float, bool]],
    labelled: Sequence[tuple[str, float, float, bool]],
    legend: Any,
) -> None:
    """Task ids beside their points where they overlap nothing (see :func:`place_labels`).

    Label sizes are estimated from the characters (0.75 em each, wider than any digit or
    capital of the font), so only the legend is measured.
    """
    to_pixels = axes.transData.transform
    renderer = FigureCanvasAgg(figure).get_renderer()
    frame = axes.get_window_extent(renderer)
    obstacles: list[Box] = [tuple(legend.get_window_extent(renderer).extents)]  # type: ignore[list-item]
    for note in axes.texts:  # the importance minimum's note
        obstacles.append(tuple(note.get_window_extent(renderer).extents))  # type: ignore[arg-type]
    anchors: dict[int, tuple[float, float]] = {
        id(p): (float(x), float(y)) for p in points for x, y in [to_pixels((p[1], p[2]))]
    }
    for p in points:
        x, y = anchors[id(p)]
        obstacles.append((x - MARKER_HALF, y - MARKER_HALF, x + MARKER_HALF, y + MARKER_HALF))
    em = LABEL_SIZE_TASK * DPI / 72
    texts = [_short(p[0], 12) for p in labelled]
    sizes = [(0.75 * em * max(1, len(t)), 1.25 * em) for t in texts]
    ours = [anchors[id(p)] for p in labelled]
    bounds: Box = tuple(frame.extents)  # type: ignore[assignment]
    # the gap clears the label's own marker, which is among the obstacles
    offsets = place_labels(ours, sizes, obstacles, bounds, gap=MARKER_HALF + 0.5)
    for p, text, offset in zip(labelled, texts, offsets, strict=True):
        if offset is None:
            continue
        axes.annotate(
            text,
            (p[1], p[2]),
            xytext=offset,
            textcoords="offset pixels",
            ha="left",
            va="bottom",
            fontsize=LABEL_SIZE_TASK,
            color=MUTED,
        )


def domain_weights_bar(domains: Sequence[DomainResult | Mapping[str, Any]]) -> bytes:
    """Horizontal bars of each performance domain's weight (%), labelled with its items."""
    rows = [
        (
            str(_field(d, "domain") or ""),
            _number(_field(d, "weight")) or 0.0,
            int(_field(d, "items") or 0),
        )
        for d in domains
    ]
    labels = [_short(name, 28, 2) for name, _, _ in rows]
    figure, axes = _figure(_bar_height(len(rows)) + 0.1, _label_margin(labels))
    axes.set_title(
        "Exam blueprint: weight and items per domain", fontsize=TITLE_SIZE, color=INK, loc="left"
    )
    if not rows:
        _empty(axes, "No performance domains")
        return _png(figure)
    positions = range(len(rows))
    percents = [100 * weight for _, weight, _ in rows]
    axes.barh(positions, percents, color=GREEN, height=0.62)
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()
    top = max(percents) if max(percents) > 0 else 10.0
    axes.set_xlim(0, top * 1.42)
    axes.set_xlabel("Weight (% of the exam)", fontsize=LABEL_SIZE, color=INK)
    axes.xaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for y, (_, weight, items) in zip(positions, rows, strict=True):
        label = f"{percent_text(weight)} · {items} item{'s' if items != 1 else ''}"
        axes.text(100 * weight + top * 0.015, y, label, va="center", fontsize=NOTE_SIZE, color=INK)
    return _png(figure)


def reliability_chart(scales: Mapping[str, ScaleResult | Mapping[str, Any]]) -> bytes:
    """Cronbach's alpha with its 95% interval per rating scale, against the alpha expected.

    ``scales`` is the engine's ``scales`` mapping: name -> :class:`ScaleResult` (``alpha``,
    ``alpha_ci95``, ...). A scale whose alpha is null is shown as "not computable".
    """
    rows = []
    for name, scale in scales.items():
        alpha = _number(_field(scale, "alpha"))
        ci = _field(scale, "alpha_ci95")
        low = high = None
        if alpha is not None and ci is not None and len(ci) == 2:
            low, high = _number(ci[0]), _number(ci[1])
        rows.append((str(name).capitalize(), alpha, low, high))
    figure, axes = _figure(1.25 + 0.62 * max(1, len(rows)), _label_margin([r[0] for r in rows]))
    axes.set_title(
        "Cronbach's alpha per rating scale (95% CI)", fontsize=TITLE_SIZE, color=INK, loc="left"
    )
    if not rows:
        _empty(axes, "No rating scales")
        return _png(figure)
    lows = [v for _, a, lo, _ in rows for v in (a, lo) if v is not None]
    left = min([0.5, *[v - 0.05 for v in lows]])
    left = max(-1.0, math.floor(left * 10) / 10)
    axes.set_xlim(left, 1.0)
    axes.set_ylim(len(rows) - 0.4, -0.6)
    axes.set_yticks(range(len(rows)), [name for name, *_ in rows])
    axes.set_xlabel("Cronbach's alpha", fontsize=LABEL_SIZE, color=INK)
    axes.xaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.axvline(ALPHA_EXPECTED, color=VERMILLION, linestyle="--", linewidth=1.1)
    axes.text(
        ALPHA_EXPECTED,
        -0.55,
        f" {ALPHA_EXPECTED:.2f} expected",
        color=VERMILLION,
        fontsize=NOTE_SIZE,
        va="top",
    )
    for y, (_, alpha, low, high) in enumerate(rows):
        if alpha is None:
            axes.text(
                left + (1 - left) * 0.02,
                y,
                "not computable",
                va="center",
                fontsize=LABEL_SIZE,
                color=MUTED,
                style="italic",
            )
            continue
        if low is not None and high is not None:
            axes.errorbar(
                alpha,
                y,
                xerr=[[alpha - low], [high - alpha]],
                fmt="none",
                ecolor=INK,
                elinewidth=1.2,
                capsize=4,
            )
            label = f"{alpha:.3f} [{low:.3f}, {high:.3f}]"
        else:
            label = f"{alpha:.3f}"
        axes.plot([alpha], [y], marker="D", markersize=7, color=BLUE, linestyle="")
        axes.text(alpha, y + 0.3, label, ha="center", va="center", fontsize=NOTE_SIZE, color=INK)
    return _png(figure)
