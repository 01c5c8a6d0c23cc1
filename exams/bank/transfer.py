"""Bulk import and export of the item bank (CSV/XLSX), all or nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.exports import stream_rows
from core.models import User
from exams.bank.services import (
    ItemContent,
    bank_query,
    blueprint_for,
    check_content,
    create_item,
)
from exams.itemfile import FIELD_COLUMNS, HEADER, ItemFileError, ItemRow, Problem
from exams.models import Item


def import_items(
    session: Session,
    actor: User,
    board_id: int,
    credential_type_id: int,
    rows: list[ItemRow],
    file_problems: Sequence[Problem] = (),
) -> list[Item]:
    """Every row becomes a draft item, or none does: ItemFileError lists every problem of
    every row (the file's own, given, and the blueprint's), one per row and column."""
    blueprint = blueprint_for(session, board_id, credential_type_id)
    problems: list[Problem] = list(file_problems)
    contents: list[tuple[ItemRow, ItemContent]] = []
    given = [r.cells.get("code", "").strip() for r in rows if r.cells.get("code", "").strip()]
    taken = set()
    if given:
        query = select(Item.code).where(Item.board_id == board_id, Item.code.in_(given))
        taken = set(session.execute(query).scalars())
    seen: set[str] = set()
    for row in rows:
        code = row.cells.get("code", "").strip()
        if code:
            if code in taken:
                problems.append(Problem(row.row, "code", f"The bank already has an item {code}."))
            elif code in seen:
                problems.append(Problem(row.row, "code", f"{code} appears twice in the file."))
            elif len(code) > 40:
                problems.append(Problem(row.row, "code", "A code has at most 40 characters."))
            seen.add(code)
        key = row.key_index()
        content = ItemContent(
            domain=row.cells.get("domain", "").strip(),
            task_code=row.cells.get("task", "").strip(),
            cognitive_level=row.cells.get("cognitive_level", "").strip().lower(),
            stem=row.cells.get("stem", ""),
            options=row.options(),
            key=key if key is not None else 0,
            rationale=row.cells.get("rationale", ""),
            references=row.cells.get("references", ""),
            ksa_codes=row.ksa_codes(),
        )
        for field_name, message in check_content(blueprint, content):
            problems.append(Problem(row.row, FIELD_COLUMNS.get(field_name, field_name), message))
        contents.append((row, content))
    if problems:
        first: dict[tuple[int, str], Problem] = {}
        for problem in problems:
            first.setdefault((problem.row, problem.column), problem)
        raise ItemFileError(
            sorted(
                first.values(),
                key=lambda p: (p.row, HEADER.index(p.column) if p.column in HEADER else -1),
            )
        )
    return [
        create_item(
            session,
            actor,
            board_id,
            credential_type_id,
            content,
            code=row.cells.get("code", "").strip() or None,
            blueprint=blueprint,
        )
        for row, content in contents
    ]


def export_rows(session: Session, board_id: int, credential_type_id: int) -> Iterator[list[Any]]:
    """The newest version of every item of the bank, in the import's columns: one statement,
    read in batches as the export is written."""
    query = bank_query(board_id, credential_type_id).order_by(Item.code)
    for item, version, _author in stream_rows(session, query, batch=500):
        options = list(version.options) + [""] * (5 - len(version.options))
        yield [
            item.code,
            version.domain,
            version.task_code,
            ", ".join(version.ksa_codes or []),
            version.cognitive_level,
            version.stem,
            *options,
            version.key_letter,
            version.rationale,
            version.references,
            item.status,
            version.number,
        ]


EXPORT_HEADER = list(HEADER)
