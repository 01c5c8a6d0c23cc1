"""Exam forms: assemble against the approved blueprint, add pretest items, publish (freeze).

Assembly itself is exams/assembly.py (pure); this file reads the bank, calls it and stores
the form with its report. The audit trail gets form ids, names, counts and statuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session, aliased

from core import audit
from core.models import Role, User, utcnow
from exams.assembly import Assembly, Candidate, assemble, targets_of
from exams.bank.services import BankError, blueprint_for, enemy_pairs
from exams.models import Form, FormItem, Item, ItemVersion
from rds.exam_blueprint import Blueprint


class FormError(BankError):
    """A form change that is refused."""


def _check_manager(actor: User, board_id: int) -> None:
    if not actor.has_role(Role.EXAM_MANAGER, board_id=board_id):
        raise PermissionError("Only an exam manager builds forms.")


def _check_draft(form: Form) -> None:
    if form.frozen:
        raise FormError("This form is published: it is frozen and never changes.")


def candidates(session: Session, board_id: int, credential_type_id: int) -> list[Candidate]:
    """The approved, unretired items of the bank, classified by their approved version."""
    version = aliased(ItemVersion)
    query = (
        select(Item.id, version.id, version.domain, version.task_code)
        .join(version, and_(version.item_id == Item.id, version.number == Item.approved_number))
        .where(
            Item.board_id == board_id,
            Item.credential_type_id == credential_type_id,
            Item.status != "retired",
        )
    )
    return [
        Candidate(item_id, domain, task, version_id)
        for item_id, version_id, domain, task in session.execute(query)
    ]


def blueprint_targets(blueprint: Blueprint) -> Any:
    return targets_of((d.name, [(t.code, t.items) for t in d.tasks]) for d in blueprint.domains)


def earlier_items(session: Session, board_id: int, form_ids: Sequence[int]) -> dict[str, list[int]]:
    """The items of the board's named forms, by form name."""
    if not form_ids:
        return {}
    query = (
        select(Form.name, FormItem.item_id)
        .join(FormItem, FormItem.form_id == Form.id)
        .where(Form.board_id == board_id, Form.id.in_(list(form_ids)))
    )
    found: dict[str, list[int]] = {}
    for name, item_id in session.execute(query):
        found.setdefault(name, []).append(item_id)
    return found


def report_of(assembly: Assembly, blueprint: Blueprint) -> dict[str, Any]:
    """The assembly report as the form keeps it (plain JSON)."""
    statements = {t.code: t.statement for t in blueprint.tasks()}
    return {
        "blueprint": {"study_id": blueprint.study_id, "version": blueprint.version},
        "test_length": blueprint.test_length,
        "meets_domains": assembly.meets_domains,
        "meets_tasks": assembly.meets_tasks,
        "domains": [asdict(d) for d in assembly.domains],
        "tasks": [{**asdict(t), "statement": statements.get(t.code, "")} for t in assembly.tasks],
        "shortfalls": [{**asdict(s), "text": s.describe()} for s in assembly.shortfalls],
        "overlap": [{"form": name, "items": n} for name, n in assembly.overlap],
    }


def build_form(
    session: Session,
    actor: User,
    board_id: int,
    credential_type_id: int,
    name: str,
    seed: int,
    overlap_form_ids: Sequence[int] = (),
    max_overlap: int | None = None,
) -> Form:
    """Assemble a draft form from the bank's approved items (seeded: the same bank, seed
    and earlier forms give the same form) and store it with its blueprint report."""
    _check_manager(actor, board_id)
    name = name.strip()
    if not name:
        raise FormError("Name the form.", "name")
    clash = select(Form.id).where(Form.board_id == board_id, Form.name == name)
    if session.execute(clash).first():
        raise FormError(f"The board already has a form named {name}.", "name")
    blueprint = blueprint_for(session, board_id, credential_type_id)
    earlier = earlier_items(session, board_id, overlap_form_ids)
    result = assemble(
        blueprint_targets(blueprint),
        candidates(session, board_id, credential_type_id),
        seed,
        enemies=enemy_pairs(session, board_id),
        earlier_forms=earlier,
        max_overlap=max_overlap,
    )
    form = Form(
        board_id=board_id,
        credential_type_id=credential_type_id,
        name=name,
        status="draft",
        blueprint_study_id=blueprint.study_id,
        blueprint_version=blueprint.version,
        seed=seed,
        overlap_form_ids=sorted(set(overlap_form_ids)),
        max_overlap=max_overlap,
        report=report_of(result, blueprint),
        created_by_id=actor.id,
    )
    session.add(form)
    session.flush()
    if result.items:
        rows = [
            {
                "board_id": board_id,
                "form_id": form.id,
                "item_id": p.item_id,
                "item_version_id": p.version_id,
                "position": p.position,
                "scored": True,
                "domain": p.domain,
                "task_code": p.task_code,
            }
            for p in result.items
        ]
        session.execute(insert(FormItem), rows)
    audit.record(
        session,
        actor,
        "exam_form.assembled",
        form,
        after={
            "name": form.name,
            "seed": seed,
            "items": result.length,
            "meets_domains": result.meets_domains,
            "shortfalls": len(result.shortfalls),
        },
    )
    return form


def form_items(session: Session, form: Form) -> list[tuple[FormItem, Item, ItemVersion]]:
    """The form's items in order, each with its item and version: one statement."""
    query = (
        select(FormItem, Item, ItemVersion)
        .join(Item, Item.id == FormItem.item_id)
        .join(ItemVersion, ItemVersion.id == FormItem.item_version_id)
        .where(FormItem.form_id == form.id)
        .order_by(FormItem.position)
    )
    return [(fi, i, v) for fi, i, v in session.execute(query)]


def add_pretest(session: Session, actor: User, form: Form, code: str) -> Item:
    """Add an unscored pretest item (approved, not retired, not an enemy of the form's)."""
    _check_manager(actor, form.board_id)
    _check_draft(form)
    item = session.execute(
        select(Item).where(Item.board_id == form.board_id, Item.code == code.strip())
    ).scalar()
    if item is None or item.credential_type_id != form.credential_type_id:
        raise FormError(f"No item {code.strip()!r} in this exam's bank.", "code")
    if not item.usable:
        raise FormError(f"{item.code} has no approved version (or is retired).", "code")
    on_form = set(
        session.execute(select(FormItem.item_id).where(FormItem.form_id == form.id)).scalars()
    )
    if item.id in on_form:
        raise FormError(f"{item.code} is already on the form.", "code")
    foes = {
        b if a == item.id else a
        for a, b in enemy_pairs(session, form.board_id)
        if item.id in (a, b)
    }
    if foes & on_form:
        raise FormError(f"{item.code} is an enemy of an item on the form.", "code")
    version = item.approved
    assert version is not None
    last = session.execute(
        select(func.max(FormItem.position)).where(FormItem.form_id == form.id)
    ).scalar()
    session.add(
        FormItem(
            board_id=form.board_id,
            form_id=form.id,
            item_id=item.id,
            item_version_id=version.id,
            position=(last or 0) + 1,
            scored=False,
            domain=version.domain,
            task_code=version.task_code,
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "exam_form.pretest_added",
        form,
        after={"name": form.name, "item": item.code},
    )
    return item


def remove_pretest(session: Session, actor: User, form: Form, item_id: int) -> None:
    _check_manager(actor, form.board_id)
    _check_draft(form)
    row = session.execute(
        select(FormItem).where(
            FormItem.form_id == form.id, FormItem.item_id == item_id, FormItem.scored.is_(False)
        )
    ).scalar()
    if row is None:
        raise FormError("That is not a pretest item of this form.")
    position = row.position
    session.delete(row)
    session.flush()
    # close the gap so positions stay 1..n
    later = session.execute(
        select(FormItem)
        .where(FormItem.form_id == form.id, FormItem.position > position)
        .order_by(FormItem.position)
    ).scalars()
    for other in later:
        other.position -= 1
        session.flush()
    audit.record(session, actor, "exam_form.pretest_removed", form, after={"name": form.name})


def publish(session: Session, actor: User, form: Form, confirm: bool) -> None:
    """Publish the form: from now on it is frozen. A form short of its blueprint's domain
    counts is not published."""
    _check_manager(actor, form.board_id)
    _check_draft(form)
    if not confirm:
        raise FormError("Tick the box to confirm: a published form never changes.", "confirm")
    if not form.report.get("meets_domains"):
        raise FormError(
            "This form does not have the blueprint's items in every domain; assemble it again "
            "when the bank has the items named in the report."
        )
    form.status = "published"
    form.published_at = utcnow()
    form.published_by_id = actor.id
    session.flush()
    audit.record(
        session,
        actor,
        "exam_form.published",
        form,
        after={"name": form.name, "status": "published"},
    )


def delete_draft(session: Session, actor: User, form: Form) -> None:
    _check_manager(actor, form.board_id)
    _check_draft(form)
    audit.record(session, actor, "exam_form.deleted", form, before={"name": form.name})
    session.delete(form)
    session.flush()


def forms_of(session: Session, board_id: int) -> list[tuple[Form, int, int]]:
    """The board's forms, newest first, with their scored and pretest item counts."""
    scored = func.count(FormItem.id).filter(FormItem.scored.is_(True))
    pretest = func.count(FormItem.id).filter(FormItem.scored.is_(False))
    query = (
        select(Form, scored, pretest)
        .outerjoin(FormItem, FormItem.form_id == Form.id)
        .where(Form.board_id == board_id)
        .group_by(Form.id)
        .order_by(Form.created_at.desc(), Form.id.desc())
    )
    return [(f, int(s), int(p)) for f, s, p in session.execute(query)]
