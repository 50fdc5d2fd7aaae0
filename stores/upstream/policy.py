"""How one attempt is judged: whether another attempt may follow, how long to wait first, and which
error the caller finally sees.

Retry rules (RFC 9110 §9.2.2 idempotency; security.md §4.1):
  GET          connection failures, timeouts, 429, 500, 502, 503, 504
  PUT, DELETE  429, 503, or a connection that never opened (the request was never sent)
  POST         429 (refused before processing), or a connection that never opened; never after a
               timeout or a 5xx, because OrderDesk may already have created the object: the caller
               gets OutcomeUnknown and must check before trying again.
  400, 401, 403, 404, 422 are never retried.
At most 3 attempts in all, with full-jitter backoff (uniform between 0 and min(8 s, 0.5 s·2^n)) unless
OrderDesk sends a hint (X-Retry-After, then Retry-After), which replaces the backoff.

Written here rather than with tenacity or backoff: whether to retry depends on the method together
with what the answer proves about the request having been processed, a hint header replaces the wait,
and the operation's time budget caps it; expressed through a retry library's predicates and wait
callbacks this table would be the same code, spread further apart.
"""

from __future__ import annotations

import email.utils
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from kernel.errors import (
    OperationError,
    OutcomeUnknown,
    RateLimited,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamResponseTooLarge,
    UpstreamUnavailable,
)
from kernel.redaction import redact_text
from stores.decoding import as_int_or_none

MAX_ATTEMPTS = 3
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# No wait (pacing, backoff or a retry hint) may leave an attempt less than this to run: a request sent
# with a few milliseconds left times out for certain, and a timed-out POST is an unknown outcome that a
# person must check, where refusing before sending would have been a plain "retry later".
MIN_ATTEMPT_SECONDS = 1.0
MESSAGE_LIMIT = 300

GET_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
WRITE_RETRY_STATUSES = frozenset({429, 503})  # PUT and DELETE
POST_RETRY_STATUSES = frozenset({429})


@dataclass
class AttemptResult:
    """What one HTTP attempt produced: a response, or a transport failure of one kind:
    "connect" (no connection, so nothing was sent), "timeout" or "network" (the request may have
    reached OrderDesk), or "too_large": an answer whose body was over `body_limit` bytes once decoded
    (`response` then has its status and headers, without the body)."""

    method: str
    path: str
    attempt: int
    request: httpx.Request
    started_at: datetime
    response: httpx.Response | None = None
    kind: str = "response"
    error: str = ""
    duration_ms: float = 0.0
    body_limit: int = 0

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None


def retry_reason(result: AttemptResult) -> str:
    """Why another attempt may follow ("429", "503", "timeout", "connect", …), or "" if the rules
    forbid one."""
    if result.kind == "connect":
        return "connect"
    if result.kind == "too_large":
        return ""
    if result.kind in ("timeout", "network"):
        return result.kind if result.method == "GET" else ""
    status = result.status
    if result.method == "GET":
        allowed = GET_RETRY_STATUSES
    elif result.method == "POST":
        allowed = POST_RETRY_STATUSES
    else:
        allowed = WRITE_RETRY_STATUSES
    return str(status) if status in allowed else ""


def counts_as_failure(result: AttemptResult) -> bool:
    """For the circuit breaker: OrderDesk unreachable or broken, not merely refusing a request."""
    return result.kind not in ("response", "too_large") or (result.status or 0) >= 500


def backoff(retry_index: int, rng: random.Random) -> float:
    """Full jitter: uniform between 0 and min(cap, base·2^n), n = 0 before the first retry."""
    return rng.uniform(0.0, min(BACKOFF_CAP, BACKOFF_BASE * 2**retry_index))


def retry_hint(response: httpx.Response | None, wall_now: float) -> float | None:
    """Seconds OrderDesk asked us to wait: X-Retry-After (its own header), else the standard
    Retry-After (delta-seconds or an HTTP-date). None when absent or unreadable."""
    if response is None:
        return None
    for name in ("X-Retry-After", "Retry-After"):
        raw = response.headers.get(name)
        if raw is not None and (seconds := _parse_hint(raw, wall_now)) is not None:
            return seconds
    return None


def _parse_hint(raw: str, wall_now: float) -> float | None:
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - wall_now)


def size_text(size: int) -> str:
    mb = 1024 * 1024
    return f"{size // mb} MB" if size % mb == 0 else f"{size:,} bytes"


def tokens_remaining(response: httpx.Response | None) -> int | None:
    return None if response is None else as_int_or_none(response.headers.get("X-Tokens-Remaining"))


def _decoded(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def upstream_message(response: httpx.Response | None, secrets: tuple[str, ...]) -> str:
    """OrderDesk's own `message`, made safe to show: no secrets, one line, bounded length."""
    if response is None:
        return ""
    body = _decoded(response)
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    text = " ".join(redact_text(message, secrets).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def success_body(result: AttemptResult, secrets: tuple[str, ...]) -> dict[str, Any]:
    """The envelope of a 2xx answer, or UpstreamError if it is not a success envelope."""
    response = result.response
    assert response is not None
    body = _decoded(response)
    if not isinstance(body, dict):
        raise UpstreamError(
            f"OrderDesk answered {result.method} {result.path} with HTTP {response.status_code} but the body "
            "is not a JSON object.",
            status=response.status_code,
        )
    if str(body.get("status", "success")).lower() == "error":
        message = upstream_message(response, secrets) or "no message given"
        raise UpstreamError(f"OrderDesk reported an error: {message}", status=response.status_code)
    return body


def failure(
    result: AttemptResult, *, secrets: tuple[str, ...], hint: float | None, gave_up_early: bool = False
) -> OperationError:
    """The error for a final attempt that did not succeed. `gave_up_early`: more attempts were allowed
    but the deadline left no time for them."""
    method, path, attempts = result.method, result.path, result.attempt
    tried = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
    may_be_applied = "it may or may not have been applied; check before retrying."
    if result.kind == "connect":
        return UpstreamUnavailable(
            f"Could not connect to OrderDesk for {method} {path} ({tried}): {result.error}"
        )
    if result.kind in ("timeout", "network"):
        what = "did not answer in time" if result.kind == "timeout" else "dropped the connection"
        if method == "POST":
            return OutcomeUnknown(f"OrderDesk {what} for {method} {path}; {may_be_applied}")
        if method != "GET":
            return UpstreamUnavailable(f"OrderDesk {what} for {method} {path} ({tried}); {may_be_applied}")
        return UpstreamUnavailable(f"OrderDesk {what} for {method} {path} ({tried}).")
    response = result.response
    assert response is not None
    status = response.status_code
    if result.kind == "too_large":
        larger = (
            f"OrderDesk's answer to {method} {path} was larger than {size_text(result.body_limit)}, "
            "so it was not read"
        )
        if method == "GET":
            return UpstreamResponseTooLarge(
                f"{larger}; narrow the request (a smaller limit, fewer fields).", status=status
            )
        return UpstreamResponseTooLarge(
            f"{larger}; it may have been applied (HTTP {status}), check before retrying.", status=status
        )
    message = upstream_message(response, secrets)
    said = f": {message}" if message else ""
    if status == 429:
        wait = max(1, math.ceil(hint)) if hint is not None else 1
        return RateLimited(f"OrderDesk rate limit: retry after {wait} s.", retry_after=wait)
    if status in (401, 403):
        return UpstreamAuthFailed(
            f"OrderDesk rejected the store's credentials (HTTP {status}); re-enter the API key.",
            status=status,
        )
    if status == 404:
        return UpstreamError(f"OrderDesk: {message or 'Not found'} (HTTP 404).", status=404)
    if 300 <= status < 400:
        return UpstreamError(
            f"OrderDesk answered HTTP {status} (a redirect), which is not followed; "
            "check the store's base URL.",
            status=status,
        )
    if status >= 500:
        if method == "POST":
            return OutcomeUnknown(
                f"OrderDesk failed with HTTP {status}{said} for {method} {path}; {may_be_applied}",
                status=status,
            )
        retry_after = max(1, math.ceil(hint)) if hint is not None else None
        later = f" Retry in {retry_after} s." if retry_after and gave_up_early else ""
        return UpstreamUnavailable(
            f"OrderDesk is unavailable (HTTP {status}{said}) for {method} {path} ({tried}).{later}",
            status=status,
            retry_after=retry_after,
        )
    return UpstreamError(f"OrderDesk rejected {method} {path} (HTTP {status}){said}", status=status)
