"""Failures the core anticipates. Every interface turns them into its own shape.

HTML views get Django's 404/403 for free (NotFound is an Http404, Forbidden a PermissionDenied), MCP
tools turn any OperationError into a ToolError with `str(exc)` as the model-readable message, and the
console shows the message next to the field it names. Anything else is a crash: logged with the request
id, shown generically.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404


class OperationError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class NotFound(OperationError, Http404):
    """The object does not exist for this caller. Another tenant's object is exactly this."""

    code = "not_found"


class InvalidInput(OperationError):
    """The caller sent a value we cannot use; `field` names it."""

    code = "invalid_input"


class Forbidden(OperationError, PermissionDenied):
    """The caller is known but its role or key scope does not allow this."""

    code = "forbidden"


class Conflict(OperationError):
    """The object changed under us more often than we are willing to re-apply a change."""

    code = "conflict"


class RateLimited(OperationError):
    """Too many calls; `retry_after` says when trying again makes sense."""

    code = "rate_limited"


class UpstreamError(OperationError):
    """OrderDesk answered with a failure (or not at all)."""

    code = "upstream_error"

    def __init__(self, message: str, *, status: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.status = status


class UpstreamAuthFailed(UpstreamError):
    code = "upstream_auth"


class UpstreamUnavailable(UpstreamError):
    """Timeouts, connection failures, 5xx after retries, or the circuit breaker is open."""

    code = "upstream_unavailable"


class UpstreamResponseTooLarge(UpstreamError):
    """OrderDesk's answer was larger than this app reads (ORDERDESK_MAX_RESPONSE_BYTES, once decoded)."""

    code = "upstream_too_large"


class OutcomeUnknown(UpstreamError):
    """A create may or may not have happened upstream: check before retrying."""

    code = "outcome_unknown"
