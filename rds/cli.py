"""Command line: ``python -m rds analyze --tasks T --responses R [options]``.

Reads a validation survey, prints a summary, writes the analysis as JSON and optionally as
CSV files for spreadsheets. Bad input: every problem on stderr, exit code 2, no output file.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from core.sheets import safe_cell
from rds.analysis.engine import AnalysisResult, analyze
from rds.analysis.results import MISSING_DATA_POLICY, TaskResult
from rds.retention import IMPORTANCE_BASES, IMPORTANCE_RULES
from rds.stats import CRITICALITY_METHODS
from rds.survey.io import SurveyFileError, read_survey

EXIT_BAD_INPUT = 2
EXIT_OUTPUT_ERROR = 1
MAX_PROBLEMS_SHOWN = 1000
LARGE_INPUT_BYTES = 2_000_000


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of ``python -m rds``."""
    parser = argparse.ArgumentParser(
        prog="python -m rds", description="Role Delineation Study analysis."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser(
        "analyze",
        help="analyse a validation survey and derive the exam blueprint",
        description="Analyse a validation survey (tasks + responses, CSV or .xlsx).",
        epilog="Missing data: " + MISSING_DATA_POLICY,
    )
    a.add_argument("--tasks", required=True, help="tasks.csv or .xlsx: task_id,domain,statement")
    a.add_argument("--responses", required=True, help="responses.csv or .xlsx")
    a.add_argument("--items", type=int, default=150, help="test length (default 150)")
    a.add_argument("--method", choices=CRITICALITY_METHODS, default="multiplicative")
    a.add_argument("--importance-min", type=float, default=2.0)
    a.add_argument("--performing-min", type=float, default=0.5)
    a.add_argument(
        "--importance-basis",
        choices=IMPORTANCE_BASES,
        default="all",
        help="importance over all raters or over performers only (frequency above 0)",
    )
    a.add_argument(
        "--importance-rule",
        choices=IMPORTANCE_RULES,
        default="mean",
        help="compare the mean importance, or the lower limit of its CI, with --importance-min",
    )
    a.add_argument("--confidence", type=float, default=0.95, help="level of that CI (default 0.95)")
    a.add_argument(
        "--criticality-min", type=float, default=None, help="also require this criticality"
    )
    a.add_argument(
        "--bootstrap",
        type=int,
        default=200,
        help="resamples of respondents for retention stability (0 = none; default 200)",
    )
    a.add_argument("--seed", type=int, default=15, help="seed of the bootstrap (default 15)")
    a.add_argument(
        "--stability",
        type=float,
        default=0.9,
        help="a task retained in a share of resamples between 1-S and S is borderline",
    )
    a.add_argument(
        "--min-respondents",
        type=int,
        default=30,
        help="warn when fewer respondents support the blueprint (default 30)",
    )
    a.add_argument(
        "--subgroup-tolerance",
        type=int,
        default=2,
        help="flag a subgroup whose ratings move a domain by more items (default 2)",
    )
    a.add_argument("--population", type=int, default=None, help="number of incumbents")
    a.add_argument("--min-group", type=int, default=30, help="smallest subgroup reported")
    a.add_argument("--min-per-domain", type=int, default=0, help="items each domain gets first")
    a.add_argument("--scale-min", type=float, default=0.0)
    a.add_argument("--scale-max", type=float, default=4.0)
    a.add_argument("--json", dest="json_out", help="write the analysis as JSON ('-' = stdout)")
    a.add_argument("--csv", dest="csv_dir", help="write tasks.csv, domains.csv, reliability.csv")
    a.add_argument("--quiet", action="store_true", help="no summary and no progress bar")
    return parser


class Progress:
    """A one-line progress bar on stderr, shown only when enabled."""

    def __init__(self, enabled: bool, stream: TextIO, steps: int) -> None:
        self.enabled, self.stream, self.steps, self.done = enabled, stream, steps, 0

    def step(self, label: str) -> None:
        """Advance by one step and redraw."""
        if not self.enabled:
            return
        self.done += 1
        filled = round(30 * self.done / self.steps)
        bar = "#" * filled + "-" * (30 - filled)
        end = "\n" if self.done >= self.steps else ""
        self.stream.write(f"\r[{bar}] {100 * self.done // self.steps:3d}% {label:<22}{end}")
        self.stream.flush()

    def close(self) -> None:
        """End an unfinished bar's line so that messages start on a new line."""
        if self.enabled and 0 < self.done < self.steps:
            self.stream.write("\n")


def atomic_write(path: Path, write: Callable[[TextIO], None]) -> None:
    """Write a text file through a temporary file so a failure leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_text(handle: TextIO, text: str) -> None:
    handle.write(text)


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return value


def _write_rows(path: Path, rows: list[dict[str, object]], fields: Sequence[str]) -> None:
    def write(handle: TextIO) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([safe_cell(f) for f in fields])
        for row in rows:
            writer.writerow([safe_cell(_csv_cell(row.get(f))) for f in fields])

    atomic_write(path, write)


def write_csv(result: AnalysisResult, out_dir: Path) -> None:
    """Write tasks.csv, domains.csv (the blueprint) and reliability.csv into ``out_dir``."""
    if result.tasks:
        columns = [f.name for f in dataclasses.fields(TaskResult)]
        tasks = [{c: getattr(t, c) for c in columns} for t in result.tasks]
        _write_rows(out_dir / "tasks.csv", tasks, columns)
    columns = ["domain", "n_tasks", "n_retained", "weight", "items", "items_min", "items_max"]
    domains = [{c: getattr(d, c) for c in columns} for d in result.domains]
    _write_rows(out_dir / "domains.csv", domains, columns)
    rows: list[dict[str, object]] = []
    blocks = [("", name, stats) for name, stats in result.scales.items()]
    for domain, scales in result.domain_reliability.items():
        blocks += [(domain, name, stats) for name, stats in scales.items()]
    for domain, scale, stats in blocks:
        low, high = stats.alpha_ci95 or (None, None)
        rows.append(
            {
                "domain": domain,
                "scale": scale,
                "statistic": "alpha",
                "method": "pairwise covariances",
                "value": stats.alpha,
                "ci95_low": low,
                "ci95_high": high,
                "n": stats.n_respondents or result.n_respondents,
            }
        )
        forms = [("ANOVA, complete respondents", stats.n_complete, stats.icc)]
        if stats.mixed is not None:
            forms.append(("REML, every rating", stats.mixed.n_ratings, stats.mixed.icc))
        for method, n, iccs in forms:
            for form, icc in iccs.items():
                low, high = icc.ci95 or (None, None)
                rows.append(
                    {
                        "domain": domain,
                        "scale": scale,
                        "statistic": form,
                        "method": method,
                        "value": icc.value,
                        "ci95_low": low,
                        "ci95_high": high,
                        "f": icc.f,
                        "df1": icc.df1,
                        "df2": icc.df2,
                        "p": icc.p,
                        "n": n,
                    }
                )
    columns = [
        "domain",
        "scale",
        "statistic",
        "method",
        "value",
        "ci95_low",
        "ci95_high",
        "f",
        "df1",
        "df2",
        "p",
        "n",
    ]
    _write_rows(out_dir / "reliability.csv", rows, columns)


def _fmt(value: object, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def summary(result: AnalysisResult) -> str:
    """Readable terminal summary of an analysis."""
    lines = [
        f"Respondents: {result.n_respondents}    Tasks: {len(result.tasks)}    "
        f"Retained: {sum(t.retained for t in result.tasks)}    "
        f"Method: {result.options.method}",
        "",
        "Reliability          alpha (95% CI)              ICC2   ICC2k  ICCs from     n complete",
    ]
    for name, s in result.scales.items():
        ci = "" if s.alpha_ci95 is None else f"[{s.alpha_ci95[0]:.3f}, {s.alpha_ci95[1]:.3f}]"
        shown = s.shown()
        source = {"mixed": "every rating", "complete-case": "complete"}.get(s.icc_shown or "", "-")
        lines.append(
            f"  {name:<18} {_fmt(s.alpha)} {ci:<22} {_fmt(shown['ICC2'].value)}  "
            f"{_fmt(shown['ICC2k'].value)}  {source:<13} {s.n_complete}"
        )
    if result.excluded_respondents:
        lines.append(
            f"  {len(result.excluded_respondents)} respondents without any rating left out."
        )
    lines += ["", f"Exam blueprint ({result.total_items} items)"]
    width = max([len(d.domain) for d in result.domains] + [6])
    lines.append(f"  {'Domain':<{width}}  tasks  kept  weight   items  bootstrap range")
    for d in result.domains:
        spread = "" if d.items_min is None else f"{d.items_min}-{d.items_max}"
        lines.append(
            f"  {d.domain:<{width}}  {d.n_tasks:>5}  {d.n_retained:>4}  "
            f"{d.weight:6.1%}  {d.items:>6}  {spread}"
        )
    borderline = [t.task_id for t in result.tasks if t.borderline]
    if borderline:
        lines.append(f"  Borderline tasks (for the SME review): {', '.join(borderline)}")
    if result.sample_size is not None:
        size = result.sample_size
        moe = size.margin_of_error
        moe_text = f"{moe:.2%}" if math.isfinite(moe) else "n/a"
        lines += [
            "",
            f"Sample size: population {size.population}, required {size.required}, "
            f"achieved {size.achieved}, margin of error {moe_text}",
        ]
    if result.subgroups:
        lines += ["", "Subgroups (r with everyone else's criticality)"]
        for g in result.subgroups:
            ci = "" if g.r_ci95 is None else f" [{g.r_ci95[0]:.3f}, {g.r_ci95[1]:.3f}]"
            moved = [f"{d.domain} {d.items_change:+d}" for d in g.domains if d.flagged]
            flag = f"  moves {', '.join(moved)} items" if moved else ""
            lines.append(f"  {g.variable} = {g.level} (n={g.n}): r = {_fmt(g.r)}{ci}{flag}")
    if result.small_subgroups:
        small = ", ".join(f"{g.variable} = {g.level} (n={g.n})" for g in result.small_subgroups)
        lines += ["", f"Too small to analyse (under {result.options.min_group}): {small}"]
    if result.warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in result.warnings]
    return "\n".join(lines)


def report_problems(problems: Sequence[object], stream: TextIO) -> None:
    """Every problem on ``stream`` (the first 1,000, then how many more), one per line."""
    count = len(problems)
    stream.write(f"error: {count} problem{'s' if count != 1 else ''} in the input:\n")
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        stream.write(f"  {problem}\n")
    if count > MAX_PROBLEMS_SHOWN:
        stream.write(f"  ... and {count - MAX_PROBLEMS_SHOWN} more\n")


def run_analyze(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The ``analyze`` command; returns the exit code."""
    try:
        size = os.path.getsize(args.responses)
    except OSError:
        size = 0
    progress = Progress(not args.quiet and size >= LARGE_INPUT_BYTES, err, 3)
    try:
        tasks, responses = read_survey(
            args.tasks, args.responses, scale_min=args.scale_min, scale_max=args.scale_max
        )
    except SurveyFileError as exc:
        report_problems(exc.problems, err)
        return EXIT_BAD_INPUT
    except OSError as exc:
        err.write(f"error: cannot read {exc.filename or 'input'}: {exc.strerror or exc}\n")
        return EXIT_BAD_INPUT
    progress.step("read survey")
    try:
        result = analyze(
            tasks.task_ids,
            tasks.domains,
            responses.importance,
            responses.frequency,
            responses.demographics,
            items=args.items,
            method=args.method,
            importance_min=args.importance_min,
            performing_min=args.performing_min,
            population=args.population,
            min_group=args.min_group,
            min_per_domain=args.min_per_domain,
            scale_min=args.scale_min,
            scale_max=args.scale_max,
            min_respondents=args.min_respondents,
            importance_basis=args.importance_basis,
            importance_rule=args.importance_rule,
            confidence=args.confidence,
            criticality_min=args.criticality_min,
            bootstrap=args.bootstrap,
            bootstrap_seed=args.seed,
            stability=args.stability,
            subgroup_item_tolerance=args.subgroup_tolerance,
        )
    except ValueError as exc:
        progress.close()
        err.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    progress.step("analysed")
    document = result.to_dict()
    try:
        if args.json_out == "-":
            out.write(json.dumps(document, indent=2, allow_nan=False) + "\n")
        elif args.json_out:
            text = json.dumps(document, indent=2, allow_nan=False) + "\n"
            atomic_write(Path(args.json_out), lambda handle: _write_text(handle, text))
        if args.csv_dir:
            write_csv(result, Path(args.csv_dir))
    except OSError as exc:
        progress.close()
        err.write(f"error: cannot write output: {exc}\n")
        return EXIT_OUTPUT_ERROR
    progress.step("written")
    if not args.quiet and args.json_out != "-":
        out.write(summary(result) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m rds``; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "analyze":
        return run_analyze(args, sys.stdout, sys.stderr)
    return EXIT_BAD_INPUT  # pragma: no cover - argparse rejects other commands
