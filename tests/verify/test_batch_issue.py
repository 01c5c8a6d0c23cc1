"""Issuing a batch (`flask credentials issue-approved`): the same credentials, signed badges,
status bits, audit events and emails as issuing one at a time, and all or nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from sqlalchemy import func, select

from certify import hooks
from certify.credentials import services as credentials
from certify.models import Application, Credential, CredentialCounter, CredentialType
from core import audit
from core.extensions import db
from core.models import AuditEvent, Board, OutboxMessage, Role, User
from tests.factories import create_user
from verify.badges import proof, services, statuslist
from verify.badges.keys import SigningKey, public_key_multibase
from verify.models import SignedBadge, StatusList

TODAY = date.today()


def _setup(app: Flask, board: Board, people: int) -> tuple[int, list[int]]:
    """Staff, and `people` trainees whose applications were approved (no rules to meet)."""
    with app.app_context():
        row = db.session.get(Board, board.id)
        assert row is not None
        staff = create_user(db.session, "issuer@example.org", [(Role.BOARD_ADMIN, row)])
        reviewer = create_user(db.session, "reviewer@example.org", [(Role.BOARD_REVIEWER, row)])
        from certify.models import RequirementSet

        ctype = CredentialType(
            board_id=row.id, code="CPSS", name="Certified Peer Support Specialist",
            level="full", cycle_months=24,
        )  # fmt: skip
        ctype.requirements = RequirementSet(board_id=row.id)
        db.session.add(ctype)
        db.session.flush()
        ids = []
        for n in range(people):
            trainee = create_user(db.session, f"t{n}@example.org", [(Role.TRAINEE, row)])
            trainee.full_name = f"Trainee Number {n}"
            application = Application(
                board_id=row.id,
                trainee_id=trainee.id,
                credential_type_id=ctype.id,
                status="approved",
                reviewer_id=reviewer.id,
            )
            db.session.add(application)
            db.session.flush()
            ids.append(application.id)
        db.session.commit()
        return staff.id, ids


def _facts(app: Flask) -> dict[str, Any]:
    """What issuing stored, per credential, with the parts that differ by person left out."""
    with app.app_context():
        found: dict[str, Any] = {}
        for credential in db.session.execute(select(Credential).order_by(Credential.id)).scalars():
            badge = services.live_badge(db.session, credential)
            assert badge is not None
            document = json.loads(badge.document)
            verdict = services.check_document(db.session, document)
            events = db.session.execute(
                select(AuditEvent.action, AuditEvent.before, AuditEvent.after, AuditEvent.actor_id)
                .where(
                    (
                        (AuditEvent.entity_type == "Credential")
                        & (AuditEvent.entity_id == str(credential.id))
                    )
                    | (
                        (AuditEvent.entity_type == "Application")
                        & (AuditEvent.entity_id == str(credential.application_id))
                    )
                )
                .order_by(AuditEvent.id)
            ).all()
            mails = db.session.execute(
                select(OutboxMessage.subject)
                .where(OutboxMessage.to_addr == credential.holder.email)
                .order_by(OutboxMessage.subject)
            ).scalars()
            application = db.session.get(Application, credential.application_id)
            assert application is not None
            found[credential.holder.email] = {
                "credential": (
                    credential.status,
                    credential.issued_on,
                    credential.expires_on,
                    credential.endorsements,
                    credential.issued_by_override,
                    credential.board_id,
                    credential.credential_type_id,
                ),  # fmt: skip
                "application": (application.status, application.decided_at is not None),
                "events": sorted(
                    (
                        action,
                        before,
                        {k: v for k, v in (after or {}).items() if k != "number"},
                        actor,
                    )
                    for action, before, after, actor in events
                ),  # fmt: skip
                "mails": [s.replace(credential.number, "NUMBER") for s in mails],
                "verified": verdict.valid,
                "document": {
                    k: v
                    for k, v in json.loads(badge.document.replace(credential.number, "N")).items()
                    if k not in ("id", "proof", "credentialSubject", "credentialStatus")
                }
                | {"credentialStatus": [s["statusPurpose"] for s in document["credentialStatus"]]},
                "subject_number": document["credentialSubject"]["identifier"][0]["identityHash"]
                == credential.number,
                "badge": (badge.status_index, badge.status_list_id),
            }
        return found


def test_a_batch_issues_what_one_at_a_time_issues(app, make_board) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne", "Nebraska Board of Peer Support")
    staff_id, application_ids = _setup(app, board, 4)
    with app.app_context():  # the first one from its review page's service, alone
        staff = db.session.get(User, staff_id)
        application = db.session.get(Application, application_ids[0])
        assert staff is not None and application is not None
        credentials.issue(
            db.session, application.trainee, application.credential_type, staff, TODAY,
            application=application,
        )  # fmt: skip
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["credentials", "issue-approved", "ne", "--by", "issuer@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert "3 credentials issued and signed: NE-CPSS-000002 to NE-CPSS-000004" in result.output
    facts = _facts(app)
    single, *batch = (facts[f"t{n}@example.org"] for n in range(4))
    for one in batch:
        for part in ("credential", "application", "events", "mails", "document"):
            assert one[part] == single[part], part
        assert one["verified"] and one["subject_number"]
    assert single["verified"]
    assert [e[0] for e in single["events"]] == ["application.certified", "credential.issued"]
    assert len(single["mails"]) == 2
    # every status index once, on the one list; numbers consecutive and unique
    slots = [f["badge"] for f in facts.values()]
    assert len(set(slots)) == 4 and len({list_id for _, list_id in slots}) == 1
    with app.app_context():
        numbers = list(db.session.execute(select(Credential.number)).scalars())
        assert sorted(numbers) == [f"NE-CPSS-{n:06d}" for n in range(1, 5)]
        lst = db.session.execute(select(StatusList)).scalar_one()
        assert lst.assigned == 4
        permutation = statuslist.Permutation(lst.step, lst.start, lst.size)
        assert sorted(i for i, _ in slots) == sorted(permutation.index(n) for n in range(4))
        for index, _ in slots:
            assert not statuslist.get_bit(lst.revocation_bits, index)
            assert not statuslist.get_bit(lst.suspension_bits, index)
        assert audit.verify(db.session).ok
        counter = db.session.execute(select(CredentialCounter)).scalar_one()
        assert counter.last_number == 4
    again = app.test_cli_runner().invoke(
        args=["credentials", "issue-approved", "ne", "--by", "issuer@example.org"]
    )
    assert "No approved application" in again.output


def _stored(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Credential, SignedBadge, AuditEvent, OutboxMessage)
        ) + (
            db.session.scalar(select(func.coalesce(func.sum(StatusList.assigned), 0))) or 0,
            db.session.scalar(select(func.coalesce(func.max(CredentialCounter.last_number), 0)))
            or 0,
        )


def test_one_refusal_in_the_batch_and_nothing_is_issued(app, make_board) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    staff_id, application_ids = _setup(app, board, 3)
    with app.app_context():  # the middle one is the issuer's own application
        application = db.session.get(Application, application_ids[1])
        assert application is not None
        application.trainee_id = staff_id
        db.session.commit()
    before = _stored(app)
    result = app.test_cli_runner().invoke(
        args=["credentials", "issue-approved", "ne", "--by", "issuer@example.org"]
    )
    assert result.exit_code == 1
    assert f"Application {application_ids[1]}" in result.output
    assert "Nothing was issued" in result.output
    assert _stored(app) == before
    with app.app_context():
        statuses = db.session.execute(select(Application.status)).scalars().all()
        assert set(statuses) == {"approved"}


def test_a_failure_after_the_writes_stores_nothing(app, make_board) -> None:  # type: ignore[no-untyped-def]
    """The batch fails once credentials, events, emails and badges are flushed: the command
    rolls the whole batch back."""
    board = make_board("ne")
    _setup(app, board, 3)
    with app.app_context():  # the board's status list exists before: its count must not move
        row = db.session.get(Board, board.id)
        assert row is not None
        services.allocate(db.session, row, services.signing_key(db.session, row), 1)
        db.session.commit()
    before = _stored(app)

    def broken(session: Any, issued: list[Credential]) -> None:
        assert session.execute(select(func.count()).select_from(SignedBadge)).scalar() == 3
        raise ValueError("the disk is full")

    hooks.credentials_issued.connect(broken)
    try:
        result = app.test_cli_runner().invoke(
            args=["credentials", "issue-approved", "ne", "--by", "issuer@example.org"]
        )
    finally:
        hooks.credentials_issued.disconnect(broken)
    assert result.exit_code == 1 and "the disk is full" in result.output
    assert _stored(app) == before
    with app.app_context():
        assert audit.verify(db.session).ok


def test_signing_missing_badges_sets_each_status_and_signs_each_list_once(app, make_board) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    staff_id, _ = _setup(app, board, 0)
    with app.app_context():
        ctype = db.session.execute(select(CredentialType)).scalar_one()
        people = [
            create_user(db.session, f"h{n}@example.org", [(Role.TRAINEE, board)]) for n in range(4)
        ]
        statuses = ["active", "suspended", "revoked", "active"]
        for n, (person, status) in enumerate(zip(people, statuses, strict=True)):
            db.session.add(
                Credential(
                    board_id=board.id,
                    holder_id=person.id,
                    credential_type_id=ctype.id,
                    number=f"NE-CPSS-{n + 1:06d}",
                    status=status,
                    issued_on=TODAY,
                    expires_on=date(TODAY.year + 2, 1, 1),
                    endorsements=[],
                )  # fmt: skip
            )
        db.session.commit()
        row = db.session.get(Board, board.id)
        assert row is not None
        assert services.sign_missing(db.session, row) == 4
        db.session.commit()
        verdicts = {}
        for credential in db.session.execute(select(Credential)).scalars():
            badge = services.live_badge(db.session, credential)
            assert badge is not None
            verdicts[credential.status] = services.check_document(
                db.session, json.loads(badge.document)
            )
        assert verdicts["active"].valid
        assert not verdicts["suspended"].valid and "suspend" in verdicts["suspended"].summary
        assert not verdicts["revoked"].valid and "revoked" in verdicts["revoked"].summary


def test_signing_many_in_processes_gives_verifiable_proofs() -> None:
    private = Ed25519PrivateKey.generate()
    method = "did:web:example.org:issuers:ne#key-1"
    key = SigningKey(private, method)
    documents = [
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:web:example.org:issuers:ne",
            "credentialSubject": {"id": f"urn:uuid:0000000{n}-0000-4000-8000-000000000000"},
        }
        for n in range(5)
    ]
    created = datetime(2026, 1, 1, tzinfo=UTC)
    signed = proof.sign_many(documents, key, created, processes=2, parallel_from=2)
    assert signed == [proof.sign(d, key, created) for d in documents]  # Ed25519 is deterministic

    def resolve(found: str) -> proof.ResolvedKey | None:
        public = public_key_multibase(private.public_key())
        return proof.ResolvedKey(public, method.split("#")[0], True) if found == method else None

    for document in signed:
        assert proof.check(document, resolve).valid


@pytest.mark.parametrize("who", ["nobody@example.org"])
def test_the_command_names_an_unknown_issuer(app, make_board, who: str) -> None:  # type: ignore[no-untyped-def]
    make_board("ne")
    result = app.test_cli_runner().invoke(args=["credentials", "issue-approved", "ne", "--by", who])
    assert result.exit_code != 0 and "No account with the email" in result.output


def _badge(n: int, endorsements: tuple[str, ...] = ()) -> dict[str, Any]:
    from verify.badges import credential as documents

    names = ['Jane "Q" Doe', "Zoë Ångström", "Line\nBreak", "Back\\slash", "O'Brien", "日本 太郎"]
    facts = documents.BadgeFacts(
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        issuer_did="did:web:example.org:issuers:ne", board_name="Board", jurisdiction="NE",
        board_url="https://example.org/issuers/ne", holder_name=f"{names[n % len(names)]} {n}",
        credential_number=f"NE-CPSS-{n:06d}", credential_type_code="CPSS",
        credential_type_name="Certified Peer Support Specialist",
        achievement_id="https://example.org/issuers/ne/achievements/CPSS",
        criteria_url="https://example.org/issuers/ne/achievements/CPSS#criteria",
        verify_url=f"https://example.org/verify/ne/NE-CPSS-{n:06d}",
        valid_from=date(2026, 1, 1 + n % 20), valid_until=date(2028, 1, 1),
        endorsements=endorsements,
        status=tuple(
            documents.StatusEntry(p, f"https://example.org/issuers/ne/status/{1 + n % 2}/{p}",
                                  (n * 7919) % 131072)
            for p in ("revocation", "suspension")
        ),
    )  # fmt: skip
    return documents.open_badge(facts)


def test_canonicalizing_a_batch_gives_each_document_its_own_canonical_form() -> None:
    from verify.badges.jsonld import canonize, canonize_many

    batch = [_badge(n, ("Youth endorsement",) if n % 4 == 0 else ()) for n in range(12)]
    assert canonize_many(batch) == [canonize(d) for d in batch]
    # a value the contexts read as a term, not an IRI: the batch falls back to one by one
    odd = [_badge(n) for n in range(3)]
    odd[1]["credentialSubject"]["achievement"]["achievementType"] = "License"
    assert canonize_many(odd) == [canonize(d) for d in odd]
