"""Agent API keys: minting and verifying `odk_<key id>_<secret>`.

Only `bcrypt(secret)` is stored. Verification is one indexed lookup by key id on every call (so a
revocation or expiry counts on the very next call), and bcrypt runs only when this process has not
recently verified the same secret for that key: a cache miss. The cache is process-local and holds an
HMAC of the secret, never the secret, so nothing key-derived leaves the process.

On /mcp a cache miss is single-flight: when many requests with the same key arrive on a cold (or just
expired) cache, one bcrypt check runs and the others await its answer, instead of each running its own
and queueing for the CPU (8 concurrent callers each took over a second at cost 12).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from uuid import UUID

import bcrypt
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone

from api_keys.models import ApiKey, ApiKeyKind, ApiKeyScope
from kernel.singleflight import SingleFlight
from tenants.actors import Actor, Permission

KEY_PATTERN = re.compile(r"^odk_(?P<id>[a-z0-9]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")
# last_used_at is informational; writing it on every call would turn reads into writes.
LAST_USED_GRANULARITY_SECONDS = 60


@dataclass(frozen=True)
class MintedKey:
    key_id: str
    raw: str  # shown once, never stored
    prefix: str
    secret_hash: str


def mint() -> MintedKey:
    key_id = secrets.token_hex(6)  # 12 lowercase hex characters: the primary key
    secret = secrets.token_urlsafe(32)  # 256 bits, 43 characters (bcrypt's 72-byte limit is far off)
    rounds = settings.API_KEY_BCRYPT_ROUNDS
    return MintedKey(
        key_id=key_id,
        raw=f"odk_{key_id}_{secret}",
        prefix=f"odk_{key_id}_{secret[:4]}",
        secret_hash=bcrypt.hashpw(secret.encode(), bcrypt.gensalt(rounds)).decode(),
    )


def parse(raw: str) -> tuple[str, str] | None:
    match = KEY_PATTERN.match(raw or "")
    return (match["id"], match["secret"]) if match else None


@dataclass(frozen=True)
class _Verified:
    secret_digest: bytes
    secret_hash: str
    until: float


_verified: dict[str, _Verified] = {}
_lock = threading.Lock()


def _digest(secret: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).digest()


def _cached_ok(key: ApiKey, digest: bytes) -> bool:
    entry = _verified.get(key.pk)
    return (
        entry is not None
        and entry.until > time.monotonic()
        and entry.secret_hash == key.secret_hash
        and hmac.compare_digest(entry.secret_digest, digest)
    )


def _remember(key: ApiKey, digest: bytes) -> None:
    with _lock:
        _verified[key.pk] = _Verified(
            digest, key.secret_hash, time.monotonic() + settings.API_KEY_VERIFY_CACHE_SECONDS
        )


def forget(key_id: str) -> None:
    """Drop a key from this process's verification cache (revocation does not depend on it)."""
    with _lock:
        _verified.pop(key_id, None)


def _check_secret(key: ApiKey, secret: str) -> bool:
    try:
        return bcrypt.checkpw(secret.encode(), key.secret_hash.encode())
    except ValueError:  # a damaged hash column refuses the key instead of crashing the request
        return False


# In-flight bcrypt checks on /mcp, by (key id, stored hash, HMAC of the presented secret): only callers
# presenting the very same secret for the very same hash share an answer.
_check_flights: SingleFlight[tuple[str, str, bytes], bool] = SingleFlight()


async def _acheck_secret(key: ApiKey, secret: str, digest: bytes) -> bool:
    """`_check_secret` in a worker thread, once for all concurrent callers; a success is remembered
    before any of them resumes."""

    async def check() -> bool:
        ok = await asyncio.to_thread(_check_secret, key, secret)
        if ok:
            _remember(key, digest)
        return ok

    return await _check_flights.run((key.pk, key.secret_hash, digest), check)


def needs_touch(key: ApiKey) -> bool:
    return (
        key.last_used_at is None
        or (timezone.now() - key.last_used_at).total_seconds() > LAST_USED_GRANULARITY_SECONDS
    )


def key_permissions(key: ApiKey) -> frozenset[Permission]:
    granted = {Permission.READ}
    if key.scope == ApiKeyScope.READ_WRITE:
        granted.add(Permission.WRITE)
    if key.stores_admin:
        granted.add(Permission.MANAGE_STORES)
    return frozenset(granted)


def key_actor(key: ApiKey, *, allowed_store_ids: frozenset[UUID] | None) -> Actor:
    """The actor a key acts as. `allowed_store_ids` comes from the caller, which already loaded the key's
    store list (ignored for a key allowed every store)."""
    return Actor(
        tenant=key.tenant,
        api_key=key,
        permissions=key_permissions(key),
        allowed_store_ids=None if key.all_stores else allowed_store_ids,
        toolsets=frozenset(key.toolsets or ()),
        default_store_id=key.default_store_id,
    )


def actor_for(key: ApiKey, allowed: list) -> Actor:
    return key_actor(key, allowed_store_ids=None if key.all_stores else frozenset(allowed))


def load(key_id: str) -> tuple[ApiKey, list] | None:
    """The live key with this id and, for a key limited to some stores, their ids; None otherwise.

    One indexed lookup by primary key on every call, so a revocation or expiry counts on the next
    request. Slicing instead of .first() spares an ORDER BY nobody needs on this hot path.
    """
    key = next(iter(ApiKey.objects.select_related("tenant").filter(pk=key_id)[:1]), None)
    if key is None or not key.is_active:
        return None
    allowed = [] if key.all_stores else list(key.stores.values_list("id", flat=True))
    return key, allowed


def authenticate(raw: str) -> Actor | None:
    """The Actor for a presented key, or None for anything that is not a live, matching key."""
    parsed = parse(raw)
    if parsed is None:
        return None
    key_id, secret = parsed
    loaded = load(key_id)
    if loaded is None:
        return None
    key, allowed = loaded
    if key.kind != ApiKeyKind.KEY:  # a connected app has no secret: only its OAuth tokens work
        return None
    digest = _digest(secret)
    if not _cached_ok(key, digest):
        if not _check_secret(key, secret):
            return None
        _remember(key, digest)
    if needs_touch(key):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return actor_for(key, allowed)


async def aauthenticate(raw: str) -> Actor | None:
    """Async twin of `authenticate` for /mcp: the lookup is one hop to the ORM thread, and bcrypt runs
    in a worker thread so the event loop keeps serving, once for all concurrent callers of a key."""
    parsed = parse(raw)
    if parsed is None:
        return None
    key_id, secret = parsed
    loaded = await sync_to_async(load)(key_id)
    if loaded is None:
        return None
    key, allowed = loaded
    if key.kind != ApiKeyKind.KEY:
        return None
    digest = _digest(secret)
    if not _cached_ok(key, digest) and not await _acheck_secret(key, secret, digest):
        return None
    if needs_touch(key):
        await ApiKey.objects.filter(pk=key.pk).aupdate(last_used_at=timezone.now())
    return actor_for(key, allowed)


async def areload(key_id: object) -> Actor | None:
    """The Actor of a key already authenticated, as it stands now (None once revoked or expired): a
    long-lived stream re-checks its key with this before each delivery, without the secret."""
    loaded = await sync_to_async(load)(str(key_id))
    return None if loaded is None else actor_for(*loaded)
