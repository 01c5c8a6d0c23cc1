"""Run a small R script (with the psych package) and read back its JSON output.

Tests comparing with R call :func:`run_r`. Without Rscript they skip, except on CI
(CI=true), where scripts/run_tests.sh installs r-base-core and r-cran-psych and a missing
Rscript is a failure: the comparisons with R may not quietly disappear.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

RSCRIPT = shutil.which("Rscript")
ON_CI = os.environ.get("CI") == "true"


def require_r() -> str:
    """Path of Rscript; skips the test without it (fails on CI)."""
    if RSCRIPT is None:
        if ON_CI:
            pytest.fail("Rscript is missing on CI (scripts/run_tests.sh installs r-base-core)")
        pytest.skip("needs R (apt-get install -y r-base-core r-cran-psych)")
    return RSCRIPT


def write_matrix(path: Path, matrix: np.ndarray) -> None:
    """A numeric matrix as a header-less CSV that R's read.csv(header=FALSE) reads."""
    np.savetxt(path, np.asarray(matrix, dtype=np.float64), delimiter=",", fmt="%.17g")


PRELUDE = """suppressPackageStartupMessages(library(psych))
out <- function(name, x) cat(name, sprintf("%.17g", as.numeric(x)), "\\n")
"""


def run_r(script: str, tmp_path: Path) -> dict[str, np.ndarray]:
    """Run ``script``; each ``out(name, values)`` it calls becomes an array under ``name``.

    (Plain text rather than JSON, so that no R package beyond psych is needed; NA -> NaN.)
    """
    rscript = require_r()
    file = tmp_path / "script.R"
    file.write_text(PRELUDE + script, encoding="utf-8")
    proc = subprocess.run(
        [rscript, "--vanilla", str(file)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    if proc.returncode != 0 and "there is no package called" in proc.stderr:
        message = f"R lacks a package: {proc.stderr.strip()[-300:]}"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    assert proc.returncode == 0, proc.stderr
    values: dict[str, np.ndarray] = {}
    for line in proc.stdout.splitlines():
        name, *numbers = line.split()
        values[name] = np.array([float("nan") if v == "NA" else float(v) for v in numbers])
    return values
