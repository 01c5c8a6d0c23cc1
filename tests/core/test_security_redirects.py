"""Finding #4: the login redirect stays on this site whatever `next` holds."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",  # a tab browsers drop: "/\t/evil.example" becomes "//evil.example"
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "%09//evil.example",
        " //evil.example",
        "/%5cevil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "///evil.example",
        "/%2F/evil.example",
    ],
)
def test_login_never_redirects_off_site(client, make_user, target) -> None:  # type: ignore[no-untyped-def]
    make_user("nav@example.org")
    response = client.post(
        "/login?next=" + target, data={"email": "nav@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302, target
    assert response.headers["Location"] == "/dashboard", target


def test_newline_in_next_is_no_server_error(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("nav@example.org")
    response = client.post(
        "/login",
        query_string={"next": "/boards/1\r\nSet-Cookie: x=1"},
        data={"email": "nav@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_same_site_paths_with_query_are_kept(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("nav@example.org")
    response = client.post(
        "/login",
        query_string={"next": "/boards/1/audit?action=login&page=2"},
        data={"email": "nav@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/boards/1/audit?action=login&page=2"
