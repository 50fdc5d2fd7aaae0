"""Logging filters. Access logs print request paths, and a magic-link path is a credential."""

import logging

from kernel.redaction import redact_text

_traceback_formatter = logging.Formatter()


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
        return True


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
