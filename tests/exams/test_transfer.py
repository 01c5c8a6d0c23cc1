"""Bulk import (all or nothing, every bad row named by row and column) and export."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.extensions import db
from exams.models import Item
from tests.exams.factories import World, fill_bank
from tests.factories import login

HEADER = "domain,task,ksas,cognitive_level,stem,option_a,option_b,option_c,option_d,key,rationale"


def _csv(world: World, rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _good_rows(world: World) -> list[str]:
    a = world.blueprint.domains[0]
    b = world.blueprint.domains[1]
    return [
        f"{a.name},{a.tasks[0].code},,recall,Stem one?,Yes,No,Maybe,,A,Because",
        f'{b.name},{b.tasks[0].code},,analysis,"Stem two, with a comma?",P,Q,R,S,D,',
    ]


def _post(client, world: World, data: bytes, name: str = "items.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/boards/{world.board.id}/exams/items/import",
        data={"credential_type": str(world.ctype.id), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _count(world: World) -> int:
    return db.session.execute(
        select(func.count()).select_from(Item).where(Item.board_id == world.board.id)
    ).scalar_one()


def test_a_good_file_becomes_drafts(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.manager.email)
    response = _post(client, world, _csv(world, _good_rows(world)))
    assert response.status_code == 302
    items = db.session.execute(select(Item).order_by(Item.code)).scalars().all()
    assert [(i.code, i.status) for i in items] == [("CPSS-0001", "draft"), ("CPSS-0002", "draft")]
    assert items[1].current.options == ["P", "Q", "R", "S"] and items[1].current.key == 3
    assert items[1].current.stem == "Stem two, with a comma?"


def test_every_bad_row_is_listed_and_nothing_is_stored(client, world: World) -> None:  # type: ignore[no-untyped-def]
    a = world.blueprint.domains[0]
    rows = _good_rows(world) + [
        f"Nowhere,{a.tasks[0].code},,recall,Stem?,Yes,No,Maybe,,A,",  # row 4: domain
        f"{a.name},Z99,,recall,Stem?,Yes,No,Maybe,,A,",  # row 5: task
        f"{a.name},{a.tasks[0].code},,guessing,Stem?,Yes,No,Maybe,,A,",  # row 6: level
        f"{a.name},{a.tasks[0].code},,recall,,Yes,No,Maybe,,A,",  # row 7: stem empty
        f"{a.name},{a.tasks[0].code},,recall,Stem?,Yes,No,Maybe,,F,",  # row 8: key
        f"{a.name},{a.tasks[0].code},,recall,Stem?,Yes,No,Maybe,,D,",  # row 9: key not given
        f"{a.name},{a.tasks[0].code},NOPE,recall,Stem?,Yes,No,Maybe,,A,",  # row 10: KSA
    ]
    login(client, world.manager.email)
    response = _post(client, world, _csv(world, rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nothing was imported" in page
    for expected in (
        "Row 4, column domain:",
        "Row 5, column task:",
        "Row 6, column cognitive_level:",
        "Row 7, column stem: This cell is empty.",
        "Row 8, column key: Write the key as a letter A to E.",
        "Row 9, column key: The key must be one of the options given.",
        "Row 10, column ksas: Not KSAs",
    ):
        assert expected in page, expected
    assert page.count("<li>Row ") == 7  # one per bad cell, the good rows not named
    assert _count(world) == 0


def test_unknown_and_missing_columns(client, world: World) -> None:  # type: ignore[no-untyped-def]
    login(client, world.manager.email)
    page = _post(client, world, b"domain,task,colour\nA,B,C\n").get_data(as_text=True)
    assert "Row 1, column colour: Unknown column" in page
    assert "Row 1, column stem: This column is required." in page


def test_xlsx_in_and_out_round_trip(client, world: World) -> None:  # type: ignore[no-untyped-def]
    fill_bank(db.session, world, extra=0)
    db.session.commit()
    login(client, world.manager.email)
    export = client.get(f"/boards/{world.board.id}/exams/items.xlsx?type={world.ctype.id}")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("code", "domain", "task", "ksas", "cognitive_level", "stem")
    assert len(rows) - 1 == world.blueprint.test_length
    # the same rows, codes cleared, import as new drafts into the bank
    book = Workbook()
    out = book.active
    out.append(list(rows[0]))
    for row in rows[1:]:
        out.append(["", *row[1:]])
    data = io.BytesIO()
    book.save(data)
    before = _count(world)
    response = _post(client, world, data.getvalue(), "items.xlsx")
    assert response.status_code == 302
    assert _count(world) == 2 * before


def test_exports_guard_formulas(client, world: World) -> None:  # type: ignore[no-untyped-def]
    items = fill_bank(db.session, world)
    items[0].current.stem = '=HYPERLINK("http://evil.example","click")'
    items[1].current.options = ["+1+1", "-2", "@SUM(A1)"]
    db.session.commit()
    login(client, world.manager.email)
    text = client.get(f"/boards/{world.board.id}/exams/items.csv").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert {"'+1+1", "'-2", "'@SUM(A1)"} <= set(cells)
    assert not any(c and c[0] in "=+-@" for c in cells)


def test_only_exam_managers_import_and_export(client, world: World) -> None:  # type: ignore[no-untyped-def]
    for person in (world.writer, world.reviewer, world.admin, world.other_manager):
        login(client, person.email)
        for url in ("items.csv", "items.xlsx", "items/import"):
            status = client.get(f"/boards/{world.board.id}/exams/{url}").status_code
            assert status in (403, 404), (person.email, url, status)
        client.post("/logout")
