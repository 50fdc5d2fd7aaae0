"""What happens before any endpoint runs: authentication, the leaky bucket and fault injection.

The bucket lives in the store's database row, so every process serving the sandbox shares it. It is
updated in a transaction holding the row's write lock (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
IMMEDIATE transaction mode locks the database when the transaction starts), so concurrent requests
queue for the row and can never spend the same token twice.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import secrets
import time
from dataclasses import dataclass

from django.db import transaction

from sandbox.engine.errors import ApiError
from sandbox.models import SandboxStore

INVALID_CREDENTIALS = "Invalid API Key or Store ID"  # ASSUMPTION (orderdesk-api.md §1, §5.1)

# Indirections the tests replace: a frozen clock makes bucket arithmetic exact.
clock = time.time
_shares_rng = random.Random()


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def mint_key() -> str:
    """A new sandbox API key: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Admission:
    """A request that may proceed, and what the fault settings did to it."""

    store: SandboxStore
    tokens_remaining: int
    fault: str = "ok"  # one of models.FAULT_STEPS
    latency: float = 0.0  # seconds to wait before answering
    timeout_seconds: float = 0.0


def authenticate(store_id: str | None, api_key: str | None) -> SandboxStore:
    """The store whose id and key both match, or a 401. A key only opens its own store."""
    expected = hash_key(api_key or "")
    store = None
    if store_id and store_id.strip().isdigit() and len(store_id.strip()) <= 12:
        store = SandboxStore.objects.filter(orderdesk_store_id=store_id.strip()).first()
    # Compare even when the store is unknown, so timing does not reveal which store ids exist.
    stored = store.api_key_hash if store is not None else hash_key(secrets.token_hex(8))
    if not api_key or not hmac.compare_digest(stored, expected) or store is None:
        raise ApiError(401, INVALID_CREDENTIALS)
    return store


def admit(store_id: str | None, api_key: str | None) -> Admission:
    """Authenticate, take one token from the store's bucket, and decide this request's fault."""
    store = authenticate(store_id, api_key)
    if not store.rate_limit_enabled and not store.faults_active:
        return Admission(store=store, tokens_remaining=int(store.bucket_capacity))  # nothing to write
    with transaction.atomic():
        locked = SandboxStore.objects.select_for_update().get(pk=store.pk)
        changed: list[str] = []
        remaining = _take_token(locked, changed)
        fault = _choose_fault(locked, changed)
        if changed:
            locked.save(update_fields=changed)
    return Admission(
        store=locked,
        tokens_remaining=remaining,
        fault=fault,
        latency=locked.fault_latency_ms / 1000,
        timeout_seconds=locked.fault_timeout_seconds,
    )


def _take_token(store: SandboxStore, changed: list[str]) -> int:
    """Leaky bucket of orderdesk-api.md §5.2: `capacity` tokens, refilled at `rate` per second
    (fractionally), one per request. An empty bucket answers 429 with the wait for one token."""
    capacity = max(store.bucket_capacity, 0.0)
    if not store.rate_limit_enabled:
        return int(capacity)
    rate = max(store.bucket_refill_rate, 0.0)
    current = clock()
    if store.bucket_updated_at <= 0:
        tokens = capacity
    else:
        # max(0, …): another process's clock may be a little behind ours.
        tokens = min(capacity, store.bucket_tokens + max(0.0, current - store.bucket_updated_at) * rate)
    if tokens < 1:
        wait = (1 - tokens) / rate if rate > 0 else 60.0
        retry_after = str(max(1, math.ceil(wait - 1e-9)))
        # Nothing is saved: the refill arithmetic from the stored state gives the same result later.
        raise ApiError(
            429,
            "Too Many Requests",  # ASSUMPTION (orderdesk-api.md §5.2): the 429 body is undocumented.
            headers={"X-Retry-After": retry_after, "Retry-After": retry_after, "X-Tokens-Remaining": "0"},
        )
    store.bucket_tokens = tokens - 1
    store.bucket_updated_at = current
    changed += ["bucket_tokens", "bucket_updated_at"]
    return math.floor(store.bucket_tokens)


def _choose_fault(store: SandboxStore, changed: list[str]) -> str:
    """The script first (one step per request, in order), then the random shares."""
    if store.fault_script:
        step, store.fault_script = str(store.fault_script[0]), list(store.fault_script[1:])
        changed.append("fault_script")
        return step
    shares = (
        ("429", store.fault_share_429),
        ("500", store.fault_share_500),
        ("503", store.fault_share_503),
        ("timeout", store.fault_share_timeout),
    )
    if sum(share for _, share in shares) <= 0:
        return "ok"
    if store.fault_seed is not None:
        # Seeded: the n-th request of this store always rolls the same number, in any process.
        roll = random.Random(f"{store.fault_seed}:{store.fault_counter}").random()
        store.fault_counter += 1
        changed.append("fault_counter")
    else:
        roll = _shares_rng.random()
    cumulative = 0.0
    for step, share in shares:
        cumulative += share
        if roll < cumulative:
            return step
    return "ok"
