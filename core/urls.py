"""Absolute links for emails, PDFs and QR codes, inside or outside a request.

In production every link starts with BASE_URL (required there). Elsewhere a link made during
a request follows the host the request came to, so links work wherever the app is served;
a warning is logged when BASE_URL is set and disagrees with that host.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from flask import current_app, has_request_context, request, url_for

FALLBACK_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    """The scheme and host links start with (no trailing slash)."""
    configured = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if current_app.config.get("ENV_NAME") == "production" or not has_request_context():
        return configured or FALLBACK_BASE_URL
    here = request.host_url.rstrip("/")
    if configured and configured != here:
        current_app.logger.warning(
            "BASE_URL is %s but this request came to %s; links follow the request "
            "(outside production)",
            configured,
            here,
        )
    return here


def external_url(endpoint: str, **values: Any) -> str:
    """The base URL plus the endpoint's path; works in CLI jobs too (no request needed)."""
    base = base_url()
    context = nullcontext() if has_request_context() else current_app.test_request_context("/")
    with context:
        return base + url_for(endpoint, **values)
