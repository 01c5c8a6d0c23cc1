"""The signed-credential engine without an app: keys, canonicalization, proofs, status lists."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.badges import credential as documents
from verify.badges import jsonld, keys, proof, statuslist, verifier

DID = "did:web:registry.example.org:issuers:ne"
BASE = "https://registry.example.org/issuers/ne"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _key() -> keys.SigningKey:
    private = Ed25519PrivateKey.generate()
    fragment = keys.key_fragment(keys.public_key_multibase(private.public_key()))
    return keys.SigningKey(private, f"{DID}#{fragment}")


def _facts(name: str = "Jane Q. Doe", number: str = "NE-CPSS-000001", index: int = 7):
    return documents.BadgeFacts(
        credential_id="urn:uuid:3f2c6f9e-1d2b-4c1a-9d1e-0a4b5c6d7e8f",
        issuer_did=DID,
        board_name="Nebraska Board",
        board_url=BASE,
        jurisdiction="Nebraska",
        holder_name=name,
        credential_number=number,
        credential_type_code="CPSS",
        credential_type_name="Certified Peer Support Specialist",
        achievement_id=f"{BASE}/achievements/CPSS",
        criteria_url=f"{BASE}/achievements/CPSS#criteria",
        verify_url=f"https://registry.example.org/verify/ne/{number}",
        valid_from=date(2026, 1, 1),
        valid_until=date(2028, 1, 1),
        endorsements=("Youth",),
        status=tuple(
            documents.StatusEntry(p, f"{BASE}/status/1/{p}", index) for p in statuslist.PURPOSES
        ),
    )


class Registry:
    """Keys and status lists as a verifier would find them."""

    def __init__(self, key: keys.SigningKey) -> None:
        self.key = key
        self.bits = {p: statuslist.empty() for p in statuslist.PURPOSES}

    def resolve(self, method: str) -> proof.ResolvedKey | None:
        if method != self.key.verification_method:
            return None
        return proof.ResolvedKey(self.key.public_multibase, DID, True)

    def load(self, url: str) -> dict | None:  # type: ignore[type-arg]
        purpose = url.rsplit("/", 1)[-1]
        if purpose not in self.bits:
            return None
        unsigned = documents.status_list_credential(url, DID, purpose, self.bits[purpose], NOW)
        return proof.sign(unsigned, self.key, NOW)

    def verify(self, document: dict) -> verifier.Verification:  # type: ignore[type-arg]
        return verifier.verify_credential(document, self.resolve, self.load, NOW)


def test_base58_round_trip_and_known_value() -> None:
    assert keys.b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert keys.b58decode("StV1DL6CwTryKyV") == b"hello world"
    assert keys.b58decode(keys.b58encode(b"\0\0abc")) == b"\0\0abc"
    with pytest.raises(ValueError):
        keys.b58decode("0OIl")


def test_multikey_forms() -> None:
    private = Ed25519PrivateKey.generate()
    public = keys.public_key_multibase(private.public_key())
    assert public.startswith("z6Mk")  # 0xed01 + 32 bytes, as the W3C examples show
    assert keys.secret_key_multibase(private).startswith("z3u2")
    again = keys.private_key_from_text(keys.secret_key_multibase(private))
    assert keys.public_key_multibase(again.public_key()) == public
    from_pem = keys.private_key_from_text(keys.private_key_pem(private))
    assert keys.public_key_multibase(from_pem.public_key()) == public


def test_sign_then_verify_and_tampering() -> None:
    registry = Registry(_key())
    signed = proof.sign(documents.open_badge(_facts()), registry.key, NOW)
    assert signed["proof"]["proofValue"].startswith("z")
    verdict = registry.verify(signed)
    assert verdict.valid, verdict.summary
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["name"] = "Mallory"
    assert not registry.verify(tampered).valid
    other = Registry(_key())  # a different key with the same name cannot stand in
    assert not other.verify(signed).valid


def test_status_bits_decide() -> None:
    registry = Registry(_key())
    signed = proof.sign(documents.open_badge(_facts(index=4242)), registry.key, NOW)
    registry.bits["suspension"] = statuslist.set_bit(registry.bits["suspension"], 4242, True)
    verdict = registry.verify(signed)
    assert not verdict.valid and "suspended" in verdict.summary
    registry.bits["suspension"] = statuslist.set_bit(registry.bits["suspension"], 4242, False)
    assert registry.verify(signed).valid
    registry.bits["revocation"] = statuslist.set_bit(registry.bits["revocation"], 4242, True)
    assert "revoked" in registry.verify(signed).summary


def test_dates_are_checked() -> None:
    registry = Registry(_key())
    signed = proof.sign(documents.open_badge(_facts()), registry.key, NOW)
    late = verifier.verify_credential(
        signed, registry.resolve, registry.load, datetime(2028, 1, 2, tzinfo=UTC)
    )
    assert not late.valid and "expired" in late.summary
    early = verifier.verify_credential(
        signed, registry.resolve, registry.load, datetime(2025, 12, 31, tzinfo=UTC)
    )
    assert not early.valid and "not valid before" in early.summary


def test_not_a_credential() -> None:
    registry = Registry(_key())
    assert not registry.verify([]).valid  # type: ignore[arg-type]
    assert not registry.verify({"@context": ["https://www.w3.org/2018/credentials/v1"]}).valid


def test_unknown_context_is_never_fetched() -> None:
    with pytest.raises(jsonld.UnknownContext):
        jsonld.bundled_context("https://example.org/context.json")
    with pytest.raises(ValueError, match="not readable as JSON-LD"):
        jsonld.canonize({"@context": "https://example.org/context.json", "name": "x"})


def test_bundled_contexts_are_all_there() -> None:
    for url in jsonld.CONTEXT_FILES:
        assert "@context" in jsonld.bundled_context(url)


def test_undefined_terms_and_relative_types_are_refused() -> None:
    badge = documents.open_badge(_facts())
    extra = copy.deepcopy(badge)
    extra["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(ValueError, match="favouriteColour"):
        jsonld.canonize(extra)
    typed = copy.deepcopy(badge)
    typed["type"] = [*typed["type"], "Unsigned"]
    with pytest.raises(ValueError, match="Unsigned"):
        jsonld.canonize(typed)


names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1)


@settings(max_examples=25, deadline=None)
@given(
    name=names,
    number=st.from_regex(r"[A-Z]{2,4}-[A-Z]{2,5}-[0-9]{6}", fullmatch=True),
    index=st.integers(0, statuslist.LIST_SIZE - 1),
)
def test_memoized_canonicalization_equals_plain_pyld(name: str, number: str, index: int) -> None:
    """The remembered context processing changes nothing in the canonical N-Quads."""
    badge = documents.open_badge(_facts(name, number, index))
    assert jsonld.canonize(badge) == jsonld.canonize_plain(badge)
    listed = documents.status_list_credential(
        f"{BASE}/status/1/revocation", DID, "revocation", statuslist.empty(), NOW
    )
    assert jsonld.canonize(listed) == jsonld.canonize_plain(listed)


def test_status_list_encoding() -> None:
    bits = statuslist.set_bit(statuslist.empty(), 0, True)
    bits = statuslist.set_bit(bits, 131_071, True)
    assert bits[0] == 0x80 and bits[-1] == 0x01  # bit 0 is the left-most bit
    encoded = statuslist.encode(bits)
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    assert statuslist.decode(encoded) == bits
    assert len(statuslist.empty()) * 8 == 131_072
    with pytest.raises(ValueError):
        statuslist.decode("zabc")
    with pytest.raises(ValueError):
        statuslist.get_bit(bits, 131_072)


@given(step=st.integers(0, 2**10).map(lambda n: 2 * n + 1), start=st.integers(0, 2**12 - 1))
def test_permutation_hands_out_each_index_once(step: int, start: int) -> None:
    permutation = statuslist.Permutation(step, start, 2**12)
    assert sorted(permutation.index(n) for n in range(2**12)) == list(range(2**12))
    with pytest.raises(ValueError):
        permutation.index(2**12)


def test_even_step_is_refused() -> None:
    with pytest.raises(ValueError):
        statuslist.Permutation(2, 0)


def test_did_document_lists_every_key() -> None:
    first, second = _key(), _key()
    did = documents.did_document(
        DID,
        [(k.verification_method.split("#")[1], k.public_multibase) for k in (first, second)],
    )
    assert [m["id"] for m in did["verificationMethod"]] == did["assertionMethod"]
    assert did["id"] == DID
    jsonld.canonize(did)  # readable with the bundled DID and Multikey contexts


def test_signing_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        proof.sign(documents.open_badge(_facts()), _key(), datetime(2026, 1, 1))
    assert proof.xsd_datetime(NOW + timedelta(seconds=0.5)) == "2026-11-30T12:00:00Z"
