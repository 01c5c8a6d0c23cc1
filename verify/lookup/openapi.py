"""The OpenAPI 3.1 document of API v1, written next to the code it describes.

tests/verify/test_openapi.py runs schemathesis against the app with this document, so a
change to the API that is not made here too fails the tests.
"""

from __future__ import annotations

from typing import Any

from verify.lookup.services import BULK_MAX, NUMBER_PATTERN, SLUG_PATTERN

STATUSES = ["provisional", "active", "expired", "inactive", "suspended", "revoked"]


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _date() -> dict[str, Any]:
    return {"type": "string", "format": "date"}


def openapi_document() -> dict[str, Any]:
    """The document served at /api/v1/openapi.json."""
    slug = {"type": "string", "pattern": SLUG_PATTERN.pattern, "examples": ["ne"]}
    number = {"type": "string", "pattern": NUMBER_PATTERN.pattern, "examples": ["NE-CPSS-000001"]}
    public_credential = {
        "type": "object",
        "description": "Everything the public may know about a credential, and nothing else.",
        "additionalProperties": False,
        "required": [
            "board",
            "name",
            "credential_type",
            "number",
            "status",
            "valid_for_practice",
            "status_sentence",
            "issued_on",
            "expires_on",
            "endorsements",
            "discipline",
            "verify_url",
        ],  # fmt: skip
        "properties": {
            "board": {
                "type": "object",
                "additionalProperties": False,
                "required": ["slug", "name", "jurisdiction"],
                "properties": {
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "jurisdiction": {"type": "string"},
                },
            },
            "name": {"type": "string", "description": "The holder's name."},
            "credential_type": {"type": "string"},
            "number": {"type": "string"},
            "status": {
                "enum": STATUSES,
                "description": "As of today: an active credential past its expiry reads expired.",
            },
            "valid_for_practice": {"type": "boolean"},
            "status_sentence": {
                "type": "string",
                "examples": [
                    "Active — may practice as a Certified Peer Support Specialist until 2027-06-30"
                ],
            },  # fmt: skip
            "issued_on": _date(),
            "expires_on": _date(),
            "endorsements": {"type": "array", "items": {"type": "string"}},
            "discipline": {
                "type": "array",
                "description": "Public disciplinary notices only.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["started_on", "ended_on", "action", "summary"],
                    "properties": {
                        "started_on": _date(),
                        "ended_on": {"oneOf": [_date(), {"type": "null"}]},
                        "action": {"type": "string"},
                        "summary": {"type": "string"},
                    },
                },
            },
            "verify_url": {"type": "string", "format": "uri"},
            "checked_at": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PeerCert credential verification API",
            "version": "1.0.0",
            "description": (
                "Public lookups of peer support credentials, and bulk checks for employers. "
                "Errors are JSON objects with a code and a message. Lookups are limited per "
                "address; with an employer API key, per key."
            ),
        },
        "paths": {
            "/api/v1/credentials/{board}/{number}": {
                "get": {
                    "operationId": "getCredential",
                    "summary": "One credential's public record",
                    "security": [{}, {"apiKey": []}],
                    "parameters": [
                        {"name": "board", "in": "path", "required": True, "schema": slug},
                        {"name": "number", "in": "path", "required": True, "schema": number},
                    ],
                    "responses": {
                        "200": {
                            "description": "The credential's public record.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/PublicCredential"}
                                }
                            },
                        },
                        "404": _error_response("No credential with that board and number."),
                        "429": _error_response("Too many requests."),
                    },
                }
            },
            "/api/v1/verifications": {
                "post": {
                    "operationId": "verifyCredentials",
                    "summary": f"Check up to {BULK_MAX} credentials at once",
                    "security": [{"apiKey": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/VerificationRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One result per credential asked about, in order.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/VerificationResults"}
                                }
                            },
                        },
                        "400": _error_response("The body is not a valid request."),
                        "401": _error_response("No valid employer API key was sent."),
                        "415": _error_response("The body is not JSON."),
                        "429": _error_response("Too many requests for this key."),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "security": [{}],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An employer API key: Authorization: Bearer pck_...",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
                "PublicCredential": public_credential,
                "VerificationRequest": {
                    "type": "object",
                    "required": ["credentials"],
                    "properties": {
                        "credentials": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": BULK_MAX,
                            "items": {
                                "type": "object",
                                "required": ["board", "number"],
                                "properties": {"board": slug, "number": number},
                            },
                        }
                    },
                },
                "VerificationResults": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["checked_at", "count", "results"],
                    "properties": {
                        "checked_at": {"type": "string", "format": "date-time"},
                        "count": {"type": "integer", "minimum": 1, "maximum": BULK_MAX},
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["board", "number", "found", "credential"],
                                "properties": {
                                    "board": {"type": "string"},
                                    "number": {"type": "string"},
                                    "found": {"type": "boolean"},
                                    "credential": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/PublicCredential"},
                                            {"type": "null"},
                                        ]
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    }
