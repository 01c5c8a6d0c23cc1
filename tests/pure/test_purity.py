"""The pure modules of core, certify and rds import neither Flask nor SQLAlchemy.

A pure module may import another project module only when that one is pure as well
(certify/rules.py uses core/units.py). A module that lands in a new package (ceu, exams)
adds its package and pure files to PURE_MODULES.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every pure module, by package, as a path under the package (seam packages included).
PURE_MODULES: dict[str, list[str]] = {
    "core": [
        "__init__.py",
        "config.py",  # settings from the environment: readable without an app
        "units.py",
        "text.py",  # plural nouns
        "audit_text.py",  # an audit event in words
        "pdf.py",
        "sheets.py",  # the formula guard and the safe .xlsx reader of every importer
        "passwords.py",  # the common-password check of the password forms
        "ratelimit.py",  # the rate limits' Redis storage (one round trip per request)
    ],
    "certify": [
        "rules.py",
        "certificates.py",
        "applications/__init__.py",
        "board/__init__.py",
        "config/__init__.py",
        "credentials/__init__.py",
        "hours/__init__.py",
        "standing/__init__.py",
        "standing/horizon.py",
        "training/__init__.py",
        "renewal/__init__.py",
        "renewal/phase.py",
    ],
    "rds": [
        "stats.py",
        "reliability.py",
        "mixed_icc.py",
        "retention.py",
        "subgroups.py",
        "weight_judgments.py",  # direct domain-weight judgments against the empirical weights
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
        "workshop/cvr.py",  # Lawshe's CVR and its exact critical values
        "workshop/review.py",  # the SME review's domain weight changes applied
    ],
    "exams": [
        "assembly.py",
        "itemfile.py",  # the item bank's CSV/XLSX rows (core/sheets.py reads the workbook)
        "bank/__init__.py",
        "forms/__init__.py",
        "scoring.py",
        "angoff.py",  # uses rds/reliability.py for the judges' ICC
        "resultfile.py",
        "cli.py",
        "__main__.py",
        "standards/__init__.py",
        "results/__init__.py",
        "results/report.py",  # the score report PDF from plain values
        "delivery/__init__.py",
    ],
    "verify": [
        "badges/__init__.py",
        "badges/credential.py",
        "badges/jsonld.py",
        "badges/keys.py",
        "badges/proof.py",
        "badges/statuslist.py",
        "badges/verifier.py",
        "employers/__init__.py",
        "employers/roster.py",
        "lookup/__init__.py",
    ],
}
PACKAGES = tuple(PURE_MODULES)
PURE_FILES = [f"{package}/{file}" for package, files in PURE_MODULES.items() for file in files]
FORBIDDEN = (
    "flask",
    "sqlalchemy",
    "flask_sqlalchemy",
    "flask_login",
    "flask_wtf",
    "wtforms",
    "werkzeug",
)


def module_file(name: str) -> str:
    """The file of a dotted module name ("rds.survey.io" -> "rds/survey/io.py")."""
    parts = name.split(".")
    if (ROOT.joinpath(*parts[:-1]) / f"{parts[-1]}.py").is_file():
        return "/".join(parts) + ".py"
    return "/".join([*parts, "__init__.py"])


def dotted(path: Path) -> str:
    """The dotted module name of a file (a package's __init__ gives the package)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def is_own(name: str) -> bool:
    """Whether a dotted name is a module of one of the checked packages."""
    return name.split(".")[0] in PACKAGES


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
            if is_own(base):
                submodules = (f"{base}.{alias.name}" for alias in node.names)
                names.update(m for m in submodules if (ROOT / module_file(m)).is_file())
    return names


def inner_files(names: set[str]) -> set[str]:
    """The files of the project modules among names.

    A top-level package's __init__ (which may hold the Flask blueprint) counts only when a
    module imports from it directly, not when it is merely the parent of what is imported.
    """
    return {module_file(n) for n in names if is_own(n) and "." in n} | {
        module_file(n) for n in names if n in PACKAGES
    }


@pytest.mark.parametrize("module", PURE_FILES)
def test_module_imports_no_web_or_database_library(module: str) -> None:
    names = imported_modules(ROOT / module)
    bad = sorted(n for n in names if n.split(".")[0] in FORBIDDEN)
    assert not bad, f"{module} imports {bad}"
    # project modules it relies on must be pure too
    inner = inner_files(names)
    assert inner <= set(PURE_FILES), f"{module} imports {inner - set(PURE_FILES)}"


def impure_files() -> tuple[set[str], set[str]]:
    """All Python files of the checked packages, and those that are impure."""
    files = {str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    impure: set[str] = set()
    changed = True
    while changed:  # a module importing an impure project module is impure as well
        changed = False
        for file in sorted(files - impure):
            names = imported_modules(ROOT / file)
            if any(n.split(".")[0] in FORBIDDEN for n in names) or inner_files(names) & impure:
                impure.add(file)
                changed = True
    return files, impure


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_left_out_is_impure(package: str) -> None:
    """A module missing from PURE_MODULES must import Flask, SQLAlchemy or an impure module."""
    files, impure = impure_files()
    mine = {f for f in files if f.startswith(f"{package}/")}
    listed = {f"{package}/{file}" for file in PURE_MODULES[package]}
    assert listed <= mine, listed - mine
    pure = mine - impure
    assert pure == listed, f"listed but impure: {listed - pure}, " + (
        f"pure but not listed: {pure - listed}"
    )


def test_certify_rules_relies_on_the_one_units_module() -> None:
    assert inner_files(imported_modules(ROOT / "certify/rules.py")) == {"core/units.py"}


def test_main_imports_only_the_cli() -> None:
    assert imported_modules(ROOT / "rds/__main__.py") == {"rds.cli"}


def test_importing_the_engines_loads_no_flask_or_sqlalchemy() -> None:
    # Stand-in packages skip certify/__init__.py and rds/__init__.py, which hold blueprints.
    modules = [
        dotted(ROOT / f)
        for f in PURE_FILES
        if not f.endswith("__main__.py") and dotted(ROOT / f) not in PACKAGES
    ]
    stand_ins = "".join(
        f"pkg = types.ModuleType({pkg!r}); pkg.__path__ = [{str(ROOT / pkg)!r}]; "
        f"sys.modules[{pkg!r}] = pkg\n"
        for pkg in PACKAGES
    )
    code = (
        "import sys, types\n"
        f"{stand_ins}"
        f"import {', '.join(modules)}\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
