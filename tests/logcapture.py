"""Every line the application's loggers write, formatted as in production, for tests that read
the log (no personal data, request ids)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from core.logs import REQUEST_LOGGER, JsonFormatter


class LogLines(logging.Handler):
    """Keeps each record as the JSON line production would write."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def captured_logs(app_logger: str) -> Iterator[list[str]]:
    """The lines of the request logger, the app's logger, werkzeug's and the root logger while
    the block runs (attached to each: an app made by a test may have turned propagation off)."""
    handler = LogLines()
    names = (REQUEST_LOGGER, app_logger, "werkzeug", "")
    loggers = [logging.getLogger(name) if name else logging.getLogger() for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
