"""The API and its OpenAPI 3.1 document agree: schemathesis drives the app with generated calls.

Positive and negative cases for every operation, generated from the served document, go
through the app (WSGI, no server) and every response is checked against the document:
status codes, content types, response schemas, and no server error.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.verify.conftest import api_key_for, bearer, change_status, issue_credential


@pytest.fixture
def prepared(app: Flask, make_board) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Real records behind the document's examples, and an employer key for the bulk check."""
    board = make_board("ne", "Nebraska Board")
    issue_credential(app, board, "one@example.org", "Jane Doe")  # NE-CPSS-000001: the example
    suspended = issue_credential(app, board, "two@example.org", "Sam Roe")
    change_status(app, suspended.credential_id, "suspended")
    return bearer(api_key_for(app, "hr@acme.example"))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_matches_its_openapi_document(app, prepared, mode) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "GET /api/v1/credentials/{board}/{number}",
        "POST /api/v1/verifications",
    }  # schemathesis leaves out the document's own address
    app.config["API_KEY_RATE_LIMIT"] = "100000 per minute"
    try:
        for operation in operations:
            # the document's examples (real records) first, then generated cases
            strategies = [(s, 5) for s in operation.get_strategies_from_examples()]
            strategies.append((operation.as_strategy(generation_mode=mode), 60))
            for strategy, count in strategies:

                @given(case=strategy)
                @settings(
                    max_examples=count, deadline=None, suppress_health_check=list(HealthCheck)
                )
                def run(case) -> None:  # type: ignore[no-untyped-def]
                    headers = prepared if case.method == "POST" else None
                    case.call_and_validate(headers=headers)

                run()
    finally:
        app.config["API_KEY_RATE_LIMIT"] = "600 per minute"
