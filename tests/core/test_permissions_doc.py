"""docs/permissions.md is generated from the application and agrees with the route-guard test."""

from __future__ import annotations

import warnings
from pathlib import Path

from core.permissions import markdown, permission_table
from tests.core.test_route_guards import PUBLIC

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def _rows(text: str) -> dict[tuple[str, str], str]:
    rows = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            url, methods, who = (cell.strip() for cell in line.strip("|").split(" | "))
            rows[(url.strip("`"), methods)] = who
    return rows


def test_permissions_doc_is_up_to_date(app) -> None:  # type: ignore[no-untyped-def]
    """Every route the document lists exists and lets in exactly whom it says.

    A route added since the document was generated is reported as a warning (regenerate
    with `python -m core.permissions > docs/permissions.md`); a changed or removed one fails.
    """
    documented, actual = _rows(DOC.read_text(encoding="utf-8")), _rows(markdown(app))
    changed = {k: (v, actual.get(k)) for k, v in documented.items() if actual.get(k) != v}
    assert not changed, (
        "docs/permissions.md disagrees with the code; run "
        f"`python -m core.permissions > docs/permissions.md`: {changed}"
    )
    missing = sorted(set(actual) - set(documented))
    if missing:
        warnings.warn(
            f"docs/permissions.md lacks {len(missing)} route(s), e.g. {missing[:3]}: run "
            "`python -m core.permissions > docs/permissions.md`",
            stacklevel=1,
        )


def test_the_public_rows_are_the_route_guard_tests_public_routes(app) -> None:  # type: ignore[no-untyped-def]
    public = {row.endpoint for row in permission_table(app) if row.who == "anyone (public)"}
    assert public == {e for e in PUBLIC if not e.endswith("static")}


def test_every_role_guarded_route_names_its_roles(app) -> None:  # type: ignore[no-untyped-def]
    rows = permission_table(app)
    assert len(rows) > 150
    issue = [r for r in rows if r.endpoint == "certify.issue_credential"]
    assert issue and issue[0].who.startswith("Board administrator or Board reviewer of that board")
