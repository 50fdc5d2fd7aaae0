"""Django's Redis cache, with one client (and so one connection pool) per process.

Django keeps a cache object per async context (`django.core.cache.caches` is an asgiref `Local`), and
its `RedisCache` builds a client with connection pools of its own for each of those objects. Under
ASGI every request is a new context, so every request that touched the cache (the tool-call rate
limit, the read cache, the API-key verification cache) opened new connections to Redis (TCP
handshake, HELLO, health check) and left them to the garbage collector. This backend hands every
cache object of the same settings the same client: requests reuse pooled connections (redis-py's
pools are thread-safe and reconnect after a fork).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

_clients: dict[tuple, Any] = {}
_lock = threading.Lock()


class SharedClientRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> Any:
        # `_servers`, `_options` and `_class` are what RedisCache builds its client from (private, so
        # django-stubs does not declare them).
        base: Any = self
        key = (type(self), tuple(base._servers), repr(sorted(base._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = base._class(base._servers, **base._options)
        return client
