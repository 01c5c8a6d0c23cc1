"""The role decorator and board scoping: staff see only their own board."""

from __future__ import annotations

from core.models import Role
from tests.factories import login


def test_board_staff_cannot_reach_another_board(client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne, lakes = make_board("ne"), make_board("lakes")
    admin = make_user("ne.admin@example.org", [(Role.BOARD_ADMIN, ne)])
    login(client, admin.email)
    for path in ("", "/staff", "/audit"):
        assert client.get(f"/boards/{ne.id}{path}").status_code == 200
        assert client.get(f"/boards/{lakes.id}{path}").status_code == 404
    # inviting into the other board is refused too
    response = client.post(
        f"/boards/{lakes.id}/staff",
        data={"full_name": "X", "email": "x@example.org", "role": "board_admin"},
    )
    assert response.status_code == 404


def test_role_required(client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne = make_board("ne")
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, ne)])
    trainee = make_user("t@example.org", [(Role.TRAINEE, ne)])
    assert client.get(f"/boards/{ne.id}").status_code == 302  # anonymous: to login
    login(client, reviewer.email)
    assert client.get(f"/boards/{ne.id}").status_code == 200
    assert client.get(f"/boards/{ne.id}/staff").status_code == 403  # admins only
    client.post("/logout")
    login(client, trainee.email)
    assert client.get(f"/boards/{ne.id}").status_code == 403


def test_roles_are_scoped_per_board(client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne, lakes = make_board("ne"), make_board("lakes")
    person = make_user(
        "both@example.org",
        [(Role.BOARD_REVIEWER, ne), (Role.TRAINEE, lakes), (Role.SUPERVISOR, ne)],
    )
    assert person.has_role(Role.BOARD_REVIEWER, board_id=ne.id)
    assert not person.has_role(Role.BOARD_REVIEWER, board_id=lakes.id)
    login(client, person.email)
    assert client.get(f"/boards/{ne.id}").status_code == 200
    assert client.get(f"/boards/{lakes.id}").status_code == 404
    page = client.get("/dashboard").get_data(as_text=True)
    for panel in ("board_reviewer", "eligibility", "supervisor-hours"):
        assert f'data-testid="panel-{panel}"' in page


def test_platform_admin_sees_every_board(client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    ne, lakes = make_board("ne"), make_board("lakes")
    admin = make_user("root@example.org", [(Role.PLATFORM_ADMIN, None)])
    login(client, admin.email)
    for board in (ne, lakes):
        assert client.get(f"/boards/{board.id}/audit").status_code == 200
