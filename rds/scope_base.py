"""Scope of service basics shared by its services: errors, code rules, ordering, KSA lists."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from rds.models import KSA, Domain, Study, Task

KSA_KINDS = {"K": "knowledge", "S": "skill", "A": "ability"}
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


class ScopeError(ValueError):
    """A problem the person can fix; field names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def ordered_domains(study: Study) -> list[Domain]:
    return sorted(study.domains, key=lambda d: (d.position, d.id or 0))


def ordered_tasks(domain: Domain) -> list[Task]:
    return sorted(domain.tasks, key=lambda t: (t.position, t.id or 0))


def study_ksas(session: Session, study: Study) -> list[KSA]:
    """The study's KSAs: knowledge, then skills, then abilities, by code."""
    ksas = session.execute(select(KSA).where(KSA.study_id == study.id)).scalars().all()
    kinds = list(KSA_KINDS.values())
    return sorted(ksas, key=lambda k: (kinds.index(k.kind), _natural(k.code)))


def _natural(code: str) -> tuple[str, int, str]:
    match = re.match(r"^([A-Za-z]*)(\d*)(.*)$", code)
    assert match is not None  # the pattern matches every string
    head, digits, tail = match.groups()
    return head.upper(), int(digits or 0), tail
