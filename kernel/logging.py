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
