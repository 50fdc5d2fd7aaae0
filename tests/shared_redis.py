"""A test run's own corner of a Redis server that other processes use too.

With `REDIS_URL` the rate-limit counters live in Redis under fixed names: the failed-authentication
budget of /mcp is one counter per client IP, and every test client and every local app process is
127.0.0.1. Under the app's own key prefix, another test run or an app process on the same Redis
database spends that budget (ten failures a minute), and this run's next /mcp call with a valid key
is answered 429. And Django's `RedisCache.clear()` is FLUSHDB: each test's cache reset wiped every
other process's counters, console runs and channel-layer groups, so what a test saw depended on whose
reset ran last.

So a run takes a prefix of its own (`REDIS_KEY_PREFIX`, also exported to the app processes the
multi-process tests start, so they share this run's namespace and no other), and its cache's
`clear()` deletes only the keys under that prefix.
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.test.utils import override_settings

from kernel.redis_cache import SharedClientRedisCache

PREFIX_VARIABLE = "REDIS_KEY_PREFIX"


class RunScopedRedisCache(SharedClientRedisCache):
    """Django's Redis cache whose `clear()` forgets this cache's keys only, never the database."""

    def clear(self) -> None:
        client = self._cache.get_client(None, write=True)
        batch: list[bytes] = []
        # The prefix is letters, digits and hyphens: nothing in it is a glob pattern.
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)


def isolate_run() -> None:
    """Move this run's cache and channel layer under a prefix of its own (no-op without Redis)."""
    if not settings.REDIS_URL:
        return
    prefix = f"oda-test-{uuid.uuid4().hex[:12]}"
    os.environ[PREFIX_VARIABLE] = prefix
    caches = {**settings.CACHES}
    caches["default"] = {
        **caches["default"],
        "BACKEND": f"{__name__}.RunScopedRedisCache",
        "KEY_PREFIX": prefix,
    }
    layer = settings.CHANNEL_LAYERS["default"]
    layers = {"default": {**layer, "CONFIG": {**layer.get("CONFIG", {}), "prefix": f"{prefix}.asgi"}}}
    override_settings(REDIS_KEY_PREFIX=prefix, CACHES=caches, CHANNEL_LAYERS=layers).enable()
