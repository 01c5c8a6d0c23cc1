"""Writers' assignments: the items still needed per task for N forms, and requests."""

from __future__ import annotations

import pytest

from core.extensions import db
from exams.bank import assignments as assigning
from exams.bank import services as bank
from exams.bank.services import BankError
from tests.exams.factories import World, content, fill_bank
from tests.factories import login


def test_needs_per_task_for_n_forms(world: World) -> None:
    task = max(world.blueprint.tasks(), key=lambda t: t.items)
    domain = next(d for d in world.blueprint.domains if task in d.tasks)
    fill_bank(db.session, world, skip={task.code: 1})  # one form's worth, one short here
    bank.create_item(  # a draft under way on that task
        db.session, world.writer, world.board.id, world.ctype.id, content(domain.name, task.code)
    )
    needs = {n.code: n for n in assigning.task_needs(db.session, world.board.id, world.ctype.id, 3)}
    mine = needs[task.code]
    assert (mine.per_form, mine.wanted) == (task.items, 3 * task.items)
    assert (mine.approved, mine.in_progress) == (task.items - 1, 1)
    assert mine.needed == 3 * task.items - task.items
    other = next(n for n in needs.values() if n.code != task.code and n.per_form)
    assert other.needed == 2 * other.per_form  # one form's worth approved, two to go
    assign = assigning.assign(
        db.session, world.manager, world.board.id, world.ctype.id, world.writer,
        domain.name, task.code, 4, None,
    )  # fmt: skip
    needs = {n.code: n for n in assigning.task_needs(db.session, world.board.id, world.ctype.id, 3)}
    assert needs[task.code].requested == 4
    assert needs[task.code].unassigned == needs[task.code].needed - 4
    assert assign.writer_id == world.writer.id
    with pytest.raises(BankError, match="item writer"):
        assigning.assign(
            db.session, world.manager, world.board.id, world.ctype.id, world.reviewer,
            domain.name, task.code, 1, None,
        )  # fmt: skip
    with pytest.raises(PermissionError):
        assigning.assign(
            db.session, world.writer, world.board.id, world.ctype.id, world.writer,
            domain.name, task.code, 1, None,
        )  # fmt: skip


def test_the_page_for_managers_and_writers(client, world: World) -> None:  # type: ignore[no-untyped-def]
    fill_bank(db.session, world)
    db.session.commit()
    task = next(world.blueprint.tasks())
    domain = world.blueprint.domains[0]
    login(client, world.manager.email)
    base = f"/boards/{world.board.id}/exams/assignments"
    page = client.get(f"{base}?forms=2").get_data(as_text=True)
    assert f'data-task="{task.code}"' in page and "Ask a writer for items" in page
    response = client.post(
        f"{base}?forms=2",
        data={
            "writer": str(world.writer.id),
            "task": f"{domain.name}\x1f{task.code}",
            "items_requested": "5",
        },
    )
    assert response.status_code == 302
    client.post("/logout")
    login(client, world.writer.email)
    page = client.get(base).get_data(as_text=True)
    assert f"5 items on task {task.code}" in page and "Ask a writer for items" not in page
    assert client.post(base, data={"items_requested": "1"}).status_code == 403
