"""The staff page lists a board's staff (supervisors too) by name, a page at a time, read by key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from core.boards import staff_page
from core.extensions import db
from core.models import Board, Role, RoleAssignment, User
from tests.factories import create_board, create_user, login


@contextmanager
def _counted(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _board_with_staff(session: Any, supervisors: int) -> Board:
    board = create_board(session, "ne")
    create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board), (Role.TRAINER, board)])
    for i in range(supervisors):
        # names that sort apart from their ids, one with the cursor's separator in it
        create_user(
            session, f"sup{(i * 7) % supervisors:02d}@example.org", [(Role.SUPERVISOR, board)]
        )
    tilde = create_user(session, "tilde@example.org", [(Role.SUPERVISOR, board)])
    tilde.full_name = "Sup~Tilde"
    create_user(session, "trainee@example.org", [(Role.TRAINEE, board)])  # never staff
    session.flush()
    return board


def test_staff_pages_by_name_show_everyone_once_and_go_back(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = _board_with_staff(session, 57)
        pages, cursor = [], None
        while True:
            page = staff_page(session, board, cursor)
            pages.append([(a.user.full_name, a.role, a.id) for a in page.items])
            cursor = page.older
            if cursor is None:
                break
        seen = [row for rows in pages for row in rows]
        assert page.total == 57 + 1 + 2 == len(seen) == len(set(seen))  # + tilde, admin's 2 roles
        assert [len(p) for p in pages] == [25, 25, 10]
        # in the database's own order of names (its collation), then role, then id
        ordered = session.execute(
            select(User.full_name, RoleAssignment.role, RoleAssignment.id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.board_id == board.id, RoleAssignment.role != "trainee")
            .order_by(User.full_name, RoleAssignment.role, RoleAssignment.id)
        ).all()
        assert seen == [tuple(row) for row in ordered]
        assert all(role != "trainee" for _, role, _ in seen)
        # and back from the last page: the one before it, then the first (nothing before it)
        second = staff_page(session, board, staff_page(session, board).older)
        last = staff_page(session, board, second.older)
        assert [(a.user.full_name, a.role, a.id) for a in last.items] == pages[2]
        back = staff_page(session, board, None, last.newer)
        assert [(a.user.full_name, a.role, a.id) for a in back.items] == pages[1]
        first = staff_page(session, board, None, back.newer)
        assert [(a.user.full_name, a.role, a.id) for a in first.items] == pages[0]
        assert first.newer is None


def test_staff_page_links_next_and_previous_in_as_many_statements(app, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        board_id = _board_with_staff(db.session, 40).id
        db.session.commit()
    login(client, "admin@example.org")
    url = f"/boards/{board_id}/staff"
    with _counted(app) as first_statements:
        first = client.get(url).get_data(as_text=True)
    assert first.count("Sign out everywhere<span") == 25 - 2  # not for oneself (two roles)
    assert "43 roles on this board" in first
    following = re.search(r'href="([^"]*older=[^"]+)"', first)
    assert following is not None and 'data-testid="page-older">Next<' in first
    with _counted(app) as second_statements:
        second = client.get(following.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("Sign out everywhere<span") == 43 - 25
    assert "Previous" in second and not re.search(r'href="[^"]*older=', second)
    assert len(second_statements) == len(first_statements)
