"""The Redis cache keeps one connection pool per process, whatever the request context.

Django gives each async context (each ASGI request) its own cache object; these tests check that
the objects of one configuration share their Redis client, so requests reuse pooled connections
instead of opening new ones. Nothing here connects to Redis: pools are created lazily.
"""

import asyncio

from django.core.cache import caches
from django.test import override_settings

from tests.shared_redis import RunScopedRedisCache

SHARED = {
    "default": {
        "BACKEND": "kernel.redis_cache.SharedClientRedisCache",
        "LOCATION": "redis://127.0.0.1:6399/3",
        "KEY_PREFIX": "redis-cache-test",
    }
}


def _pool(cache):
    return cache._cache._get_connection_pool(write=True)


@override_settings(CACHES=SHARED)
def test_requests_in_different_async_contexts_use_one_redis_connection_pool():
    async def one_request():
        await asyncio.sleep(0)
        return caches["default"]

    async def main():
        return await asyncio.gather(*(asyncio.create_task(one_request()) for _ in range(3)))

    seen = asyncio.run(main())
    assert len({id(cache) for cache in seen}) == 3  # Django's per-context cache objects...
    assert len({id(_pool(cache)) for cache in seen}) == 1  # ...share one pool


@override_settings(CACHES=SHARED)
def test_other_redis_settings_get_a_client_of_their_own():
    other = {"default": {**SHARED["default"], "LOCATION": "redis://127.0.0.1:6399/4"}}
    first = _pool(caches["default"])
    with override_settings(CACHES=other):
        assert _pool(caches["default"]) is not first


def test_the_test_runs_own_redis_cache_shares_its_client_too():
    settings = {"default": {**SHARED["default"], "BACKEND": "tests.shared_redis.RunScopedRedisCache"}}
    with override_settings(CACHES=settings):
        assert isinstance(caches["default"], RunScopedRedisCache)
        assert _pool(caches["default"]) is _pool(RunScopedRedisCache(settings["default"]["LOCATION"], {}))
