"""Items are confidential: every item and form route, tried as every other role and as
another board's exam staff, answers 403 or 404, shows no item text and changes nothing."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role, User
from exams.bank import services as bank
from exams.forms import services as forms
from exams.models import FormItem, Item, ItemEnemy
from tests.exams.factories import TEXT_MARK, World, fill_bank
from tests.factories import create_user, login

MODULES = ("exams.bank.views", "exams.forms.views")
OTHER_ROLES = (
    Role.BOARD_ADMIN,
    Role.BOARD_REVIEWER,
    Role.PSYCHOMETRICIAN,
    Role.SUPERVISOR,
    Role.TRAINEE,
    Role.TRAINER,
    Role.CE_PROVIDER,
    Role.SME_JUDGE,
)
EXAM_ROLES = (Role.EXAM_MANAGER, Role.ITEM_WRITER, Role.ITEM_REVIEWER)
MANAGER_ONLY = {
    "exams.bank_export",
    "exams.bank_import",
    "exams.retire_item",
    "exams.forms",
    "exams.new_form",
    "exams.form_detail",
    "exams.add_pretest",
    "exams.remove_pretest",
    "exams.publish_form",
    "exams.delete_form",
}


def routes(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, method) of every item and form route."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if view is None or view.__module__ not in MODULES:
            continue
        for method in ("GET", "POST"):
            if method in (rule.methods or ()):
                found.append((rule.endpoint, method))
    return found


def url(app: Flask, endpoint: str, values: dict[str, int]) -> str:
    from flask import url_for

    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    args = {k: (values[k] if k != "fmt" else "csv") for k in rule.arguments}
    with app.test_request_context():
        return url_for(endpoint, **args)


@pytest.fixture
def stocked(app: Flask, world: World) -> dict[str, int]:
    items = fill_bank(db.session, world, extra=1)
    bank.add_enemy(db.session, world.manager, items[0], items[1].code)
    form = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 1)
    db.session.commit()
    return {
        "board_id": world.board.id,
        "item_id": items[0].id,
        "enemy_id": items[1].id,
        "form_id": form.id,
    }


def state() -> tuple[object, ...]:
    return (
        tuple(db.session.execute(select(Item.id, Item.status, Item.current_number)).all()),
        db.session.execute(select(func.count()).select_from(FormItem)).scalar_one(),
        db.session.execute(select(func.count()).select_from(ItemEnemy)).scalar_one(),
        db.session.execute(
            select(func.count()).where(AuditEvent.action.startswith("exam"))
        ).scalar_one(),
    )


def try_all(app: Flask, person: User, values: dict[str, int], only: set[str] | None = None) -> list:
    client = app.test_client()
    login(client, person.email)
    leaks = []
    for endpoint, method in routes(app):
        if only is not None and endpoint not in only:
            continue
        response = client.open(url(app, endpoint, values), method=method, data={})
        body = response.get_data(as_text=True)
        # the Exams home lists a person's own boards: another board's staff open theirs
        own_page = endpoint == "exams.home" and bool(person.board_ids(*EXAM_ROLES))
        if (response.status_code not in (403, 404) and not own_page) or TEXT_MARK in body:
            leaks.append((person.email, endpoint, method, response.status_code))
    return leaks


def test_the_sweep_covers_every_route(app: Flask) -> None:
    found = {endpoint for endpoint, _ in routes(app)}
    assert len(found) >= 20 and MANAGER_ONLY <= found


def test_no_other_role_reaches_an_item_or_form(app: Flask, world: World, stocked) -> None:  # type: ignore[no-untyped-def]
    people = [
        create_user(db.session, f"{role.value}@x.org", [(role, world.board)])
        for role in OTHER_ROLES
    ]
    people.append(create_user(db.session, "employer@x.org", [(Role.EMPLOYER, None)]))
    people.append(create_user(db.session, "root@x.org", [(Role.PLATFORM_ADMIN, None)]))
    for role in (Role.EXAM_MANAGER, Role.ITEM_WRITER, Role.ITEM_REVIEWER):  # another board's
        people.append(create_user(db.session, f"{role.value}@other.org", [(role, world.other)]))
    db.session.commit()
    before = state()
    leaks = [leak for person in people for leak in try_all(app, person, stocked)]
    assert leaks == []
    db.session.expire_all()
    assert state() == before


def test_writers_and_reviewers_stay_in_their_lane(app: Flask, world: World, stocked) -> None:  # type: ignore[no-untyped-def]
    # another writer sees none of the writer's items, and nothing of the forms
    item_routes = {
        e
        for e, _ in routes(app)
        if "/items/" in url(app, e, stocked)
        and not url(app, e, stocked).endswith("/new")
        and "import" not in e
    }
    assert try_all(app, world.writer2, stocked, item_routes) == []
    assert try_all(app, world.writer2, stocked, MANAGER_ONLY) == []
    assert try_all(app, world.reviewer, stocked, MANAGER_ONLY) == []
    client = app.test_client()
    login(client, world.writer2.email)
    page = client.get(f"/boards/{world.board.id}/exams/items").get_data(as_text=True)
    assert TEXT_MARK not in page and "No item here yet" in page
    client.post("/logout")
    login(client, world.writer.email)
    page = client.get(f"/boards/{world.board.id}/exams/items").get_data(as_text=True)
    assert TEXT_MARK in page  # a writer's own items


def test_item_text_never_reaches_the_logs(app: Flask, world: World, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    items = fill_bank(db.session, world)
    forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 1)
    db.session.commit()
    client = app.test_client()
    login(client, world.manager.email)
    for path in ("items", f"items/{items[0].id}", "items.csv", "forms", "review", "assignments"):
        client.get(f"/boards/{world.board.id}/exams/{path}")
    client.get(f"/boards/{world.board.id}/exams/items/999999")  # an error page
    assert TEXT_MARK not in caplog.text


def test_error_pages_show_no_item_text(app: Flask, world: World) -> None:
    items = fill_bank(db.session, world)
    db.session.commit()
    client = app.test_client()
    login(client, world.writer2.email)
    response = client.get(f"/boards/{world.board.id}/exams/items/{items[0].id}")
    assert response.status_code == 404
    assert TEXT_MARK not in response.get_data(as_text=True) and items[
        0
    ].code not in response.get_data(as_text=True)
