"""The CE engine files import neither Flask nor SQLAlchemy, and are mypy-clean (strict)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CEU = ROOT / "ceu"
# The pure files of ceu: computation from plain values (the rest is the Flask side).
PURE_MODULES = ["compliance.py", "sampling.py", "rosterfile.py", "transcript.py"]
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_wtf", "werkzeug")
# what a pure ceu file may import from the project: other pure files and core's pure helpers
PURE_PROJECT = {"ceu." + m.removesuffix(".py") for m in PURE_MODULES} | {
    "core.units",
    "core.pdf",
    "core.sheets",
}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_file_imports_no_web_or_database_library(module: str) -> None:
    names = imported(CEU / module)
    assert not [n for n in names if n.split(".")[0] in FORBIDDEN], names
    project = {n for n in names if n.split(".")[0] in ("core", "ceu", "certify", "rds", "exams")}
    assert project <= PURE_PROJECT, project - PURE_PROJECT


def test_importing_the_engine_loads_no_flask_or_sqlalchemy() -> None:
    modules = ", ".join("ceu." + m.removesuffix(".py") for m in PURE_MODULES)
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('ceu'); pkg.__path__ = [{str(CEU)!r}]; sys.modules['ceu'] = pkg\n"
        f"import {modules}\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr


def test_the_engine_is_mypy_clean() -> None:
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    if mypy is None:
        pytest.fail("mypy is missing: it is a dev dependency (make install)")
    files = [str(CEU / m) for m in PURE_MODULES]
    proc = subprocess.run(
        [mypy, "--strict", "--ignore-missing-imports", "--follow-imports=silent", *files],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
