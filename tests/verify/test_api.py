"""API v1: the public fields, bulk checks with employer keys, JSON errors, rate limits, keys."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Role
from tests.factories import login
from tests.verify.conftest import PRIVATE, api_key_for, bearer, change_status, issue_credential
from verify.models import ApiKey

PUBLIC_FIELDS = {
    "board", "name", "credential_type", "number", "status", "valid_for_practice",
    "status_sentence", "issued_on", "expires_on", "endorsements", "discipline", "verify_url",
    "checked_at",
}  # fmt: skip


def test_lookup_returns_exactly_the_public_fields(client, issued) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/credentials/ne/{issued.number}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == PUBLIC_FIELDS
    assert set(body["board"]) == {"slug", "name", "jurisdiction"}
    assert body["name"] == "Jane Q. Doe" and body["status"] == "active"
    assert body["valid_for_practice"] is True
    assert body["endorsements"] == ["Y endorsement"]
    text = response.get_data(as_text=True).lower()
    for private in PRIVATE.values():
        assert private.lower() not in text
    for word in ("email", "birth", "lived", "recovery", "supervisor", "exam", "phone"):
        assert word not in text, word


def test_errors_are_json(client, issued) -> None:  # type: ignore[no-untyped-def]
    missing = client.get("/api/v1/credentials/ne/NE-CPSS-999999")
    assert missing.status_code == 404
    assert missing.get_json()["code"] == "not_found" and missing.get_json()["message"]
    unknown = client.get("/api/v1/nothing/here")
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "not_found"
    wrong_method = client.get("/api/v1/verifications")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["code"] == "method_not_allowed"
    assert "POST" in wrong_method.headers["Allow"]
    no_key = client.post("/api/v1/verifications", json={"credentials": []})
    assert no_key.status_code == 401 and no_key.get_json()["code"] == "unauthorized"


def test_bulk_check_with_an_employer_key(app, client, board, issued) -> None:  # type: ignore[no-untyped-def]
    secret = api_key_for(app, "hr@acme.example")
    change_status(app, issue_credential(app, board, "s@example.org", "Sam Suspended").credential_id,
                  "suspended")  # fmt: skip
    wanted = [
        {"board": "ne", "number": issued.number},
        {"board": "ne", "number": "NE-CPSS-000002"},
        {"board": "ne", "number": "NE-CPSS-999999"},
        {"board": "other", "number": issued.number},
    ]
    response = client.post(
        "/api/v1/verifications", json={"credentials": wanted}, headers=bearer(secret)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["count"] == 4
    found = [r["found"] for r in body["results"]]
    assert found == [True, True, False, False]
    assert body["results"][1]["credential"]["status"] == "suspended"
    assert body["results"][1]["credential"]["valid_for_practice"] is False
    assert set(body["results"][0]["credential"]) == PUBLIC_FIELDS - {"checked_at"}


def test_bulk_limits_and_validation(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    secret = api_key_for(app, "hr@acme.example")
    many = [{"board": "ne", "number": f"NE-CPSS-{i:06d}"} for i in range(1000)]
    ok = client.post("/api/v1/verifications", json={"credentials": many}, headers=bearer(secret))
    assert ok.status_code == 200 and ok.get_json()["count"] == 1000
    too_many = client.post(
        "/api/v1/verifications", json={"credentials": [*many, many[0]]}, headers=bearer(secret)
    )
    assert too_many.status_code == 400
    assert too_many.get_json()["code"] == "too_many_credentials"
    bad = client.post(
        "/api/v1/verifications",
        json={
            "credentials": [{"board": "ne", "number": "NE-CPSS-1"}, {"board": "NE", "number": 3}]
        },
        headers=bearer(secret),
    )
    assert bad.status_code == 400 and "credentials[1].board" in bad.get_json()["message"]
    not_json = client.post("/api/v1/verifications", data="x", headers=bearer(secret))
    assert not_json.status_code == 415


def test_revoked_or_forged_keys_are_refused(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    secret = api_key_for(app, "hr@acme.example")
    body = {"credentials": [{"board": "ne", "number": issued.number}]}
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert (
        client.post("/api/v1/verifications", json=body, headers=bearer(forged)).status_code == 401
    )
    with app.app_context():
        key = db.session.execute(select(ApiKey)).scalar_one()
        key_id = key.id
    login(client, "hr@acme.example")
    client.post(f"/employer/api-keys/{key_id}/revoke", data={"confirm": "y"})
    anonymous = app.test_client()
    refused = anonymous.post("/api/v1/verifications", json=body, headers=bearer(secret))
    assert refused.status_code == 401


def test_keys_are_shown_once_stored_hashed_and_last_use_noted(app, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("boss@acme.example", [(Role.EMPLOYER, None)])
    client = app.test_client()
    login(client, "boss@acme.example")
    client.post("/employer/organization/new", data={"name": "Acme Health"})
    created = client.post("/employer/api-keys", data={"name": "HR system"})
    page = created.get_data(as_text=True)
    assert created.headers["Cache-Control"] == "no-store"
    secret = page.split('data-testid="new-key"', 1)[1].split("<code", 1)[1]
    secret = secret.split(">", 1)[1].split("<", 1)[0].strip()
    assert secret.startswith("pck_")
    again = client.get("/employer/api-keys").get_data(as_text=True)
    assert secret not in again and "Never" in again
    with app.app_context():
        key = db.session.execute(select(ApiKey)).scalar_one()
        assert secret not in (key.secret_hash, key.prefix) and len(key.secret_hash) == 64
        assert db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "api_key.created")
        ).scalar()
    used = app.test_client().post(
        "/api/v1/verifications",
        json={"credentials": [{"board": "ne", "number": "NE-CPSS-000001"}]},
        headers=bearer(secret),
    )
    assert used.status_code == 200
    listed = client.get("/employer/api-keys").get_data(as_text=True)
    assert "Never" not in listed.split('data-testid="last-used"', 1)[1].split("</td>", 1)[0]


def test_rate_limits_per_address_and_per_key(app, issued) -> None:  # type: ignore[no-untyped-def]
    first, second = (
        api_key_for(app, "a@one.example", "One"),
        api_key_for(app, "b@two.example", "Two"),
    )
    body = {"credentials": [{"board": "ne", "number": issued.number}]}
    app.config["API_KEY_RATE_LIMIT"] = "3 per minute"
    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    try:
        client = app.test_client()
        here = {"REMOTE_ADDR": "203.0.113.9"}
        codes = [
            client.post("/api/v1/verifications", json=body, headers=bearer(first),
                        environ_base=here).status_code
            for _ in range(4)
        ]  # fmt: skip
        assert codes == [200, 200, 200, 429]
        limited = client.post(
            "/api/v1/verifications", json=body, headers=bearer(first), environ_base=here
        )
        assert limited.get_json()["code"] == "rate_limited"
        # another key from the same address has its own allowance
        other = client.post(
            "/api/v1/verifications", json=body, headers=bearer(second), environ_base=here
        )
        assert other.status_code == 200
        public = [
            client.get(f"/api/v1/credentials/ne/{issued.number}",
                       environ_base={"REMOTE_ADDR": "203.0.113.10"}).status_code
            for _ in range(3)
        ]  # fmt: skip
        assert public == [200, 200, 429]
    finally:
        app.config["API_KEY_RATE_LIMIT"] = "600 per minute"
        app.config["PUBLIC_RATE_LIMIT"] = "1000 per minute"


def test_openapi_document_is_served(client) -> None:  # type: ignore[no-untyped-def]
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/credentials/{board}/{number}" in document["paths"]
    assert "/api/v1/verifications" in document["paths"]


def test_api_needs_no_csrf_token(app, issued) -> None:  # type: ignore[no-untyped-def]
    secret = api_key_for(app, "hr@acme.example")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post(
            "/api/v1/verifications",
            json={"credentials": [{"board": "ne", "number": issued.number}]},
            headers=bearer(secret),
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 200


def test_lookup_lists_public_notices_only(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    from datetime import date, timedelta

    from certify.credentials import services as credentials
    from certify.models import Credential
    from core.models import User

    with app.app_context():
        credential = db.session.get(Credential, issued.credential_id)
        actor = db.session.get(User, credential.holder_id)
        for kind, public, summary, days in (
            ("complaint", False, "", 30),
            ("reprimand", True, "Late progress notes", 20),
            ("probation", True, "Supervision for six months", 10),
        ):
            credentials.discipline(
                db.session, credential, actor, kind, date.today() - timedelta(days=days),
                public, summary, internal_notes="never public",
            )  # fmt: skip
        db.session.commit()
    body = client.get(f"/api/v1/credentials/ne/{issued.number}").get_json()
    assert [n["summary"] for n in body["discipline"]] == [
        "Late progress notes",
        "Supervision for six months",
    ]
    assert "never public" not in json.dumps(body)
