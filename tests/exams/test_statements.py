"""The bank's pages run the same number of SQL statements for a small and a larger bank."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event

from core.extensions import db
from exams.forms import services as forms
from tests.exams.factories import World, fill_bank
from tests.factories import login

PAGES = {
    "bank": "/boards/{board}/exams/items",
    "bank, approved": "/boards/{board}/exams/items?status=approved",
    "bank, page 2": "/boards/{board}/exams/items?page=2",
    "bank, by task": "/boards/{board}/exams/items?sort=task&page=2",
    "bank CSV": "/boards/{board}/exams/items.csv",
    "review queue": "/boards/{board}/exams/review",
    "assignments": "/boards/{board}/exams/assignments?forms=3",
    "forms": "/boards/{board}/exams/forms",
    "form": "/boards/{board}/exams/forms/{form}",
    "exams overview": "/boards/{board}/exams",
    "reporting scale": "/boards/{board}/exams/scale",
}


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def measure(app: Flask, world: World, form_id: int) -> dict[str, int]:
    client = app.test_client()
    login(client, world.manager.email)
    found = {}
    for name, path in PAGES.items():
        url = path.format(board=world.board.id, form=form_id)
        client.get(url)  # warm: the first request of a client loads its session's user
        with counted(app) as statements:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = len(statements)
    return found


@pytest.mark.parametrize("pages", [PAGES])
def test_bank_pages_do_not_grow_with_the_bank(app: Flask, world: World, pages) -> None:  # type: ignore[no-untyped-def]
    fill_bank(db.session, world, extra=0)  # one form's worth: under a page of 50
    form = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 1)
    db.session.commit()
    small = measure(app, world, form.id)
    fill_bank(db.session, world, extra=4)  # five times as many, over two pages
    db.session.commit()
    large = measure(app, world, form.id)
    assert large == small
