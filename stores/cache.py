"""A short-lived read cache for OrderDesk answers, per tenant, store, resource and arguments.

    orders = await cached(tenant.id, store.pk, "orders", {"folder_id": 5, "limit": 25}, TTL_ORDERS, fetch)
    await invalidate(tenant.id, store.pk, "orders")  # after a write that changed orders

Keys hold the tenant, the store, the resource, the resource's *generation* and a SHA-256 of the
canonical JSON of every argument, so two calls that differ in any argument, or come from different
tenants, never share an entry. `invalidate` bumps the generation: every entry of that resource stops
being found at once, on locmem and on Redis alike, without scanning keys; the orphans expire by TTL.

Generations start at a random number, so if a generation counter is ever evicted the new one does not
bring back entries written under an old number.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from kernel import metrics
from kernel.jsonutil import canonical_hash

TTL_ORDERS = 15
TTL_INVENTORY = 60
TTL_STORE_SETTINGS = 300

PREFIX = "odcache"


def _cache():
    return caches["default"]


async def _call[T](work: Callable[[], T]) -> T:
    """Run a few synchronous cache operations as one unit.

    Django's async cache methods hop to a worker thread for *each* operation, which costs more than a
    whole in-process lookup. The in-process cache only takes a lock, so it runs right here; a network
    cache (Redis) gets one hop for the whole unit, in the general thread pool rather than the single
    thread the ORM uses.
    """
    if isinstance(_cache(), LocMemCache):
        return work()
    return await sync_to_async(work, thread_sensitive=False)()


def args_digest(args: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the arguments (kernel.jsonutil: sorted keys, no whitespace)."""
    return canonical_hash(args)


def _generation_key(tenant_id: Any, store_id: Any, resource: str) -> str:
    return f"{PREFIX}:gen:{tenant_id}:{store_id}:{resource}"


def _generation(cache, tenant_id: Any, store_id: Any, resource: str) -> int:
    key = _generation_key(tenant_id, store_id, resource)
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.randbits(48), timeout=None)  # only the first concurrent add wins
        value = cache.get(key)
    return int(value) if value is not None else 0


def _key(cache, tenant_id: Any, store_id: Any, resource: str, args: dict[str, Any]) -> str:
    generation = _generation(cache, tenant_id, store_id, resource)
    return f"{PREFIX}:{tenant_id}:{store_id}:{resource}:{generation}:{args_digest(args)}"


async def cached[T](
    tenant_id: Any,
    store_id: Any,
    resource: str,
    args: dict[str, Any],
    ttl: int,
    fetch: Callable[[], Awaitable[T]],
) -> T:
    """`fetch()`'s result, from the cache when a fresh one is there (then OrderDesk is not called at all)."""

    def lookup() -> tuple[str, Any]:
        cache = _cache()
        key = _key(cache, tenant_id, store_id, resource, args)
        return key, cache.get(key)

    key, hit = await _call(lookup)
    metrics.count_cache_lookup(resource, hit is not None)
    if hit is not None:
        return hit[0]  # stored in a 1-tuple so that a cached None is a hit too
    value = await fetch()
    await _call(lambda: _cache().set(key, (value,), timeout=ttl))
    return value


async def invalidate(tenant_id: Any, store_id: Any, *resources: str) -> None:
    """Bump the generation of `resources`, so every cached read of them is gone for everybody."""

    def bump() -> None:
        cache = _cache()
        for resource in resources:
            key = _generation_key(tenant_id, store_id, resource)
            try:
                cache.incr(key)
            except ValueError:  # no generation yet (or evicted): start a fresh random one
                if not cache.add(key, secrets.randbits(48), timeout=None):
                    cache.incr(key)

    await _call(bump)
