"""Turning one HTTP attempt into a SpanRecord for the operation's trace, with every secret removed."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
from django.conf import settings

from kernel.redaction import REDACTED, is_secret_key, redact_body, redact_text
from kernel.tracing import SpanRecord
from stores.upstream.policy import AttemptResult, tokens_remaining


def redacted_query(request: httpx.Request, secrets: tuple[str, ...]) -> str:
    # Values are masked before encoding, while "Bearer abc" still has its space.
    pairs = [
        (k, REDACTED if is_secret_key(k) else redact_text(v, secrets))
        for k, v in request.url.params.multi_items()
    ]
    return urlencode(pairs, safe="[]")


def span_for(*, path: str, result: AttemptResult, retry_reason: str, secrets: tuple[str, ...]) -> SpanRecord:
    request = result.request
    limit = settings.TRACE_BODY_LIMIT
    response = result.response
    error = result.error
    if response is not None and not 200 <= response.status_code < 300 and not error:
        error = f"HTTP {response.status_code}"
    return SpanRecord(
        method=result.method,
        path=path,
        started_at=result.started_at,
        duration_ms=result.duration_ms,
        attempt=result.attempt,
        query=redacted_query(request, secrets),
        status=result.status,
        tokens_remaining=tokens_remaining(response),
        retry_reason=retry_reason,
        # Headers are never recorded (they carry the API key); bodies are parsed and masked by key
        # name (cc_number, api_key, …) and by value (the store's key wherever it appears).
        request_body=redact_body(request.content, secrets, limit=limit),
        response_body=redact_body(response.content, secrets, limit=limit) if response is not None else "",
        error=redact_text(error, secrets)[:300],
    )
