"""Logging filters. Access logs print request paths, and a magic-link path is a credential."""

import logging

from orderdesk_admin.redaction import redact_text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is still worth logging as it is
            return True
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
