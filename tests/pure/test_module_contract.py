"""The module contract: core knows no module, arrows between modules point one way.

Read with docs/architecture.md. The allowed arrows between domain modules are written down
here once; a new import between modules that is not on the list fails this test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ("certify", "rds", "ceu", "exams", "verify")
PACKAGES = ("core", *DOMAIN)

# (importing module, imported module) -> which names may cross; None means any name.
ALLOWED_ARROWS: dict[tuple[str, str], frozenset[str] | None] = {
    ("ceu", "certify"): None,
    ("exams", "certify"): None,
    ("exams", "rds"): None,
    # verification reads credentials and connects to certify's credential_changed hook
    ("verify", "certify"): None,
    # an RDS study is of one credential type: that model and nothing else
    ("rds", "certify"): frozenset({"certify.models.CredentialType"}),
}


def python_files(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def imports_of(path: Path) -> Iterator[tuple[str, str]]:
    """(module, name) for every import in the file, at any depth (lazy imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ""
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_core_imports_no_domain_module() -> None:
    bad = [
        f"{module_name(path)} imports {target}"
        for path in python_files("core")
        for target, _ in imports_of(path)
        if target.split(".")[0] in DOMAIN
    ]
    assert not bad, bad


def test_only_the_allowed_arrows_between_domain_modules() -> None:
    bad = []
    for package in DOMAIN:
        for path in python_files(package):
            for target, name in imports_of(path):
                other = target.split(".")[0]
                if other == package or other not in DOMAIN:
                    continue
                key = (package, other)
                if key not in ALLOWED_ARROWS:
                    bad.append(f"{module_name(path)} -> {target} (no arrow {package} -> {other})")
                    continue
                names = ALLOWED_ARROWS[key]
                if names is not None and f"{target}.{name}" not in names:
                    bad.append(f"{module_name(path)} -> {target}.{name} (not allowed)")
    assert not bad, bad


def test_the_contract_test_sees_an_import_it_should_refuse(tmp_path: Path) -> None:
    """The walker finds lazy imports inside functions, so the tests above can fail."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from certify.models import Credential\n    import rds.stats\n")
    assert set(imports_of(sample)) == {("certify.models", "Credential"), ("rds.stats", "")}


def test_no_private_name_crosses_files() -> None:
    crossing = [
        f"{module_name(path)} <- {target}.{name}"
        for package in PACKAGES
        for path in python_files(package)
        for target, name in imports_of(path)
        if target.split(".")[0] in PACKAGES
        and target != module_name(path)
        and name.startswith("_")
        and not name.startswith("__")
    ]
    assert not crossing, crossing


def test_every_installed_module_plugs_in_through_init_app() -> None:
    from app import INSTALLED_MODULES

    for name in INSTALLED_MODULES:
        init = ROOT / name / "__init__.py"
        tree = ast.parse(init.read_text(encoding="utf-8"))
        functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert "init_app" in functions, f"{name}/__init__.py has no init_app(app)"
