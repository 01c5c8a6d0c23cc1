"""Structured logs: one JSON line per event, each request with its id, no personal data.

Every request gets an id (a well-formed X-Request-ID from the proxy, else a new one), sent
back in the X-Request-ID header and written on every log line made while it runs. The request
line names the route as declared (``/reset/<token>``, never the token or other path values),
the method, status and duration: no address, email, name, query string or form value. Other
log lines (the app's own warnings and errors) carry the request id too. LOG_FORMAT=text keeps
plain lines for a developer's terminal.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request

REQUEST_LOGGER = "peercert.request"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        request_id = getattr(record, "request_id", None) or _current_request_id()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def _current_request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current_request_id()
        return True


def _handler(fmt: str) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("peercert")
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    handler.addFilter(_RequestIdFilter())
    return handler


def init_app(app: Flask) -> None:
    """Request ids, the request log line, and JSON (or text) formatting of the app's logs."""
    fmt = str(app.config.get("LOG_FORMAT") or os.environ.get("LOG_FORMAT") or "json")
    for name in (REQUEST_LOGGER, app.logger.name, "certify", "rds", "ceu", "verify", "exams"):
        logger = logging.getLogger(name)
        if not any(h.get_name() == "peercert" for h in logger.handlers):
            logger.addHandler(_handler(fmt))
        logger.setLevel(logging.INFO)
        logger.propagate = bool(app.config.get("TESTING"))  # tests read them through pytest
    for existing in list(app.logger.handlers):  # Flask's default handler: plain text
        if existing.get_name() != "peercert":
            app.logger.removeHandler(existing)

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _GOOD_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Any) -> Any:
        started = getattr(g, "request_started", None)
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        logging.getLogger(REQUEST_LOGGER).info(
            "request",
            extra={
                "fields": {
                    "event": "request",
                    "method": request.method,
                    "route": rule,
                    "endpoint": request.endpoint,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                }
            },
        )
        if getattr(g, "request_id", None):
            response.headers["X-Request-ID"] = g.request_id
        return response
