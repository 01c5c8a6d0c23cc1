"""Workspaces: each role and board has its own navigation, fed by the module registry."""

from __future__ import annotations

import re

from flask import Flask

from core.models import Role
from core.modules import NavEntry, registry
from tests.factories import login


def _workspace_links(page: str) -> list[str]:
    nav = page.split('data-testid="workspace-nav"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<span>([^<]+)</span>", nav)


def _switcher(page: str) -> list[str]:
    if 'data-testid="workspace-switcher"' not in page:
        return []
    menu = page.split('data-testid="workspace-switcher"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'class="dropdown-item[^"]*" href="[^"]+"[^>]*>([^<]+)</a>', menu)


def test_a_trainee_works_in_my_certification(client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    login(client, trainee.email)
    page = client.get("/me/certification").get_data(as_text=True)
    assert _workspace_links(page) == [
        "Checklist",
        "My training",
        "My hours",
        "My credentials",
        "My exams",  # exams: registering for and sitting an exam window
        "My exam results",  # exams: results and score reports
        "Digital credentials",  # verify's signed credentials, in the holder's workspace
    ]
    assert _switcher(page) == ["My certification", "CE"]


def test_a_person_with_several_roles_switches_in_one_click(client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne, ks = make_board("ne", "Nebraska board"), make_board("ks", "Kansas board")
    person = make_user(
        "pat@example.org",
        [(Role.BOARD_ADMIN, ne), (Role.BOARD_REVIEWER, ks), (Role.TRAINEE, ne)],
    )
    login(client, person.email)
    page = client.get(f"/boards/{ne.id}").get_data(as_text=True)
    assert _switcher(page) == ["My certification", "CE", "Kansas board", "Nebraska board"]
    assert "Workspace: Nebraska board" in page
    links = _workspace_links(page)
    assert links[0] == "Overview" and links[-2:] == ["Staff", "Audit log"]
    assert {"Applications", "Credentials", "Rules", "Studies"} <= set(links)
    # a reviewer on the other board sees that board's reviewer links only
    ks_links = _workspace_links(client.get(f"/boards/{ks.id}").get_data(as_text=True))
    assert "Rules" not in ks_links and "Staff" not in ks_links and "Applications" in ks_links
    # the dashboard stays in the workspace last used
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Workspace: Kansas board" in dashboard


def test_counts_show_what_waits(app: Flask, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    admin = make_user("ada@example.org", [(Role.BOARD_ADMIN, board)])
    seen: list[int | None] = []

    def waiting(session, board_id, user):  # type: ignore[no-untyped-def]
        seen.append(board_id)
        return 3

    entry = NavEntry("Things", "core.board", frozenset({Role.BOARD_ADMIN}), True, count=waiting)
    registry(app).nav.append(entry)
    try:
        login(client, admin.email)
        page = client.get(f"/boards/{board.id}").get_data(as_text=True)
    finally:
        registry(app).nav.remove(entry)
    assert seen == [board.id]
    assert 'data-testid="nav-count">3<span class="visually-hidden"> waiting' in page


def test_an_employer_has_no_board_workspace(client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    make_board("ne")
    employer = make_user("boss@example.org", [(Role.EMPLOYER, None)])
    login(client, employer.email)
    page = client.get("/dashboard").get_data(as_text=True)
    # the one workspace is the Employer workspace (verify's): no switcher, no board links
    assert _switcher(page) == []
    assert _workspace_links(page)[0] == "Overview"
    assert "Applications" not in _workspace_links(page)
