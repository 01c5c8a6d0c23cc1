"""Signed Open Badges 3.0 credentials: sign, verify, status flips, tampering, keys, CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from certify.credentials import services as credentials
from certify.models import Credential
from core.extensions import db
from core.models import AuditEvent, Board, User
from tests.factories import login
from tests.verify.conftest import PRIVATE, change_status, issue_credential
from verify.badges import services, statuslist
from verify.models import IssuerKey, SignedBadge, StatusList


def _document(app, credential_id: int) -> dict:  # type: ignore[no-untyped-def]
    with app.app_context():
        badge = services.live_badge(db.session, db.session.get(Credential, credential_id))
        assert badge is not None
        return json.loads(badge.document)


def _check(app, document):  # type: ignore[no-untyped-def]
    with app.app_context():
        return services.check_document(db.session, document)


def test_issue_signs_an_open_badge_without_private_facts(app, issued) -> None:  # type: ignore[no-untyped-def]
    document = _document(app, issued.credential_id)
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    subject = document["credentialSubject"]
    assert subject["achievement"]["achievementType"] == "Certification"
    assert subject["identifier"][0]["identityHash"] == issued.number
    assert document["issuer"]["id"] == "did:web:localhost:issuers:ne"
    assert document["issuer"]["type"] == ["Profile"]
    assert document["validFrom"].endswith("T00:00:00Z")
    assert document["validUntil"].endswith("T23:59:59Z")
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert {s["statusPurpose"] for s in document["credentialStatus"]} == {
        "revocation",
        "suspension",
    }
    text = json.dumps(document).lower()
    for private in PRIVATE.values():
        assert private.lower() not in text
    assert "email" not in text


def test_signed_suspended_reinstated_revoked(app, issued) -> None:  # type: ignore[no-untyped-def]
    document = _document(app, issued.credential_id)
    verdict = _check(app, document)
    assert verdict.valid, verdict.summary
    assert verdict.summary.startswith("VALID")

    change_status(app, issued.credential_id, "suspended")
    verdict = _check(app, document)
    assert not verdict.valid
    assert "suspended" in verdict.summary

    change_status(app, issued.credential_id, "active")  # reinstated
    assert _check(app, document).valid

    change_status(app, issued.credential_id, "revoked")
    verdict = _check(app, document)
    assert not verdict.valid and "revoked" in verdict.summary


def test_tampered_credential_is_rejected(app, issued) -> None:  # type: ignore[no-untyped-def]
    document = _document(app, issued.credential_id)
    for change in (
        lambda d: d["credentialSubject"].__setitem__("name", "Mallory"),
        lambda d: d.__setitem__("validUntil", "2099-12-31T23:59:59Z"),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Supervisor"),
        lambda d: d["credentialStatus"][0].__setitem__("statusListIndex", "7"),
    ):
        tampered = json.loads(json.dumps(document))
        change(tampered)
        verdict = _check(app, tampered)
        assert not verdict.valid
        assert "signature" in verdict.summary or "changed" in verdict.summary


def test_undefined_terms_and_foreign_contexts_are_refused(app, issued) -> None:  # type: ignore[no-untyped-def]
    document = _document(app, issued.credential_id)
    extra = {**document, "@context": [*document["@context"], "https://example.org/ctx.json"]}
    assert not _check(app, extra).valid
    not_json_ld = json.loads(json.dumps(document))
    not_json_ld["credentialSubject"]["favouriteColour"] = "blue"
    assert not _check(app, not_json_ld).valid


def test_expired_credential_fails_on_dates(app, board) -> None:  # type: ignore[no-untyped-def]
    old = issue_credential(
        app, board, "old@example.org", "Olive Old", issued_on=date.today() - timedelta(days=800)
    )
    verdict = _check(app, _document(app, old.credential_id))
    assert not verdict.valid and "expired" in verdict.summary


def test_status_lists_are_large_gzip_base64url_and_signed(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    document = _document(app, issued.credential_id)
    entry = document["credentialStatus"][0]
    url = entry["statusListCredential"]
    assert url == "http://localhost/issuers/ne/status/1/revocation"
    response = client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200
    listed = response.get_json()
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = listed["credentialSubject"]["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded
    bits = statuslist.decode(encoded)
    assert len(bits) * 8 >= 131_072
    assert not statuslist.get_bit(bits, int(entry["statusListIndex"]))
    change_status(app, issued.credential_id, "revoked")
    relisted = client.get(url.removeprefix("http://localhost")).get_json()
    assert relisted["proof"]["proofValue"] != listed["proof"]["proofValue"]  # re-signed
    assert statuslist.get_bit(
        statuslist.decode(relisted["credentialSubject"]["encodedList"]),
        int(entry["statusListIndex"]),
    )


def test_indexes_are_never_reused(app, board) -> None:  # type: ignore[no-untyped-def]
    made = [issue_credential(app, board, f"p{i}@example.org", f"Person {i} Test") for i in range(6)]
    with app.app_context():
        credential = db.session.get(Credential, made[0].credential_id)
        services.reissue(db.session, credential, None)
        db.session.commit()
        rows = db.session.execute(
            select(SignedBadge.status_list_id, SignedBadge.status_index)
        ).all()
        assert len(rows) == 7 and len(set(rows)) == 7
        lst = db.session.execute(select(StatusList)).scalar_one()
        assert lst.assigned == 7 and lst.size == statuslist.LIST_SIZE


def test_reissue_revokes_the_old_copy(app, issued) -> None:  # type: ignore[no-untyped-def]
    old = _document(app, issued.credential_id)
    with app.app_context():
        credential = db.session.get(Credential, issued.credential_id)
        services.reissue(db.session, credential, None)
        db.session.commit()
    new = _document(app, issued.credential_id)
    assert new["id"] != old["id"]
    assert _check(app, new).valid
    assert not _check(app, old).valid


def test_renewal_reissues_with_the_new_expiry(app, issued) -> None:  # type: ignore[no-untyped-def]
    before = _document(app, issued.credential_id)
    with app.app_context():
        credential = db.session.get(Credential, issued.credential_id)
        credentials.renew(db.session, credential, db.session.get(User, credential.holder_id),
                          date.today())  # fmt: skip
        db.session.commit()
    after = _document(app, issued.credential_id)
    assert after["validUntil"] > before["validUntil"]
    assert _check(app, after).valid


def test_key_rotation_keeps_old_credentials_verifiable(app, client, board, issued) -> None:  # type: ignore[no-untyped-def]
    old = _document(app, issued.credential_id)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["vc", "rotate-key", "ne"])
    assert result.exit_code == 0, result.output
    newer = issue_credential(app, board, "new@example.org", "Nora New")
    new = _document(app, newer.credential_id)
    assert new["proof"]["verificationMethod"] != old["proof"]["verificationMethod"]
    assert _check(app, old).valid and _check(app, new).valid
    did = client.get("/issuers/ne/did.json").get_json()
    methods = {m["id"] for m in did["verificationMethod"]}
    assert {old["proof"]["verificationMethod"], new["proof"]["verificationMethod"]} <= methods
    assert set(did["assertionMethod"]) == methods
    with app.app_context():
        keys = db.session.execute(select(IssuerKey)).scalars().all()
        assert sum(k.retired_at is None for k in keys) == 1
        assert db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "issuer_key.rotated")
        ).scalar()


def test_private_key_comes_from_the_environment(app, board, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from verify.badges.keys import key_fragment, public_key_multibase, secret_key_multibase

    private = Ed25519PrivateKey.generate()
    monkeypatch.setenv("VC_SIGNING_KEY_NE", secret_key_multibase(private))
    made = issue_credential(app, board, "env@example.org", "Eve Env")
    document = _document(app, made.credential_id)
    fragment = key_fragment(public_key_multibase(private.public_key()))
    assert document["proof"]["verificationMethod"].endswith("#" + fragment)
    assert _check(app, document).valid
    with app.app_context():  # only the public key is stored
        stored = db.session.execute(select(IssuerKey)).scalars().all()
        dump = json.dumps([(k.fragment, k.public_key_multibase) for k in stored])
        assert secret_key_multibase(private) not in dump


def test_missing_key_in_production_mode_leaves_the_credential_issued(app, board) -> None:  # type: ignore[no-untyped-def]
    app.config["VC_GENERATE_KEYS"] = False
    try:
        made = issue_credential(app, make_board_slug(app, "zz"), "z@example.org", "Zed Zulu")
        with app.app_context():
            credential = db.session.get(Credential, made.credential_id)
            assert credential.status == "active"
            assert services.live_badge(db.session, credential) is None
        result = app.test_cli_runner().invoke(args=["vc", "export", "zz", made.number])
        assert result.exit_code != 0 and "keygen" in result.output
        created = app.test_cli_runner().invoke(args=["vc", "keygen", "zz"])
        assert created.exit_code == 0, created.output
        result = app.test_cli_runner().invoke(args=["vc", "export", "zz", made.number])
        assert result.exit_code == 0 and json.loads(result.output)["proof"]
    finally:
        app.config["VC_GENERATE_KEYS"] = True


def make_board_slug(app, slug):  # type: ignore[no-untyped-def]
    from tests.factories import create_board

    with app.app_context():
        board = create_board(db.session, slug)
        db.session.commit()
        db.session.refresh(board)
        db.session.expunge(board)
        return board


def test_cli_export_and_verify(app, issued, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["vc", "export", "ne", issued.number])
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "badge.json"
    path.write_text(exported.output)
    checked = runner.invoke(args=["vc", "verify", str(path)])
    assert checked.exit_code == 0 and checked.output.startswith("VALID"), checked.output
    assert len(checked.output.strip().splitlines()) == 1
    change_status(app, issued.credential_id, "suspended")
    checked = runner.invoke(args=["vc", "verify", str(path)])
    assert checked.exit_code == 1 and checked.output.startswith("NOT VALID")
    assert "suspended" in checked.output


def test_holder_downloads_and_checks_on_the_public_page(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    login(client, issued.holder_email)
    page = client.get("/me/digital-credentials")
    assert page.status_code == 200 and issued.number in page.get_data(as_text=True)
    download = client.get(f"/me/digital-credentials/{issued.credential_id}.json")
    assert download.status_code == 200
    document = json.loads(download.data)
    assert document["credentialSubject"]["licenseNumber"] == issued.number
    anonymous = app.test_client()
    assert anonymous.get(f"/me/digital-credentials/{issued.credential_id}.json").status_code == 302
    import io

    result = anonymous.post(
        "/verify/check", data={"file": (io.BytesIO(download.data), "badge.json")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert "VALID: signature, dates and status hold" in result.get_data(as_text=True)
    tampered = download.data.replace(b"Jane Q. Doe", b"John Q. Doe")
    result = anonymous.post(
        "/verify/check", data={"file": (io.BytesIO(tampered), "badge.json")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert "NOT VALID" in result.get_data(as_text=True)


def test_wallet_link_serves_the_badge_for_a_while(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    login(client, issued.holder_email)
    page = client.get("/me/digital-credentials").get_data(as_text=True)
    link = page.split('href="http://localhost/badges/wallet/', 1)[1].split('"', 1)[0]
    served = app.test_client().get(f"/badges/wallet/{link}")
    assert served.status_code == 200 and served.get_json()["proof"]
    assert app.test_client().get("/badges/wallet/forged-token").status_code == 404


def test_another_holder_cannot_download(app, client, board, issued) -> None:  # type: ignore[no-untyped-def]
    other = issue_credential(app, board, "other@example.org", "Otto Other")
    login(client, other.holder_email)
    assert client.get(f"/me/digital-credentials/{issued.credential_id}.json").status_code == 404


def test_board_page_and_reissue(app, client, board, issued, make_user) -> None:  # type: ignore[no-untyped-def]
    from core.models import Role

    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    login(client, admin.email)
    page = client.get(f"/boards/{board.id}/digital-credentials")
    assert page.status_code == 200 and "did:web:localhost:issuers:ne" in page.get_data(as_text=True)
    response = client.post(
        f"/boards/{board.id}/digital-credentials/reissue",
        data={"number": issued.number, "confirm": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        count = (
            db.session.execute(
                select(SignedBadge).where(SignedBadge.credential_id == issued.credential_id)
            )
            .scalars()
            .all()
        )
        assert len(count) == 2


def test_did_document_is_served_where_did_web_resolves(client, issued) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/issuers/ne/did.json")
    assert response.status_code == 200
    did = response.get_json()
    assert did["id"] == "did:web:localhost:issuers:ne"
    assert did["verificationMethod"][0]["type"] == "Multikey"
    assert did["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")
    assert client.get("/issuers/nope/did.json").status_code == 404


def test_get_pages_write_nothing(app, client, board) -> None:  # type: ignore[no-untyped-def]
    client.get("/issuers/ne/did.json")
    with app.app_context():
        assert db.session.execute(select(IssuerKey)).scalar() is None
        assert db.session.get(Board, board.id) is not None


def test_hostile_documents_get_a_verdict_not_an_error(app, issued) -> None:  # type: ignore[no-untyped-def]
    document = _document(app, issued.credential_id)
    for broken in (
        {**document, "@context": ["https://www.w3.org/ns/credentials/v2", 5]},
        {**document, "credentialSubject": [[[]]]},
        {**document, "proof": {**document["proof"], "proofValue": "z0OIl"}},
        {**document, "proof": [document["proof"], document["proof"]]},
        {**document, "credentialStatus": "nope"},
    ):
        verdict = _check(app, broken)
        assert not verdict.valid and verdict.summary.startswith("NOT VALID")
