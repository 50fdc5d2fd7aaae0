"""A short-lived read cache for OrderDesk answers, per tenant, store, resource and arguments.

    orders = await cached(tenant.id, store.pk, "orders", {"folder_id": 5, "limit": 25}, TTL_ORDERS, fetch)
    order = await cached(tenant.id, store.pk, "orders", {"order_id": "7"}, TTL_ORDERS, fetch, item="7")
    await invalidate(tenant.id, store.pk, "orders", items=["7"])  # after a write that changed order 7

Keys hold the tenant, the store, the resource and a SHA-256 of the canonical JSON of every argument,
so two calls that differ in any argument, or come from different tenants, never share an entry. Each
entry records the resource's *generations* it was stored under, read with it in one round trip.
`invalidate` bumps generations: every entry stored under the old ones stops being a hit at once, on
locmem and on Redis alike, without scanning keys; it expires by TTL or is overwritten.

A read of one record (`item`) hangs on that record's own generation and on one shared by every record
of the resource; any other read (a list, a search, a summary) on the resource's generation. So a write
to record 7 (`items=["7"]`) drops the reads of record 7 and every list, which may hold it, while the
cached reads of other records stay; `invalidate` without items drops everything of the resource.

Generations start at a random number, so if a generation counter is ever evicted the new one does not
bring back entries written under an old number.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable
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


def _item_name(item: Any) -> str:
    return str(item).strip()[:64]


def _scopes(resource: str, item: Any) -> list[str]:
    """The generations a read hangs on: the resource's, or (for one record) every record's and its own."""
    if item is None:
        return [resource]
    return [f"{resource}#each", f"{resource}#{_item_name(item)}"]


def _lookup(cache, tenant_id: Any, store_id: Any, resource: str, args: dict[str, Any], item: Any) -> tuple:
    """The entry's key, the current generations it must carry, and the entry if it carries them.

    The generations and the entry are read together, in one round trip: an entry records the
    generations it was stored under, so one left from before an invalidation is a miss."""
    generation_keys = [_generation_key(tenant_id, store_id, scope) for scope in _scopes(resource, item)]
    name = resource if item is None else f"{resource}#{_item_name(item)}"
    key = f"{PREFIX}:{tenant_id}:{store_id}:{name}:{args_digest(args)}"
    found = cache.get_many([*generation_keys, key])
    for generation_key in generation_keys:
        if found.get(generation_key) is None:
            cache.add(generation_key, secrets.randbits(48), timeout=None)  # the first concurrent add wins
            found[generation_key] = cache.get(generation_key)
    generations = tuple(int(found[k]) if found[k] is not None else 0 for k in generation_keys)
    entry = found.get(key)
    return key, generations, entry if entry is not None and entry[0] == generations else None


async def cached[T](
    tenant_id: Any,
    store_id: Any,
    resource: str,
    args: dict[str, Any],
    ttl: int,
    fetch: Callable[[], Awaitable[T]],
    *,
    item: Any = None,
) -> T:
    """`fetch()`'s result, from the cache when a fresh one is there (then OrderDesk is not called at all).

    `item` names the one record the read is about (e.g. the order id of orders_get); leave it None for
    reads that may hold several records (lists, searches, summaries)."""
    key, generations, hit = await _call(lambda: _lookup(_cache(), tenant_id, store_id, resource, args, item))
    metrics.count_cache_lookup(resource, hit is not None)
    if hit is not None:
        return hit[1]  # stored as (generations, value), so that a cached None is a hit too
    value = await fetch()
    await _call(lambda: _cache().set(key, (generations, value), timeout=ttl))
    return value


async def invalidate(
    tenant_id: Any, store_id: Any, *resources: str, items: Iterable[Any] | None = None
) -> None:
    """Drop cached reads of `resources` for everybody. With `items` (the records a write changed, possibly
    none, e.g. after a create): the reads of those records and every read that is not about one record,
    since lists may hold them. With items None (which records changed is unknown): all of them."""
    names = None if items is None else list(dict.fromkeys(_item_name(item) for item in items))
    per_record = [f"#{name}" for name in names] if names is not None else ["#each"]
    scopes = [f"{resource}{suffix}" for resource in resources for suffix in ["", *per_record]]

    def bump() -> None:
        cache = _cache()
        for scope in scopes:
            key = _generation_key(tenant_id, store_id, scope)
            try:
                cache.incr(key)
            except ValueError:  # no generation yet (or evicted): start a fresh random one
                if not cache.add(key, secrets.randbits(48), timeout=None):
                    cache.incr(key)

    await _call(bump)
