"""Serialising our own read-modify-write cycles on one OrderDesk record.

OrderDesk has no conditional PUT, so two of our updaters of the same order would each fetch, merge and
PUT, and the second PUT would silently drop the first one's change. Updates of one record therefore
queue behind a lock keyed by (tenant, store, kind, record id): an asyncio lock within the process, plus
a short-lived lock in Django's cache (`cache.add` with a TTL) so several processes sharing Redis
cooperate too. The cache lock expires after LOCK_TTL seconds so a crashed process cannot block a record
for long; its release (compare, then delete) is not atomic, which at worst lets a waiter in a moment
early after the holder has already finished. The date_updated check in the update loop still catches
writers that are not ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
import weakref
from collections.abc import AsyncIterator

from django.core.cache import cache

from kernel.errors import Conflict

LOCK_TTL = 45  # seconds: longer than one operation's upstream deadline (30 s) plus the re-apply loop
LOCK_WAIT = 30.0

_local: weakref.WeakValueDictionary[tuple, asyncio.Lock] = weakref.WeakValueDictionary()


def _local_lock(key: tuple) -> asyncio.Lock:
    # Keyed by the running loop too: an asyncio.Lock must not be shared between event loops.
    loop_key = (id(asyncio.get_running_loop()), *key)
    lock = _local.get(loop_key)
    if lock is None:
        lock = asyncio.Lock()
        _local[loop_key] = lock
    return lock


@contextlib.asynccontextmanager
async def record_lock(
    kind: str, tenant_id: object, store_id: object, record_id: object, *, label: str, wait: float = LOCK_WAIT
) -> AsyncIterator[None]:
    key = (kind, str(tenant_id), str(store_id), str(record_id))
    async with _local_lock(key):
        cache_key = "oda:lock:" + ":".join(key)
        token = secrets.token_hex(8)
        deadline = time.monotonic() + wait
        delay = 0.02
        while not await cache.aadd(cache_key, token, timeout=LOCK_TTL):
            if time.monotonic() >= deadline:
                raise Conflict(
                    f"Another update of {label} is still running; try again in a few seconds.",
                    retry_after=2.0,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)
        try:
            yield
        finally:
            if await cache.aget(cache_key) == token:
                await cache.adelete(cache_key)
