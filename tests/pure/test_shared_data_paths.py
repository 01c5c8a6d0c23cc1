"""Tests find shared data relative to the project (or $PEERCERT_SHARED), never at a fixed path."""

from __future__ import annotations

import re

from tests.shared import PROJECT

ABSOLUTE_SHARED = re.compile(r"""["'](/[^"']*)?/shared/""")


def test_no_test_reads_shared_data_from_an_absolute_path() -> None:
    offenders = [
        f"{path.relative_to(PROJECT)}:{number}"
        for path in sorted((PROJECT / "tests").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ABSOLUTE_SHARED.search(line)
    ]
    assert offenders == [], "use tests.shared (relative to the project): " + ", ".join(offenders)
