"""An exam world: two boards, a credential type with an approved blueprint, exam staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from certify.models import CredentialType
from core.models import Board, Role, User
from exams.bank.services import ItemContent, approve, create_item, submit
from exams.models import Item
from rds.analysis import services as rds
from rds.exam_blueprint import Blueprint
from tests.factories import create_board, create_user
from tests.rds.test_approved_blueprint import make_study

TEXT_MARK = "ZEBRA-CONFIDENTIAL"  # in every stem: must never leave the exam pages


@dataclass
class World:
    board: Board
    other: Board
    ctype: CredentialType
    blueprint: Blueprint
    manager: User
    writer: User
    writer2: User
    reviewer: User
    writer_reviewer: User
    other_manager: User
    admin: User


def approved_blueprint_for(
    session: Session, board: Board, ctype: CredentialType, admin: User
) -> Blueprint:
    study = make_study(board, ctype, "Peer specialist RDS", seed=1)
    psych = create_user(session, f"psych.{board.slug}@a.org", [(Role.PSYCHOMETRICIAN, board)])
    settings = {**rds.DEFAULT_SETTINGS, "items": 30, "importance_min": 1.0, "performing_min": 0.1}
    version = rds.run_analysis(session, psych, study, settings)
    rds.approve(
        session,
        admin,
        version,
        "Approved at the board meeting",
        datetime(2026, 4, 2, tzinfo=UTC),
        acknowledgement="Test data: a synthetic sample of forty responses, accepted for tests.",
    )
    session.flush()
    found = rds.approved_blueprint(session, board.id, ctype.id)
    assert found is not None
    return found


def make_world(session: Session) -> World:
    board, other = create_board(session, "lakes"), create_board(session, "plains")
    admin = create_user(session, "admin@a.org", [(Role.BOARD_ADMIN, board)])
    ctype = CredentialType(board_id=board.id, code="CPSS", name="Peer specialist")
    session.add(ctype)
    session.flush()
    blueprint = approved_blueprint_for(session, board, ctype, admin)
    return World(
        board=board,
        other=other,
        ctype=ctype,
        blueprint=blueprint,
        manager=create_user(session, "manager@a.org", [(Role.EXAM_MANAGER, board)]),
        writer=create_user(session, "writer@a.org", [(Role.ITEM_WRITER, board)]),
        writer2=create_user(session, "writer2@a.org", [(Role.ITEM_WRITER, board)]),
        reviewer=create_user(session, "reviewer@a.org", [(Role.ITEM_REVIEWER, board)]),
        writer_reviewer=create_user(
            session, "both@a.org", [(Role.ITEM_WRITER, board), (Role.ITEM_REVIEWER, board)]
        ),
        other_manager=create_user(session, "elsewhere@a.org", [(Role.EXAM_MANAGER, other)]),
        admin=admin,
    )


def content(domain: str, task: str, n: int = 1, **changes: Any) -> ItemContent:
    values: dict[str, Any] = {
        "domain": domain,
        "task_code": task,
        "cognitive_level": "application",
        "stem": f"{TEXT_MARK} stem {task} {n}: which response is best?",
        "options": (f"Right {n}", f"Wrong one {n}", f"Wrong two {n}", f"Wrong three {n}"),
        "key": 0,
        "rationale": f"{TEXT_MARK} rationale",
        "references": "Peer support handbook",
    }
    values.update(changes)
    return ItemContent(**values)


def fill_bank(
    session: Session, world: World, extra: int = 0, skip: dict[str, int] | None = None
) -> list[Item]:
    """Approved items for every task: its blueprint count plus extra (minus skip[task])."""
    items = []
    for domain in world.blueprint.domains:
        for task in domain.tasks:
            count = task.items + extra - (skip or {}).get(task.code, 0)
            for n in range(max(0, count)):
                item = create_item(
                    session,
                    world.writer,
                    world.board.id,
                    world.ctype.id,
                    content(domain.name, task.code, n),
                    blueprint=world.blueprint,
                )
                submit(session, world.writer, item)
                approve(session, world.reviewer, item)
                items.append(item)
    session.flush()
    return items
