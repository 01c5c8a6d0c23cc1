"""Spreadsheet cells in and out, pure: the formula guard every export uses, and the one safe
way every importer reads an uploaded .xlsx workbook (limits against decompression bombs).

No Flask, no SQLAlchemy: the pure file readers of certify, rds, ceu and verify use it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

# a cell starting with one of these is run as a formula by a spreadsheet (tab and CR too,
# by some programs, after they strip them)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell value as every export writes it: text a spreadsheet would run as a formula
    (starting with = + - @ tab or CR) gets a leading apostrophe; other values are unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def unguard(text: str) -> str:
    """The text an export wrote through safe_cell, as it was (for files imported back)."""
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


# --- reading an uploaded workbook ------------------------------------------------------------


class SheetError(ValueError):
    """An uploaded workbook that is refused; str() is the message for the person."""


@dataclass(frozen=True)
class Limits:
    """What an importer accepts from one .xlsx workbook."""

    max_unpacked_bytes: int = 30 * 2**20  # all parts of the zip, as declared, unpacked
    max_ratio: int = 100  # unpacked / packed, for any part over 1 MB
    max_parts: int = 500  # files inside the zip
    max_rows: int = 20_000  # data rows (after the header)
    max_columns: int = 500
    max_cell: int = 32_767  # characters (a spreadsheet program's own limit)


DEFAULT_LIMITS = Limits()


def column_name(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_zip(data: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError("This is not a readable .xlsx workbook (not a zip file).") from exc
    parts = archive.infolist()
    if len(parts) > limits.max_parts:
        raise SheetError(
            f"This workbook holds {len(parts)} files inside; at most {limits.max_parts} "
            "are accepted."
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.max_unpacked_bytes:
        raise SheetError(
            f"This workbook unpacks to {unpacked / 2**20:.0f} MB; at most "
            f"{limits.max_unpacked_bytes // 2**20} MB are accepted. Split it into smaller files."
        )
    for part in parts:
        if part.file_size > 2**20 and part.file_size > limits.max_ratio * max(
            part.compress_size, 1
        ):
            raise SheetError(
                f"This workbook's part {part.filename} is compressed "
                f"{part.file_size // max(part.compress_size, 1)} to 1 (at most "
                f"{limits.max_ratio} to 1 is accepted): it looks like a decompression bomb."
            )


def _declared_size(sheet: Any) -> tuple[int, int] | None:
    """(last row, last column) that a read-only worksheet's <dimension> declares; None when
    it declares none, or only "A1" (what some writers put whatever the content)."""
    rows, columns = sheet.max_row, sheet.max_column
    if not rows or not columns or (rows, columns) == (1, 1):
        return None
    return int(rows), int(columns)


def xlsx_rows(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[list[Any]]:
    """The first worksheet's rows (the header first), read within limits.

    Raises SheetError with a message for the person when the file is not a workbook, unpacks
    to more than the limits allow, has more rows, columns or longer cells than allowed, or
    has data past the size its own <dimension> declares (a file no spreadsheet program
    wrote: rather refused than read in part). Trailing empty cells of each row are dropped.
    """
    _check_zip(data, limits)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file  # noqa: BLE001
        raise SheetError(f"This is not a readable .xlsx workbook ({exc}).") from exc
    try:
        if not book.worksheets:
            raise SheetError("This workbook has no worksheet.")
        sheet = book.worksheets[0]
        declared = _declared_size(sheet)
        sheet.reset_dimensions()  # read every row the file holds, not only the declared ones
        rows: list[list[Any]] = []
        last_row = last_col = 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(values)
            while cells and (cells[-1] is None or cells[-1] == ""):
                cells.pop()
            if cells:
                last_row, last_col = number, max(last_col, len(cells))
            if number > limits.max_rows + 1 and cells:
                raise SheetError(
                    f"This workbook has more than {limits.max_rows:,} rows; split it into "
                    "smaller files."
                )
            if len(cells) > limits.max_columns:
                raise SheetError(
                    f"Row {number} has {len(cells)} columns; at most {limits.max_columns} "
                    "are accepted."
                )
            for index, value in enumerate(cells):
                if isinstance(value, str) and len(value) > limits.max_cell:
                    raise SheetError(
                        f"Row {number}, column {column_name(index)}: the cell holds "
                        f"{len(value):,} characters; at most {limits.max_cell:,} are accepted."
                    )
            rows.append(cells)
    finally:
        book.close()
    while rows and not rows[-1]:
        rows.pop()
    if declared is not None and (last_row > declared[0] or last_col > declared[1]):
        raise SheetError(
            f"This workbook declares its sheet ends at row {declared[0]}, column "
            f"{column_name(declared[1] - 1)}, but it holds data up to row {last_row}, column "
            f"{column_name(last_col - 1)}. Open it in a spreadsheet program and save it again."
        )
    return rows


def duplicated_headers(header: list[str]) -> list[str]:
    """Column names that appear more than once (compared without case and spaces)."""
    seen: set[str] = set()
    twice: list[str] = []
    for name in header:
        key = " ".join(str(name).split()).casefold()
        if not key:
            continue
        if key in seen and name not in twice:
            twice.append(name)
        seen.add(key)
    return twice
