"""Keep secrets out of traces, audit details and logs.

Two rules, applied together: a value whose *key* names a secret is replaced, and any *text* that looks
like a credential (our agent keys, bearer tokens, magic-link paths, or a secret we were told about) is
masked wherever it appears.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

REDACTED = "[REDACTED]"

# Key names are split into words, so "ORDERDESK-API-KEY" and "smtp_password" match but
# "X-Tokens-Remaining" does not ("tokens" is not "token").
_SECRET_WORDS = {
    "key", "apikey", "token", "secret", "password", "passwd", "authorization", "cookie",
    "signature", "bearer", "session", "sessionid", "csrftoken", "cvv", "cvv2",
}  # fmt: skip
_SECRET_KEYS = {"cc_number", "card_number", "cc_cvv", "x_order_desk_hash"}
_NOT_SECRET_KEYS = {"idempotency_key", "key_id", "key_prefix", "prefix", "tokens_remaining"}

_TEXT_PATTERNS = [
    re.compile(r"odk_[A-Za-z0-9]+_[A-Za-z0-9_-]{16,}"),  # our agent API keys
    re.compile(r"(?i)\bbearer\s+[^\s\"',]+"),
    re.compile(r"(?<=/auth/magic/)[^/\s\"']+"),  # magic-link tokens in paths
    re.compile(r"(?<=/webhooks/orderdesk/)[^/\s\"']+"),  # a store's secret post-back URL
    # key=value, "key": "value" and Python reprs ('key': 'value'), e.g. in exception messages
    re.compile(r"(?i)([\"']?(?:api[_-]?key|password|secret|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"',&}]+"),
]
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Every text pattern needs one of these (case-insensitively); text without any is left alone without
# running the patterns, which keeps redacting a large order cheap.
_TEXT_TRIGGERS = (
    "odk_", "bearer", "/auth/magic/", "/webhooks/orderdesk/", "key", "password", "secret", "token",
)  # fmt: skip


@lru_cache(maxsize=8192)  # the same few hundred field names come back on every record
def is_secret_key(name: str) -> bool:
    lowered = str(name).lower()
    # camelCase names ("accessToken", "clientSecret") split into words like snake_case ones do.
    snake = _CAMEL_BOUNDARY.sub("_", str(name)).lower()
    if lowered in _NOT_SECRET_KEYS or snake in _NOT_SECRET_KEYS:
        return False
    if lowered in _SECRET_KEYS or snake in _SECRET_KEYS:
        return True
    words = [w for w in re.split(r"[^a-z0-9]+", snake) if w]
    return any(w in _SECRET_WORDS for w in words) or "apikey" in lowered.replace("_", "").replace("-", "")


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TEXT_TRIGGERS):
        return text
    for pattern in _TEXT_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A deep copy of JSON-like `value` with secret-named keys and credential-like text masked."""
    secrets = tuple(secrets)
    if isinstance(value, dict):
        return {
            k: (REDACTED if is_secret_key(k) and v not in (None, "") else redact(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v, secrets) for v in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value


def redact_headers(headers: Iterable[tuple[str, str]], secrets: Iterable[str] = ()) -> dict[str, str]:
    return {name: (REDACTED if is_secret_key(name) else redact_text(val, secrets)) for name, val in headers}


def redact_body(body: bytes | str | None, secrets: Iterable[str] = (), limit: int = 64 * 1024) -> str:
    """A request or response body as redacted text, capped at `limit` bytes (JSON is parsed first, so
    secrets are masked by key rather than by guessing)."""
    if body is None or body == b"" or body == "":
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
    except ValueError:
        cleaned = redact_text(text, secrets)
    else:
        cleaned = json.dumps(redact(parsed, secrets), ensure_ascii=False, separators=(",", ":"))
    return cap(cleaned, limit)


def cap(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    marker = f"…[truncated, {len(encoded)} bytes in all]"
    return encoded[: max(0, limit - len(marker.encode()))].decode("utf-8", "ignore") + marker
