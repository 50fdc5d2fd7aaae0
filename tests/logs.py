"""Capture what the console handler would print with LOG_FORMAT=json, in this process."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Iterator

from kernel.logging import ContextFilter, JsonFormatter, RedactSecretsFilter, RefusalWithoutTracebackFilter

# The loggers whose lines the tests read, shown at INFO as LOG_FORMAT=json shows them.
LOGGERS = ("kernel.access", "operations.calls", "tests.logs")


class JsonLines:
    def __init__(self, stream: io.StringIO):
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def records(self) -> list[dict]:
        """Every line, parsed: a line that is not one JSON object fails here."""
        return [json.loads(line) for line in self.text.splitlines()]

    def find(self, message: str) -> list[dict]:
        return [record for record in self.records if record["message"] == message]


@contextlib.contextmanager
def json_logs() -> Iterator[JsonLines]:
    """The settings' console handler (same filters, in the same order), formatted as JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    for log_filter in (RefusalWithoutTracebackFilter(), ContextFilter(), RedactSecretsFilter()):
        handler.addFilter(log_filter)
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield JsonLines(stream)
    finally:
        for logger, level in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
