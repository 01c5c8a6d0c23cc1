"""The RDS engine and its command line import neither Flask nor SQLAlchemy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

RDS = Path(__file__).resolve().parents[2] / "rds"
PURE_MODULES = [
    "stats",
    "reliability",
    "exam_blueprint",
    "analysis",
    "analysis_support",
    "survey_io",
    "survey_tables",
    "survey_csv",
    "cli",
    "__main__",
]
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_wtf", "werkzeug")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the syntax tree (lazy imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.add("rds." + (node.module or ""))
            elif node.module:
                names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_module_imports_no_web_or_database_library(module: str) -> None:
    names = imported_modules(RDS / f"{module}.py")
    bad = sorted(n for n in names if n.split(".")[0] in FORBIDDEN)
    assert not bad, f"rds/{module}.py imports {bad}"
    # rds modules it relies on must be pure too (rds/__init__.py may hold the blueprint)
    inner = {n.split(".")[1] for n in names if n.startswith("rds.")}
    assert inner <= set(PURE_MODULES), f"rds/{module}.py imports {inner - set(PURE_MODULES)}"


def test_main_imports_only_the_cli() -> None:
    assert imported_modules(RDS / "__main__.py") == {"rds.cli"}


def test_importing_the_engine_loads_no_flask_or_sqlalchemy() -> None:
    # A stand-in package skips rds/__init__.py, which may later register a Flask blueprint.
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('rds'); pkg.__path__ = [{str(RDS)!r}]; sys.modules['rds'] = pkg\n"
        "import rds.stats, rds.reliability, rds.exam_blueprint, rds.analysis, rds.survey_io\n"
        "import rds.cli\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
