"""The item bank: writing, review, versions, enemies, and what the audit trail keeps."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from exams.bank import services as bank
from exams.bank.services import BankError
from exams.models import Item, ItemVersion
from tests.exams.factories import TEXT_MARK, World, content
from tests.factories import login


def first_task(world: World) -> tuple[str, str]:
    domain = world.blueprint.domains[0]
    return domain.name, domain.tasks[0].code


def new_item(world: World, **changes) -> Item:  # type: ignore[no-untyped-def]
    domain, task = first_task(world)
    domain, task = changes.pop("domain", domain), changes.pop("task_code", task)
    return bank.create_item(
        db.session,
        world.writer,
        world.board.id,
        world.ctype.id,
        content(domain, task, **changes),
    )


def test_draft_review_approve(world: World) -> None:
    item = new_item(world)
    assert (item.status, item.current_number, item.approved_number) == ("draft", 1, None)
    assert item.code == "CPSS-0001" and not item.usable
    with pytest.raises(BankError, match="Only an item in review"):
        bank.approve(db.session, world.reviewer, item)
    bank.submit(db.session, world.writer, item)
    assert item.status == "in_review" and item.current.submitted_at is not None
    with pytest.raises(PermissionError):
        bank.approve(db.session, world.writer, item)  # writers do not approve
    bank.approve(db.session, world.reviewer, item, "Clear and keyed right")
    assert (item.status, item.approved_number) == ("approved", 1)
    assert item.current.reviewer_id == world.reviewer.id and item.usable


def test_a_writer_never_approves_an_own_item(world: World) -> None:
    domain, task = first_task(world)
    item = bank.create_item(
        db.session, world.writer_reviewer, world.board.id, world.ctype.id, content(domain, task)
    )
    bank.submit(db.session, world.writer_reviewer, item)
    with pytest.raises(BankError, match="another reviewer approves it"):
        bank.approve(db.session, world.writer_reviewer, item)
    assert item.status == "in_review"
    # and the review queue does not offer it to them
    assert item.id not in [
        r.item.id for r in bank.review_queue(db.session, world.board.id, world.writer_reviewer)
    ]
    assert item.id in [
        r.item.id for r in bank.review_queue(db.session, world.board.id, world.reviewer)
    ]


def test_send_back_needs_a_note_and_returns_a_draft(world: World) -> None:
    item = new_item(world)
    bank.submit(db.session, world.writer, item)
    with pytest.raises(BankError, match="Say what"):
        bank.send_back(db.session, world.reviewer, item, "  ")
    bank.send_back(db.session, world.reviewer, item, "Option C is also defensible")
    assert item.status == "draft" and item.current.review_note == "Option C is also defensible"


def test_an_edit_after_approval_makes_a_new_version(world: World) -> None:
    item = new_item(world)
    bank.submit(db.session, world.writer, item)
    bank.approve(db.session, world.reviewer, item)
    first = item.current
    domain, task = first_task(world)
    bank.edit_item(db.session, world.writer, item, content(domain, task, stem="A sharper stem"))
    assert (item.current_number, item.status, item.approved_number) == (2, "draft", 1)
    assert first.stem != "A sharper stem" and first.status == "approved"  # untouched, in use
    assert item.usable and item.approved is first
    # a draft is edited in place: still version 2
    bank.edit_item(db.session, world.writer, item, content(domain, task, stem="Sharper still"))
    assert item.current_number == 2 and item.current.stem == "Sharper still"
    bank.submit(db.session, world.writer, item)
    with pytest.raises(BankError, match="in review"):
        bank.edit_item(db.session, world.writer, item, content(domain, task))
    bank.approve(db.session, world.reviewer, item)
    assert item.approved_number == 2 and first.status == "superseded"
    numbers = db.session.execute(
        select(ItemVersion.number, ItemVersion.status).where(ItemVersion.item_id == item.id)
    ).all()
    assert sorted(numbers) == [(1, "superseded"), (2, "approved")]


def test_only_the_writer_or_a_manager_edits(world: World) -> None:
    item = new_item(world)
    domain, task = first_task(world)
    with pytest.raises(PermissionError):
        bank.edit_item(db.session, world.writer2, item, content(domain, task))
    bank.edit_item(db.session, world.manager, item, content(domain, task, stem="Manager's fix"))
    assert item.current.stem == "Manager's fix"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"domain": "Nowhere"}, "domain", "not a domain"),
        ({"task_code": "Z99"}, "task_code", "not a task"),
        ({"ksa_codes": ("NOPE",)}, "ksa_codes", "Not KSAs"),
        ({"cognitive_level": "guessing"}, "cognitive_level", "recall, application or analysis"),
        ({"stem": "  "}, "stem", "Write the stem"),
        ({"options": ("a", "b")}, "options", "3 to 5 options"),
        ({"options": ("a", "b", "c", "d", "e", "f")}, "options", "3 to 5 options"),
        ({"options": ("a", "b", "A")}, "options", "same text"),
        ({"options": ("a", "b", "c"), "key": 3}, "key", "one of the options"),
    ],
)
def test_content_is_checked_against_the_blueprint(
    world: World, changes: dict, field: str, message: str
) -> None:
    with pytest.raises(BankError, match=message) as caught:
        new_item(world, **changes)
    assert caught.value.field == field


def test_ksas_of_the_task_are_accepted(world: World) -> None:
    task = next(t for t in world.blueprint.tasks() if t.ksas)
    domain = next(d.name for d in world.blueprint.domains if task in d.tasks)
    item = bank.create_item(
        db.session,
        world.writer,
        world.board.id,
        world.ctype.id,
        content(domain, task.code, ksa_codes=tuple(k.code for k in task.ksas)),
    )
    assert item.current.ksa_codes == [k.code for k in task.ksas]
    assert item.current.blueprint_version == world.blueprint.version


def test_retire_keeps_the_item_out_of_new_forms(world: World) -> None:
    item = new_item(world)
    bank.submit(db.session, world.writer, item)
    bank.approve(db.session, world.reviewer, item)
    with pytest.raises(PermissionError):
        bank.retire(db.session, world.reviewer, item, "Outdated")
    with pytest.raises(BankError, match="reason"):
        bank.retire(db.session, world.manager, item, "")
    bank.retire(db.session, world.manager, item, "Outdated practice")
    assert item.status == "retired" and not item.usable
    with pytest.raises(BankError, match="retired"):
        domain, task = first_task(world)
        bank.edit_item(db.session, world.manager, item, content(domain, task))


def test_enemies_pair_once_within_the_bank(world: World) -> None:
    one, two = new_item(world), new_item(world)
    bank.add_enemy(db.session, world.reviewer, one, two.code, "Same scenario")
    assert [i.code for i in bank.enemies_of(db.session, two)] == [one.code]
    with pytest.raises(BankError, match="already an enemy"):
        bank.add_enemy(db.session, world.manager, two, one.code)
    with pytest.raises(BankError, match="not its own enemy"):
        bank.add_enemy(db.session, world.manager, one, one.code)
    with pytest.raises(BankError, match="No item"):
        bank.add_enemy(db.session, world.manager, one, "CPSS-9999")
    assert bank.enemy_pairs(db.session, world.board.id) == [tuple(sorted((one.id, two.id)))]
    bank.remove_enemy(db.session, world.manager, two, one)
    assert bank.enemies_of(db.session, one) == []


def test_the_audit_trail_keeps_ids_and_statuses_never_text(world: World) -> None:
    item = new_item(world)
    bank.submit(db.session, world.writer, item)
    bank.approve(db.session, world.reviewer, item, "fine")
    domain, task = first_task(world)
    bank.edit_item(db.session, world.writer, item, content(domain, task, stem=f"{TEXT_MARK} v2"))
    other = new_item(world)
    bank.add_enemy(db.session, world.reviewer, item, other.code)
    bank.retire(db.session, world.manager, item, f"{TEXT_MARK} reason")
    db.session.flush()
    events = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action.startswith("exam_item.")))
        .scalars()
        .all()
    )
    assert {e.action for e in events} >= {
        "exam_item.created",
        "exam_item.submitted",
        "exam_item.approved",
        "exam_item.new_version",
        "exam_item.enemy_added",
        "exam_item.retired",
    }
    dumped = json.dumps([[e.before, e.after] for e in events])
    assert TEXT_MARK not in dumped and "Right 1" not in dumped
    assert item.code in dumped and '"status": "retired"' in dumped


def test_pages_show_the_workflow(client, world: World) -> None:  # type: ignore[no-untyped-def]
    board = world.board.id
    domain, task = first_task(world)
    login(client, world.writer.email)
    page = client.get(f"/boards/{board}/exams/items/new")
    assert page.status_code == 200 and task in page.get_data(as_text=True)
    form = {
        "task": f"{domain}\x1f{task}",
        "cognitive_level": "recall",
        "stem": "What is a peer?",
        "option_a": "Someone with lived experience",
        "option_b": "A clinician",
        "option_c": "A judge",
        "key": "0",
    }
    response = client.post(f"/boards/{board}/exams/items/new", data=form)
    assert response.status_code == 302
    item = db.session.execute(select(Item).where(Item.board_id == board)).scalar_one()
    # an option missing: the message sits next to the options and nothing is stored
    bad = client.post(f"/boards/{board}/exams/items/new", data={**form, "option_c": ""})
    assert bad.status_code == 200 and "This field is required" in bad.get_data(as_text=True)
    client.post(f"/boards/{board}/exams/items/{item.id}/submit")
    db.session.expire_all()
    assert item.status == "in_review"
    # the writer cannot approve; a reviewer can
    assert client.post(f"/boards/{board}/exams/items/{item.id}/approve").status_code == 403
    client.post("/logout")
    login(client, world.reviewer.email)
    queue = client.get(f"/boards/{board}/exams/review").get_data(as_text=True)
    assert item.code in queue
    client.post(f"/boards/{board}/exams/items/{item.id}/approve", data={"note": "ok"})
    db.session.expire_all()
    assert item.status == "approved"
    page = client.get(f"/boards/{board}/exams/items/{item.id}").get_data(as_text=True)
    assert "What is a peer?" in page and "Version 1" in page
