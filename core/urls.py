"""Absolute links for emails, PDFs and QR codes, inside or outside a request."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """BASE_URL plus the endpoint's path; works in CLI jobs too (no request needed)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    context = nullcontext() if has_request_context() else current_app.test_request_context("/")
    with context:
        return base + url_for(endpoint, **values)
