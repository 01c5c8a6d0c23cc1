"""Forms: assembled to the blueprint from approved items, or the shortfall named; seeded;
enemies apart; pretest items; publishing freezes."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from core.extensions import db
from exams.bank import services as bank
from exams.forms import services as forms
from exams.forms.services import FormError
from exams.models import Form, FormItem
from tests.exams.factories import World, content, fill_bank
from tests.factories import login


def _items(form: Form) -> list[FormItem]:
    return list(
        db.session.execute(
            select(FormItem).where(FormItem.form_id == form.id).order_by(FormItem.position)
        ).scalars()
    )


def test_a_form_matches_the_blueprint_exactly(world: World) -> None:
    fill_bank(db.session, world, extra=2)
    form = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 7)
    rows = _items(form)
    assert len(rows) == world.blueprint.test_length
    by_domain = Counter(r.domain for r in rows)
    by_task = Counter(r.task_code for r in rows)
    for domain in world.blueprint.domains:
        assert by_domain[domain.name] == domain.items
        for task in domain.tasks:
            assert by_task[task.code] == task.items
    assert form.report["meets_domains"] and form.report["meets_tasks"]
    assert form.report["shortfalls"] == []
    # each row carries the approved version it was built from
    assert all(r.scored for r in rows)
    assert [r.position for r in rows] == list(range(1, len(rows) + 1))


def test_a_short_bank_names_the_shortfall(client, world: World) -> None:  # type: ignore[no-untyped-def]
    task = max(world.blueprint.tasks(), key=lambda t: t.items)
    domain = next(d for d in world.blueprint.domains if task in d.tasks)
    fill_bank(db.session, world, skip={t.code: t.items for t in domain.tasks})
    form = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 1)
    assert not form.report["meets_domains"]
    texts = [s["text"] for s in form.report["shortfalls"]]
    assert texts[0] == f"{domain.name}: {domain.items} items short — the bank has 0 approved items"
    assert f"task {task.code} ({domain.name}): {task.items} item" in "\n".join(texts)
    db.session.commit()
    login(client, world.manager.email)
    page = client.get(f"/boards/{world.board.id}/exams/forms/{form.id}").get_data(as_text=True)
    assert texts[0] in page
    # a form short of its domains is not published
    with pytest.raises(FormError, match="does not have the blueprint's items"):
        forms.publish(db.session, world.manager, form, confirm=True)


def test_the_same_seed_gives_the_same_form(world: World) -> None:
    fill_bank(db.session, world, extra=3)
    one = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 99)
    two = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "B", 99)
    three = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "C", 100)
    order = [r.item_id for r in _items(one)]
    assert order == [r.item_id for r in _items(two)]
    assert order != [r.item_id for r in _items(three)]


def test_enemies_are_never_on_one_form_and_overlap_is_limited(world: World) -> None:
    items = fill_bank(db.session, world, extra=3)
    for a, b in zip(items[::2], items[1::2], strict=False):
        if a.current.task_code == b.current.task_code:
            bank.add_enemy(db.session, world.manager, a, b.code)
    pairs = bank.enemy_pairs(db.session, world.board.id)
    assert pairs
    first = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 5)
    chosen = {r.item_id for r in _items(first)}
    assert not any(a in chosen and b in chosen for a, b in pairs)
    second = forms.build_form(
        db.session, world.manager, world.board.id, world.ctype.id, "B", 6, [first.id], 5
    )
    shared = chosen & {r.item_id for r in _items(second)}
    assert len(shared) <= 5
    assert second.report["overlap"] == [{"form": "A", "items": len(shared)}]


def test_pretest_items_and_publishing_freezes(client, world: World) -> None:  # type: ignore[no-untyped-def]
    items = fill_bank(db.session, world, extra=1)
    form = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 3)
    on_form = {r.item_id for r in _items(form)}
    spare = next(i for i in items if i.id not in on_form)
    draft = bank.create_item(
        db.session, world.writer, world.board.id, world.ctype.id,
        content(spare.current.domain, spare.current.task_code),
    )  # fmt: skip
    with pytest.raises(FormError, match="no approved version"):
        forms.add_pretest(db.session, world.manager, form, draft.code)
    forms.add_pretest(db.session, world.manager, form, spare.code)
    rows = _items(form)
    assert rows[-1].item_id == spare.id and not rows[-1].scored
    assert len(rows) == world.blueprint.test_length + 1
    db.session.commit()
    login(client, world.manager.email)
    base = f"/boards/{world.board.id}/exams/forms/{form.id}"
    assert client.post(f"{base}/publish", data={}).status_code == 302  # not confirmed
    db.session.expire_all()
    assert form.status == "draft"
    client.post(f"{base}/publish", data={"confirm": "y"})
    db.session.expire_all()
    assert form.status == "published" and form.published_at is not None
    # frozen: no pretest in or out, no deletion
    for url, data in ((f"{base}/pretest", {"code": spare.code}), (f"{base}/delete", {})):
        client.post(url, data=data)
    client.post(f"{base}/pretest/{spare.id}/remove")
    db.session.expire_all()
    assert [r.item_id for r in _items(form)] == [r.item_id for r in rows]
    with pytest.raises(FormError, match="frozen"):
        forms.add_pretest(db.session, world.manager, form, spare.code)


def test_a_new_item_version_leaves_published_forms_alone(world: World) -> None:
    items = fill_bank(db.session, world)
    form = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 3)
    forms.publish(db.session, world.manager, form, confirm=True)
    item = items[0]
    row = next(r for r in _items(form) if r.item_id == item.id)
    v1 = row.item_version_id
    bank.edit_item(
        db.session, world.writer, item,
        content(item.current.domain, item.current.task_code, stem="Rewritten"),
    )  # fmt: skip
    bank.submit(db.session, world.writer, item)
    bank.approve(db.session, world.reviewer, item)
    db.session.expire_all()
    assert next(r for r in _items(form) if r.item_id == item.id).item_version_id == v1
    assert item.approved is not None and item.approved.id != v1


def test_assembly_page(client, world: World) -> None:  # type: ignore[no-untyped-def]
    fill_bank(db.session, world)
    db.session.commit()
    login(client, world.manager.email)
    base = f"/boards/{world.board.id}/exams/forms"
    assert client.get(f"{base}/new").status_code == 200
    response = client.post(
        f"{base}/new",
        data={"credential_type": str(world.ctype.id), "name": "Spring", "seed": "42"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "matches the blueprint in every domain and task" in page
    again = client.post(
        f"{base}/new", data={"credential_type": str(world.ctype.id), "name": "Spring", "seed": "1"}
    )
    assert "already has a form named Spring" in again.get_data(as_text=True)


def test_the_database_session_refuses_changes_to_a_published_form(world: World) -> None:
    from exams.models.forms import FrozenFormError

    fill_bank(db.session, world, extra=1)
    form = forms.build_form(db.session, world.manager, world.board.id, world.ctype.id, "A", 3)
    rows = _items(form)
    rows[0].scored = False  # a draft's rows may change
    db.session.flush()
    forms.publish(db.session, world.manager, form, confirm=True)
    db.session.commit()
    rows[1].scored = False
    with pytest.raises(FrozenFormError, match="published"):
        db.session.flush()
    db.session.rollback()
    form = db.session.get(Form, form.id)
    assert form is not None
    db.session.delete(_items(form)[0])
    with pytest.raises(FrozenFormError):
        db.session.flush()
