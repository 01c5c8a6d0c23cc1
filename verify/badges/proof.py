"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (W3C VC-DI-EdDSA, section 3.2).

To sign: canonicalize the proof options (with the document's @context) and the document
without its proof, hash each with SHA-256, sign proofHash || documentHash with Ed25519, and
write the signature as base58btc multibase. Verifying repeats the hashing with the proof
value removed and checks the signature with the key the verification method names.
Pure: the key resolver is a function the caller gives.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from verify.badges.jsonld import canonize, canonize_many
from verify.badges.keys import SigningKey, check_signature, from_multibase_b58, multibase_b58

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"

# verification method id -> (publicKeyMultibase, controller) or None when unknown
KeyResolver = Callable[[str], "ResolvedKey | None"]


@dataclass(frozen=True)
class ResolvedKey:
    """A public key found for a verification method, and who controls it."""

    public_multibase: str
    controller: str
    assertion: bool  # listed under the controller's assertionMethod


@dataclass(frozen=True)
class ProofCheck:
    """Whether a document's proof holds, and if not, why (one sentence)."""

    valid: bool
    reason: str
    verification_method: str = ""


def xsd_datetime(moment: datetime) -> str:
    """An aware datetime as the XML Schema dateTime text credentials use (UTC, seconds)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware UTC datetime")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=256)
def _config_hash(config_json: str) -> bytes:
    """SHA-256 of a canonical proof configuration; signing in bulk repeats the same one."""
    return hashlib.sha256(canonize(json.loads(config_json)).encode()).digest()


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {"@context": document.get("@context"), **proof_options}
    return (
        _config_hash(json.dumps(config, sort_keys=True))
        + hashlib.sha256(canonize(unsecured).encode()).digest()
    )


def _proof_options(key: SigningKey, created: datetime) -> dict[str, Any]:
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": key.verification_method,
        "proofPurpose": "assertionMethod",
    }


def sign(document: dict[str, Any], key: SigningKey, created: datetime) -> dict[str, Any]:
    """The document with a DataIntegrityProof (eddsa-rdfc-2022) added as `proof`."""
    options = _proof_options(key, created)
    signature = key.sign(_hash_data(document, options))
    return {**document, "proof": {**options, "proofValue": multibase_b58(signature)}}


PARALLEL_FROM = 400  # below this many documents a pool costs more than it saves


def sign_many(
    documents: list[dict[str, Any]],
    key: SigningKey,
    created: datetime,
    processes: int = 1,
    parallel_from: int = PARALLEL_FROM,
) -> list[dict[str, Any]]:
    """sign of each document, in order; a large batch is signed by `processes` processes.

    Canonicalization is pure-Python work, so a batch of thousands is shared among worker
    processes, each given the key's raw private bytes and a slice of the documents.
    """
    if processes <= 1 or len(documents) < max(parallel_from, 2):
        return _sign_all(documents, key, created)
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    raw = key.private.private_bytes_raw()
    size = -(-len(documents) // (processes * 4))  # four slices per process: even finishing
    slices = [documents[i : i + size] for i in range(0, len(documents), size)]
    # a fork server: the workers start from a fresh process that has imported this module
    # once (no connection or lock of the caller's), and later batches start at once
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        signed = pool.map(
            _sign_slice,
            slices,
            [raw] * len(slices),
            [key.verification_method] * len(slices),
            [created] * len(slices),
        )
        return [document for part in signed for document in part]


def _sign_slice(
    documents: list[dict[str, Any]], raw: bytes, method: str, created: datetime
) -> list[dict[str, Any]]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = SigningKey(Ed25519PrivateKey.from_private_bytes(raw), method)
    return _sign_all(documents, key, created)


def _sign_all(
    documents: list[dict[str, Any]], key: SigningKey, created: datetime
) -> list[dict[str, Any]]:
    """sign of each document, their canonical forms found together (canonize_many)."""
    options = _proof_options(key, created)
    unsecured = [{k: v for k, v in d.items() if k != "proof"} for d in documents]
    signed = []
    for document, canonical in zip(documents, canonize_many(unsecured), strict=True):
        config = {"@context": document.get("@context"), **options}
        digest = _config_hash(json.dumps(config, sort_keys=True))
        signature = key.sign(digest + hashlib.sha256(canonical.encode()).digest())
        signed.append({**document, "proof": {**options, "proofValue": multibase_b58(signature)}})
    return signed


def check(document: dict[str, Any], resolve: KeyResolver) -> ProofCheck:
    """Check the document's single eddsa-rdfc-2022 proof with the key resolve() finds."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return ProofCheck(False, "it carries no proof (or more than one)")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(False, f"its proof is not a {PROOF_TYPE} with {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        return ProofCheck(False, "its proof is not made for assertions")
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str):
        return ProofCheck(False, "its proof names no key or carries no value")
    found = resolve(method)
    if found is None:
        return ProofCheck(False, f"the key {method} is unknown", method)
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if found.controller != issuer_id or not found.assertion:
        return ProofCheck(False, "the signing key does not belong to the issuer", method)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        signature = from_multibase_b58(value)
        data = _hash_data(document, options)
    except ValueError as exc:
        return ProofCheck(False, f"it cannot be read: {exc}", method)
    except Exception as exc:  # a hostile document can upset the JSON-LD processor anywhere
        return ProofCheck(False, f"it cannot be read as JSON-LD ({type(exc).__name__})", method)
    if not check_signature(found.public_multibase, signature, data):
        return ProofCheck(
            False, "the signature does not match: it was changed after signing", method
        )
    return ProofCheck(True, "signature valid", method)
