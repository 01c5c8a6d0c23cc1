"""An independent implementation verifies what PeerCert signs: Digital Bazaar's JS libraries.

The credential, the board's DID document and its status list credentials come from the app;
the JSON-LD contexts are PeerCert's bundled files. node runs tests/verify/interop/verify.mjs
(@digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite and bitstring status lists).
scripts/run_tests.sh installs node and the packages (npm ci); on CI a missing node is a
failure, elsewhere the test is skipped and says why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from certify.models import Credential
from core.extensions import db
from tests.verify.conftest import change_status
from verify.badges import services
from verify.badges.jsonld import CONTEXT_FILES, CONTEXTS_DIR

INTEROP = Path(__file__).parent / "interop"
NODE = shutil.which("node")
READY = NODE is not None and (INTEROP / "node_modules" / "@digitalbazaar" / "vc").is_dir()
ON_CI = os.environ.get("CI") == "true"

if not READY and not ON_CI:
    pytest.skip(
        reason="needs node and `npm ci --prefix tests/verify/interop` (scripts/run_tests.sh "
        "does both; apt-get install -y nodejs npm)",
        allow_module_level=True,
    )


def _node_verify(credential: dict[str, Any], documents: dict[str, Any]) -> dict[str, Any]:
    assert NODE is not None, "node is not installed (scripts/run_tests.sh installs it on CI)"
    payload = {
        "credential": credential,
        "documents": documents,
        "contexts": {url: str(CONTEXTS_DIR / name) for url, name in CONTEXT_FILES.items()},
    }
    proc = subprocess.run(
        [NODE, str(INTEROP / "verify.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=INTEROP,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _served(client, credential: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What a verifier would fetch: the DID document and the status lists, from the app."""
    base = "http://localhost"
    did = credential["issuer"]["id"]
    documents = {did: client.get("/issuers/ne/did.json").get_json()}
    for entry in credential["credentialStatus"]:
        url = entry["statusListCredential"]
        response = client.get(url.removeprefix(base))
        assert response.status_code == 200
        documents[url] = response.get_json()
    return documents


def _verdict(result: dict[str, Any]) -> str:
    if not result["verified"]:
        return "invalid: " + "; ".join(result["errors"])
    flagged = [s["purpose"] for s in result["statuses"] if s["set"]]
    return f"flagged: {', '.join(flagged)}" if flagged else "valid"


def test_digital_bazaar_verifies_signed_suspended_reinstated_revoked(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        badge = services.live_badge(db.session, db.session.get(Credential, issued.credential_id))
        credential = json.loads(badge.document)

    first = _node_verify(credential, _served(client, credential))
    assert _verdict(first) == "valid", first
    assert first["signature"] is True
    assert {s["purpose"] for s in first["statuses"]} == {"revocation", "suspension"}

    change_status(app, issued.credential_id, "suspended")
    assert _verdict(_node_verify(credential, _served(client, credential))) == "flagged: suspension"

    change_status(app, issued.credential_id, "active")
    assert _verdict(_node_verify(credential, _served(client, credential))) == "valid"

    change_status(app, issued.credential_id, "revoked")
    assert _verdict(_node_verify(credential, _served(client, credential))) == "flagged: revocation"


def test_digital_bazaar_rejects_a_tampered_credential(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        badge = services.live_badge(db.session, db.session.get(Credential, issued.credential_id))
        credential = json.loads(badge.document)
    documents = _served(client, credential)
    credential["credentialSubject"]["name"] = "Mallory"
    result = _node_verify(credential, documents)
    assert not result["verified"] and not result["signature"], result
