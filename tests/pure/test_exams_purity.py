"""The pure computation files of exams are mypy-clean under --strict, and ``python -m exams``
imports only the command line (tests/pure/test_purity.py checks that they are pure)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pure.test_purity import PURE_MODULES, imported_modules

ROOT = Path(__file__).resolve().parents[2]
EXAMS = ROOT / "exams"
STRICT = ["scoring.py", "angoff.py", "resultfile.py", "cli.py", "__main__.py"]


def test_strict_files_are_listed_as_pure() -> None:
    assert set(STRICT) <= set(PURE_MODULES["exams"])


def test_main_imports_only_the_cli() -> None:
    assert imported_modules(EXAMS / "__main__.py") == {"exams.cli"}


def test_the_engine_is_mypy_clean() -> None:
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    if mypy is None:
        pytest.fail("mypy is missing: it is a dev dependency (make install)")
    proc = subprocess.run(
        [
            mypy,
            "--strict",
            "--ignore-missing-imports",
            "--follow-imports=silent",
            *(str(EXAMS / m) for m in STRICT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
