"""The JSON API, version 1: one credential, a bulk check of up to 1,000, the OpenAPI document.

Errors are JSON {"code", "message"}. Lookups are public and limited per address; a caller
presenting an employer API key is limited per key instead, and the bulk endpoint requires
one. The routes are exempt from CSRF: they take no cookies' authority (a key or nothing).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from core.extensions import db, limiter
from core.models import utcnow
from verify.employers.keys import authenticate
from verify.lookup import services
from verify.lookup.openapi import openapi_document

api = Blueprint("verify_api", __name__, url_prefix="/api/v1")

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
}


class ApiError(Exception):
    """An error the API answers with its status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str) -> Response:
    response = jsonify({"code": code, "message": message})
    response.status_code = status
    return response


@api.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    db.session.rollback()
    return _error(error.status, error.code, error.message)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    message = {
        429: "Too many requests: slow down and try again in a minute.",
        404: "No such resource in API v1.",
    }.get(status, error.description or "")
    response = _error(status, ERROR_CODES.get(status, "error"), message)
    allow = error.get_response().headers.get("Allow")
    if allow:
        response.headers["Allow"] = allow
    return response


# by code: the app's own handlers for these codes (HTML pages) would win over a class handler
for _code in ERROR_CODES:
    api.register_error_handler(_code, _http_error)


def _caller() -> Any:
    """The API key presented with this request, if it is a live one (looked up once)."""
    if "api_key" not in g:
        g.api_key = authenticate(db.session, request.headers.get("Authorization"))
    return g.api_key


def _rate_key() -> str:
    key = _caller()
    return f"api-key:{key.id}" if key is not None else get_remote_address()


def _rate_limit() -> str:
    setting = "API_KEY_RATE_LIMIT" if _caller() is not None else "PUBLIC_RATE_LIMIT"
    return str(current_app.config[setting])


def _checked_at() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")


@api.route("/credentials/<board>/<number>")
@limiter.limit(_rate_limit, key_func=_rate_key)
def credential(board: str, number: str) -> Any:
    """One credential's public record."""
    if not services.SLUG_PATTERN.fullmatch(board) or not services.NUMBER_PATTERN.fullmatch(number):
        raise ApiError(404, "not_found", "No credential with that board and number.")
    record = services.by_number(db.session, board, number, date.today())
    if _caller() is not None:
        db.session.commit()  # the key's last use
    if record is None:
        raise ApiError(404, "not_found", "No credential with that board and number.")
    return jsonify({**record.as_json(), "checked_at": _checked_at()})


def _wanted(body: Any) -> list[tuple[str, str]]:
    if not isinstance(body, dict) or not isinstance(body.get("credentials"), list):
        raise ApiError(
            400,
            "invalid_request",
            'Send a JSON object {"credentials": [{"board": "ne", "number": "NE-CPSS-000001"}]}.',
        )
    items = body["credentials"]
    if not items:
        raise ApiError(400, "invalid_request", "credentials: list at least one credential.")
    if len(items) > services.BULK_MAX:
        raise ApiError(
            400,
            "too_many_credentials",
            f"credentials: at most {services.BULK_MAX} per request ({len(items)} sent).",
        )
    wanted = []
    for position, item in enumerate(items):
        where = f"credentials[{position}]"
        if not isinstance(item, dict):
            raise ApiError(400, "invalid_request", f"{where}: must be an object.")
        board, number = item.get("board"), item.get("number")
        if not isinstance(board, str) or not services.SLUG_PATTERN.fullmatch(board):
            raise ApiError(400, "invalid_request", f"{where}.board: a board slug, e.g. ne.")
        if not isinstance(number, str) or not services.NUMBER_PATTERN.fullmatch(number):
            raise ApiError(
                400, "invalid_request", f"{where}.number: a credential number, e.g. NE-CPSS-000001."
            )
        wanted.append((board, number))
    return wanted


@api.route("/verifications", methods=["POST"])
@limiter.limit(_rate_limit, key_func=_rate_key)
def verifications() -> Any:
    """Check up to 1,000 credentials at once (employer API key required)."""
    if _caller() is None:
        raise ApiError(
            401,
            "unauthorized",
            "Send an employer API key: Authorization: Bearer pck_... (create one under "
            "Employer > API keys).",
        )
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    body = request.get_json(silent=True)
    wanted = _wanted(body)
    found = services.by_numbers(db.session, wanted, date.today())
    db.session.commit()  # the key's last use
    results = []
    for board, number in wanted:
        record = found.get((board, services.normalise_number(number)))
        results.append(
            {
                "board": board,
                "number": number,
                "found": record is not None,
                "credential": None if record is None else record.as_json(),
            }
        )
    return jsonify({"checked_at": _checked_at(), "count": len(results), "results": results})


@api.route("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@api.route("/<path:anything>", methods=METHODS)
def unknown(anything: str) -> Any:
    """Any other address under /api/v1: 405 when another method would work there, else 404."""
    adapter = current_app.url_map.bind("localhost")
    allowed = []
    for method in METHODS:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != "verify_api.unknown":
            allowed.append(method)
    if allowed:
        response = _error(405, "method_not_allowed", f"Use {' or '.join(allowed)} here.")
        response.headers["Allow"] = ", ".join(allowed)
        return response
    raise ApiError(404, "not_found", "No such resource in API v1.")
