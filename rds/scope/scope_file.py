"""The scope of service as plain values: code rule, KSA kinds and order, and the scope file.

The scope file is the engine's tasks.csv (or .xlsx) with an optional ``ksa`` column of
``K1: statement; S2: statement`` entries; reading it checks every row and reports every
problem at once. No Flask, no SQLAlchemy.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from core.sheets import duplicated_headers
from rds.survey.io import SurveyFileError, read_tasks
from rds.survey.tables import Problem, Table, read_xlsx_table

KSA_KINDS = {"K": "knowledge", "S": "skill", "A": "ability"}
# Task and KSA codes: 1-20 letters, digits, '.', '_' or '-', starting with a letter or digit.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
_KSA_SPLIT = re.compile(r";\s*(?=[A-Za-z][\w.-]{0,19}\s*(?::|;|$))")
_KSA_ENTRY = re.compile(r"^([A-Za-z][\w.-]{0,19})\s*(?::\s*(.*))?$", re.DOTALL)


def natural_key(code: str) -> tuple[str, int, str]:
    """Sort key that puts codes in natural order (K2 before K10)."""
    match = re.match(r"^([A-Za-z]*)(\d*)(.*)$", code)
    assert match is not None  # the pattern matches every string
    head, digits, tail = match.groups()
    return head.upper(), int(digits or 0), tail


@dataclass(frozen=True)
class ScopeRow:
    """One task of an imported scope file with the KSA codes it names."""

    code: str
    domain: str
    statement: str
    ksa_codes: tuple[str, ...]


def _raw_table(data: bytes, name: str) -> Table | None:
    if data.startswith(b"PK\x03\x04") or name.lower().endswith(".xlsx"):
        return read_xlsx_table(data, name, [])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return Table.from_rows([list(r) for r in csv.reader(io.StringIO(text, newline=""))], name)


def parse_scope_file(data: bytes, name: str) -> tuple[list[ScopeRow], dict[str, tuple[str, str]]]:
    """Tasks and KSAs (code -> (kind, statement)) of a file, or SurveyFileError listing all."""
    problems: list[Problem] = []
    try:
        read_tasks(data, name)
    except SurveyFileError as exc:
        problems.extend(exc.problems)
    table = (_raw_table(data, name) if data.strip() else None) or Table(name, [], [])
    columns = {h.strip().lower(): i for i, h in enumerate(table.header)}
    for twice in duplicated_headers([h.strip().lower() for h in table.header]):
        problems.append(Problem(name, 1, twice, "duplicate column: name each column once"))
    if table.header and "statement" not in columns:
        problems.append(Problem(name, 1, "statement", "required column is missing"))
    rows: list[ScopeRow] = []
    ksas: dict[str, tuple[str, str, int]] = {}
    references: list[tuple[int, str]] = []
    for number, cells in table.rows if "statement" in columns else []:
        values = {key: table.text(cells, index) for key, index in columns.items()}
        code, domain, statement = (values.get(k, "") for k in ("task_id", "domain", "statement"))
        if code and not CODE_PATTERN.match(code):
            problems.append(
                Problem(name, number, "task_id", "use 1-20 letters, digits, '.', '_' or '-'")
            )
        if len(domain) > 200:
            problems.append(Problem(name, number, "domain", "longer than 200 characters"))
        if not statement:
            problems.append(Problem(name, number, "statement", "task statement is blank"))
        codes = []
        for entry in filter(None, (e.strip() for e in _KSA_SPLIT.split(values.get("ksa", "")))):
            match = _KSA_ENTRY.match(entry)
            kind = KSA_KINDS.get(entry[:1].upper())
            if match is None or kind is None:
                problems.append(
                    Problem(
                        name,
                        number,
                        "ksa",
                        f"cannot read {entry[:40]!r}; write 'K1: statement' (K knowledge, "
                        "S skill, A ability) and separate KSAs with ';'",
                    )
                )
                continue
            ksa_code, text = match.group(1), (match.group(2) or "").strip()
            codes.append(ksa_code)
            if not text:
                references.append((number, ksa_code))
            elif ksa_code in ksas and ksas[ksa_code][1] != text:
                first = ksas[ksa_code][2]
                problems.append(
                    Problem(
                        name,
                        number,
                        "ksa",
                        f"{ksa_code} has a different statement in row {first}",
                    )
                )
            else:
                ksas.setdefault(ksa_code, (kind, text, number))
        rows.append(ScopeRow(code, domain, statement, tuple(dict.fromkeys(codes))))
    for number, ksa_code in references:
        if ksa_code not in ksas:
            problems.append(Problem(name, number, "ksa", f"{ksa_code} has no statement in any row"))
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        raise SurveyFileError(list(dict.fromkeys(problems)))
    return rows, {code: (kind, text) for code, (kind, text, _) in ksas.items()}
