"""Logging filters and the JSON formatter.

Access logs print request paths, and a magic-link path is a credential: every handler redacts. With
LOG_FORMAT=json each record is one line of JSON carrying the request id, tenant and operation of the
work that logged it (`ContextFilter`, from kernel.context).
"""

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from kernel import context
from kernel.redaction import REDACTED, is_secret_key, redact, redact_text

_traceback_formatter = logging.Formatter()
# Every attribute a bare LogRecord has; anything else on a record came from `extra=` or a filter.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# The context fields a line carries, in the order they are looked up.
CONTEXT_FIELDS = ("request_id", "source", "tenant", "operation")


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is still worth logging as it is
            return True
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        # An exception's message is printed with its traceback, outside the log message: format it
        # here (formatters reuse exc_text once it is set) so it is redacted too.
        if record.exc_info and not record.exc_text:
            record.exc_text = _traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        _redact_extras(record)
        return True


def _redact_extras(record: logging.LogRecord) -> None:
    """Fields given with `extra=` are printed by the JSON formatter: a secret-named one is masked, and
    text, lists and mappings are redacted like trace bodies. Other objects (Django's `request`) are
    left for the formatter, which redacts their text when it prints them (`_printable`)."""
    for name, value in list(record.__dict__.items()):
        if name in _STANDARD_ATTRS or value is None or value == "":
            continue
        if is_secret_key(name):
            setattr(record, name, REDACTED)
        elif isinstance(value, (str, dict, list, tuple)):
            setattr(record, name, redact(value))


class ContextFilter(logging.Filter):
    """Stamp each record with the request id, face, tenant and operation of the work that logs it
    (kernel.context), so every line logged while a request or an operation runs can be found by them.
    A value the caller passed with `extra=` is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        # The notes of the open unit of work come first: its "request finished" line is logged after
        # the request's context was unbound, when a context made earlier may be the one in sight.
        bound = context.peek()
        notes = context.notes()
        values = {
            "request_id": notes.get("request_id") or (bound.request_id if bound else None),
            "source": notes.get("source") or (bound.source if bound else None),
            "tenant": notes.get("tenant"),
            "operation": notes.get("operation"),
        }
        for name, value in values.items():
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        return True


def _printable(value: Any) -> str:
    """How the JSON formatter prints an object JSON has no type for: its text, redacted."""
    return redact_text(str(value))


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, then the context fields
    and any `extra=` fields. python-json-logger does the encoding: JSON escapes every control character
    (CR, LF, ESC, NUL as \\n, \\u001b, ...), so one event is always exactly one line and a
    crafted message cannot forge another (log injection); a traceback stays inside its record too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["asctime", "levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("json_default", _printable)
        # Django passes the request object along with its own lines (the access line already says the
        # method and path), and uvicorn a copy of its message with terminal colours: both are noise.
        kwargs.setdefault(
            "reserved_attrs", [*_STANDARD_ATTRS - {"message"}, "request", "server_time", "color_message"]
        )
        super().__init__(*args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class RefusalWithoutTracebackFilter(logging.Filter):
    """Django logs a 4xx raised as an exception (PermissionDenied, BadRequest, DisallowedHost) with
    that exception's traceback. A refusal is the app working as meant, and tracebacks are what
    operators look for when something broke: keep one line, naming the exception, and no traceback.
    Runs before RedactSecretsFilter, which redacts the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not (record.exc_info and isinstance(status, int) and 400 <= status < 500):
            return True
        exc = record.exc_info[1]
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is still worth logging as it is
            return True
        reason = str(exc).encode("unicode_escape").decode("ascii")  # one line, as Django escapes args
        record.msg = f"{message} ({type(exc).__name__}: {reason})" if reason else message
        record.args, record.exc_info, record.exc_text = None, None, None
        return True
