"""Command line: ``python -m exams analyze --responses R --key K [--cut N] --json out.json``.

For psychometricians with a testing vendor's files: scores every candidate, analyses the
items and the form, prints a summary and writes the analysis as JSON (and CSV files for
spreadsheets). Bad input: every problem on stderr by file, row and column, exit code 2 and
no output file, as ``python -m rds analyze``. Pure: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from core.sheets import safe_cell
from exams.resultfile import ResultFileError, read_results
from exams.scoring import (
    GROUP_FRACTION,
    ExamAnalysis,
    LinearScale,
    ReportingScale,
    analyze,
    candidate_rows,
    option_letter,
)
from rds.cli import (
    EXIT_BAD_INPUT,
    EXIT_OUTPUT_ERROR,
    LARGE_INPUT_BYTES,
    Progress,
    atomic_write,
    report_problems,
)

__all__ = ["build_parser", "main", "summary"]


def _scale_point(text: str) -> tuple[float, float]:
    raw, sep, scaled = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return float(raw), float(scaled)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not RAW=SCALED (e.g. 98=500)") from None


def _reporting_scale(text: str) -> ReportingScale:
    try:
        low, passing, high = (int(part) for part in text.split(","))
        return ReportingScale(low, passing, high)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not LOW,PASSING,HIGH in whole numbers with LOW < PASSING < HIGH "
            "(e.g. 200,500,800)"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of ``python -m exams``."""
    parser = argparse.ArgumentParser(
        prog="python -m exams", description="Exam scoring and classical item analysis."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser(
        "analyze",
        help="score candidates and analyse the items of one form",
        description=(
            "Score a form's responses against its key and analyse items and form "
            "(CSV or .xlsx). key: item_id,key[,domain,scored,options]; responses: "
            "candidate_id and one column per item (A-Z or 1-26; blank = omitted)."
        ),
    )
    a.add_argument("--responses", required=True, help="responses.csv or .xlsx")
    a.add_argument("--key", required=True, help="key.csv or .xlsx")
    a.add_argument("--cut", type=float, default=None, help="raw cut score (e.g. 97.35)")
    a.add_argument(
        "--scale",
        type=_scale_point,
        action="append",
        metavar="RAW=SCALED",
        help="two points of a linear reporting scale, e.g. --scale 98=500 --scale 150=800",
    )
    a.add_argument("--scale-decimals", type=int, default=0, help="decimals of scaled scores")
    a.add_argument(
        "--reporting-scale",
        type=_reporting_scale,
        metavar="LOW,PASSING,HIGH",
        help="the board's scale anchored at the cut, as on the site (needs --cut): the lowest "
        "passing raw score reports as PASSING, 0 as LOW, every item right as HIGH; "
        "e.g. 200,500,800",
    )
    a.add_argument("--json", dest="json_out", help="write the analysis as JSON ('-' = stdout)")
    a.add_argument("--csv", dest="csv_dir", help="write items.csv and candidates.csv here")
    a.add_argument("--quiet", action="store_true", help="no summary and no progress bar")
    return parser


def _fmt(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def summary(result: ExamAnalysis) -> str:
    """Readable terminal summary of an analysis."""
    form = result.form.to_dict()
    items = result.items
    lines = [
        f"Candidates: {form['n_candidates']}    Scored items: {form['n_items']}    "
        f"Items analysed: {len(items.item_ids)}",
        f"Mean {_fmt(form['mean'], 2)}   SD {_fmt(form['sd'], 2)}   "
        f"KR-20 {_fmt(form['kr20'])}   SEM {_fmt(form['sem'], 2)}   "
        f"range {_fmt(form['min'], 0)}-{_fmt(form['max'], 0)}",
    ]
    pf = result.pass_fail
    if pf is not None:
        lines.append(
            f"Cut {pf.cut:g} (raw {pf.raw_needed} needed): {pf.n_pass} of {pf.n} pass "
            f"({_fmt(pf.pass_rate * 100 if pf.n else None, 1)}%)"
        )
        dc = pf.consistency
        if dc is not None:
            lines.append(
                f"Decision consistency p0 {_fmt(dc.agreement)}, kappa {_fmt(dc.kappa)} "
                f"({dc.method})"
            )
    flagged = [j for j, f in enumerate(items.flags) if f]
    lines += ["", f"Flagged items: {len(flagged)} of {len(items.item_ids)}"]
    if flagged:
        width = max(len(items.item_ids[j]) for j in flagged)
        lines.append(f"  {'item':<{width}}  key      p  r_corr      D  flags")
        for j in flagged:
            r = items.r_corrected[j]
            lines.append(
                f"  {items.item_ids[j]:<{width}}  {option_letter(int(items.key[j])):>3}  "
                f"{items.p[j]:5.2f}  {_fmt(None if r != r else float(r), 2):>6}  "
                f"{items.discrimination[j]:5.2f}  " + "; ".join(f.message for f in items.flags[j])
            )
    lines.append(
        f"(upper and lower groups: {GROUP_FRACTION:.0%} of candidates, {items.group_size} each)"
    )
    if result.warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in result.warnings]
    return "\n".join(lines)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return safe_cell(value)


def write_csv(result: ExamAnalysis, candidate_ids: Sequence[str], out_dir: Path) -> None:
    """Write items.csv (one row per item and option) and candidates.csv into ``out_dir``."""
    import csv

    item_fields = [
        "item_id", "key", "scored", "p", "r_corrected", "p_upper", "p_lower",
        "discrimination", "omitted", "flags",
    ]  # fmt: skip
    option_fields = ["count", "proportion", "upper", "lower", "r_total"]
    items = [result.items.item_dict(j) for j in range(len(result.items.item_ids))]
    n_options = max((len(i["options"]) for i in items), default=0)
    header = item_fields + [
        f"{option_letter(o)}_{f}" for o in range(n_options) for f in option_fields
    ]

    def write_items(handle: TextIO) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for item in items:
            row = [_csv_value(item[f]) for f in item_fields[:-1]]
            row.append(_csv_value("; ".join(f["message"] for f in item["flags"])))
            for option in item["options"]:
                row += [_csv_value(option[f]) for f in option_fields]
            writer.writerow(row)

    rows = candidate_rows(result.scores, candidate_ids)
    domains = result.scores.domains
    cand_fields = ["candidate_id", "raw"]
    if result.scores.scaled is not None:
        cand_fields.append("scaled")
    if result.scores.passed is not None:
        cand_fields.append("passed")
    domain_names = list(domains.names) if domains is not None else []

    def write_candidates(handle: TextIO) -> None:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([safe_cell(f) for f in cand_fields + [f"% {d}" for d in domain_names]])
        for row in rows:
            values = [_csv_value(row[f]) for f in cand_fields]
            values += [_csv_value(row["domains"][d]) for d in domain_names]
            writer.writerow(values)

    atomic_write(out_dir / "items.csv", write_items)
    atomic_write(out_dir / "candidates.csv", write_candidates)


def _write_text(handle: TextIO, text: str) -> None:
    handle.write(text)


def run_analyze(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The ``analyze`` command; returns the exit code."""
    scale: LinearScale | ReportingScale | None = None
    if args.reporting_scale is not None:
        if args.scale or args.cut is None:
            err.write("error: --reporting-scale needs --cut and no --scale\n")
            return EXIT_BAD_INPUT
        scale = args.reporting_scale
    elif args.scale:
        if len(args.scale) != 2:
            err.write("error: --scale needs exactly two RAW=SCALED points\n")
            return EXIT_BAD_INPUT
        (raw_a, scaled_a), (raw_b, scaled_b) = args.scale
        try:
            scale = LinearScale.through(
                raw_a, scaled_a, raw_b, scaled_b, decimals=args.scale_decimals
            )
        except ValueError as exc:
            err.write(f"error: --scale: {exc}\n")
            return EXIT_BAD_INPUT
    try:
        size = os.path.getsize(args.responses)
    except OSError:
        size = 0
    progress = Progress(not args.quiet and size >= LARGE_INPUT_BYTES, err, 3)
    try:
        key, sheet = read_results(args.responses, args.key)
    except ResultFileError as exc:
        report_problems(exc.problems, err)
        return EXIT_BAD_INPUT
    except OSError as exc:
        err.write(f"error: cannot read {exc.filename or 'input'}: {exc.strerror or exc}\n")
        return EXIT_BAD_INPUT
    progress.step("read files")
    try:
        result = analyze(
            sheet.responses,
            key.key,
            item_ids=key.item_ids,
            domains=key.domains,
            scored=key.scored,
            n_options=key.options_or_none(),
            cut=args.cut,
            scale=scale,
        )
    except ValueError as exc:
        progress.close()
        err.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
    progress.step("analysed")
    document = result.to_dict(sheet.candidate_ids)
    document["files"] = {
        "responses": os.path.basename(args.responses),
        "key": os.path.basename(args.key),
    }
    try:
        text = json.dumps(document, indent=2, allow_nan=False) + "\n"
        if args.json_out == "-":
            out.write(text)
        elif args.json_out:
            atomic_write(Path(args.json_out), lambda handle: _write_text(handle, text))
        if args.csv_dir:
            write_csv(result, sheet.candidate_ids, Path(args.csv_dir))
    except OSError as exc:
        progress.close()
        err.write(f"error: cannot write output: {exc}\n")
        return EXIT_OUTPUT_ERROR
    progress.step("written")
    if not args.quiet and args.json_out != "-":
        out.write(summary(result) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m exams``; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "analyze":
        return run_analyze(args, sys.stdout, sys.stderr)
    return EXIT_BAD_INPUT  # pragma: no cover - argparse rejects other commands
