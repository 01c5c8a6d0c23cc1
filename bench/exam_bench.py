"""Benchmark of exams (issue 14); prints figures. Not part of the test run.

    python bench/exam_bench.py [--section NAME ...] [--runs 5]

Sections (all by default; each is a function in SECTIONS, taking the parsed arguments):

* ``scoring``: scoring and item analysis of --candidates (5,000) x --items (150) simulated
  responses (a two-parameter logistic model, four options, 1% omitted, 10 pretest items,
  five domains, a cut and a linear scale): exams.scoring.analyze as the pages and
  ``python -m exams analyze`` call it, then the JSON-ready document, then the same through
  the command line from CSV files (reading included). Goal: analyze under 1 s.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from exams.scoring import OMIT, LinearScale, analyze  # noqa: E402


def _median_time(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and best wall time of ``runs`` calls, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def simulated_responses(
    candidates: int, items: int, seed: int = 14
) -> tuple[np.ndarray, np.ndarray]:
    """Chosen options (candidates x items, OMIT for blank) and the key, from a 2PL model."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=candidates)
    difficulty = rng.normal(scale=1.2, size=items)
    slope = rng.uniform(0.5, 2.0, size=items)
    p = 1.0 / (1.0 + np.exp(-1.7 * slope * (ability[:, None] - difficulty[None, :])))
    key = rng.integers(0, 4, size=items)
    wrong = (key[None, :] + rng.integers(1, 4, size=(candidates, items))) % 4
    responses = np.where(rng.random((candidates, items)) < p, key[None, :], wrong)
    responses[rng.random((candidates, items)) < 0.01] = OMIT
    return responses.astype(np.int8), key


def bench_scoring(args: argparse.Namespace) -> None:
    """Scoring + item analysis of candidates x items; goal under 1 s."""
    n, k = args.candidates, args.items
    responses, key = simulated_responses(n, k)
    scored = np.arange(k) < k - 10
    domains = [f"Domain {j % 5 + 1}" for j in range(k)]
    cut = 0.6 * int(scored.sum())
    scale = LinearScale.through(np.ceil(cut), 500, int(scored.sum()), 800)

    def run() -> object:
        return analyze(responses, key, scored=scored, domains=domains, cut=cut, scale=scale)

    run()  # warm-up (imports, BLAS threads)
    median, best = _median_time(run, args.runs)
    result = analyze(responses, key, scored=scored, domains=domains, cut=cut, scale=scale)
    ids = [f"C{i:05d}" for i in range(n)]
    doc_median, _ = _median_time(lambda: result.to_dict(ids), args.runs)
    pf = result.pass_fail
    assert pf is not None and pf.consistency is not None
    print(f"scoring: {n:,} candidates x {k} items ({int(scored.sum())} scored)")
    print(
        f"  analyze (score, item + option analysis, flags, KR-20, domains, pass/fail, "
        f"Subkoviak): median {median * 1000:.0f} ms, best {best * 1000:.0f} ms "
        f"[goal < 1000 ms] {'OK' if median < 1 else 'SLOW'}"
    )
    print(f"  JSON-ready document with per-candidate rows: median {doc_median * 1000:.0f} ms")
    print(
        f"  KR-20 {result.form.kr20:.3f}, SEM {result.form.sem:.2f}, pass rate "
        f"{pf.pass_rate:.1%}, decision consistency {pf.consistency.agreement:.3f} "
        f"(kappa {pf.consistency.kappa:.3f}), {result.items.n_flagged} items flagged"
    )

    from exams.cli import main

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        with open(base / "key.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["item_id", "key", "domain", "scored", "options"])
            for j in range(k):
                writer.writerow([f"Q{j + 1}", "ABCD"[key[j]], domains[j], int(scored[j]), 4])
        with open(base / "responses.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["candidate_id"] + [f"Q{j + 1}" for j in range(k)])
            letters = np.array(["", "A", "B", "C", "D"])
            for cid, row in zip(ids, letters[responses + 1].tolist(), strict=True):
                writer.writerow([cid, *row])
        argv = [
            "analyze",
            "--responses",
            str(base / "responses.csv"),
            "--key",
            str(base / "key.csv"),
            "--cut",
            str(cut),
            "--json",
            str(base / "out.json"),
            "--quiet",
        ]
        cli_median, _ = _median_time(lambda: main(argv), max(1, min(args.runs, 3)))
        size = (base / "responses.csv").stat().st_size
    print(
        f"  python -m exams analyze from CSV ({size / 2**20:.1f} MB responses; read, "
        f"check, analyse, write JSON): median {cli_median * 1000:.0f} ms"
    )


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "scoring": bench_scoring,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--section", action="append", choices=sorted(SECTIONS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--items", type=int, default=150)
    args = parser.parse_args()
    for name in args.section or list(SECTIONS):
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
