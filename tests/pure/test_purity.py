"""The RDS engine and its command line import neither Flask nor SQLAlchemy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

RDS = Path(__file__).resolve().parents[2] / "rds"
# Every pure module of rds, as a path under rds/ (seam packages included).
PURE_MODULES = [
    "stats.py",
    "reliability.py",
    "exam_blueprint.py",
    "cli.py",
    "__main__.py",
    "analysis/__init__.py",
    "analysis/engine.py",
    "analysis/results.py",
    "analysis/charts.py",
    "report/__init__.py",
    "report/document.py",
    "report/layout.py",
    "report/sections.py",
    "scope/__init__.py",
    "scope/scope_file.py",
    "survey/__init__.py",
    "survey/answers.py",
    "survey/io.py",
    "survey/tables.py",
    "workshop/__init__.py",
]
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "flask_wtf", "werkzeug")


def module_file(name: str) -> str:
    """The file under rds/ of a dotted rds module name ("rds.survey.io" -> "survey/io.py")."""
    parts = name.split(".")[1:]
    if parts and (RDS.joinpath(*parts[:-1]) / f"{parts[-1]}.py").is_file():
        return "/".join(parts) + ".py"
    return "/".join([*parts, "__init__.py"])


def dotted(path: Path) -> str:
    """The dotted module name of a file under rds/ (a package's __init__ gives the package)."""
    parts = path.relative_to(RDS.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the syntax tree (lazy imports too).

    ``from package import module`` counts the module too, so that it is checked as well.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = dotted(path) if path.name == "__init__.py" else dotted(path).rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            if base.split(".")[0] == "rds":
                submodules = (f"{base}.{alias.name}" for alias in node.names)
                names.update(m for m in submodules if (RDS / module_file(m)).is_file())
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_module_imports_no_web_or_database_library(module: str) -> None:
    names = imported_modules(RDS / module)
    bad = sorted(n for n in names if n.split(".")[0] in FORBIDDEN)
    assert not bad, f"rds/{module} imports {bad}"
    # rds modules it relies on must be pure too (rds/__init__.py may hold the blueprint)
    inner = {module_file(n) for n in names if n.startswith("rds.")}
    assert inner <= set(PURE_MODULES), f"rds/{module} imports {inner - set(PURE_MODULES)}"


def test_every_module_left_out_is_impure() -> None:
    """A module missing from PURE_MODULES must import Flask, SQLAlchemy or an impure module."""
    files = sorted(str(p.relative_to(RDS)) for p in RDS.rglob("*.py"))
    assert set(PURE_MODULES) <= set(files), set(PURE_MODULES) - set(files)
    impure: set[str] = set()
    changed = True
    while changed:  # an rds module importing an impure rds module is impure as well
        changed = False
        for file in files:
            if file in impure:
                continue
            names = imported_modules(RDS / file)
            inner = {module_file(n) for n in names if n.startswith("rds.")}
            if any(n.split(".")[0] in FORBIDDEN for n in names) or inner & impure:
                impure.add(file)
                changed = True
    pure = set(files) - impure
    assert pure == set(PURE_MODULES), f"listed but impure: {set(PURE_MODULES) - pure}, " + (
        f"pure but not listed: {pure - set(PURE_MODULES)}"
    )


def test_main_imports_only_the_cli() -> None:
    assert imported_modules(RDS / "__main__.py") == {"rds.cli"}


def test_importing_the_engine_loads_no_flask_or_sqlalchemy() -> None:
    # A stand-in package skips rds/__init__.py, which may later register a Flask blueprint.
    modules = [
        dotted(RDS / m) for m in PURE_MODULES if m != "__main__.py" and dotted(RDS / m) != "rds"
    ]
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('rds'); pkg.__path__ = [{str(RDS)!r}]; sys.modules['rds'] = pkg\n"
        f"import {', '.join(modules)}\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
