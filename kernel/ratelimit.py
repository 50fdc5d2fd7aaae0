"""Counting against a rate limit by an explicit key value, with django-ratelimit on the shared cache.

django-ratelimit keys its counters on a request, but our limits are checked in services and in the
/mcp guard, which have no Django request: the caller derives the key value itself (a client IP, a
hash of an e-mail address, an API key id) and names the limit's group. So `get_usage` gets no
request and a key function that returns that value.

django-ratelimit is synchronous. With the in-process cache a check is a dictionary lookup, so
`ausage` runs it on the event loop; with Redis it is a network round trip and runs on a worker
thread instead.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django_ratelimit.core import get_usage


@dataclass(frozen=True)
class Usage:
    """Where a key value stands in the current window of a limit."""

    count: int  # requests counted in this window (including this one when incremented)
    limit: int
    should_limit: bool  # this (incremented) request was over the limit
    time_left: int  # seconds until the window ends

    @property
    def exhausted(self) -> bool:
        """Read without incrementing: the budget is spent, so the next request would be over it.
        (A cache failure is answered with limit 0 and should_limit, so it counts as spent.)"""
        return self.count >= self.limit or self.should_limit

    @property
    def retry_after(self) -> int:
        return max(1, int(self.time_left))


# What a check answers when django-ratelimit counts nothing: RATELIMIT_ENABLE is off (tests, local
# tools), or RATELIMIT_FAIL_OPEN let a cache failure through. Nothing is used and nothing refused.
NOT_COUNTED = Usage(count=0, limit=sys.maxsize, should_limit=False, time_left=0)


def usage(group: str, value: str, rate: str, *, increment: bool) -> Usage:
    """Where `value` stands against `rate` ("5/m", "100/h") in `group`; counts one more if `increment`."""
    answer = get_usage(None, group=group, key=lambda _group, _request: value, rate=rate, increment=increment)
    if answer is None:
        return NOT_COUNTED
    return Usage(
        count=answer["count"],
        limit=answer["limit"],
        should_limit=answer["should_limit"],
        time_left=answer["time_left"],
    )


def _cache_is_local() -> bool:
    return isinstance(caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")], LocMemCache)


async def ausage(group: str, value: str, rate: str, *, increment: bool) -> Usage:
    """`usage` from async code: on the event loop for the in-process cache, else on a worker thread."""
    call = functools.partial(usage, group, value, rate, increment=increment)
    if _cache_is_local():
        return call()
    return await asyncio.to_thread(call)
