"""Counted leases on the shared cache: at most N holders of something at once, across processes.

    held = claim("tail:user:42", cap=10, holder=channel_name, ttl=60)   # a key, or None when full
    renew(held, holder=channel_name, ttl=60)                            # every ttl/3 while held
    release(held, holder=channel_name)

A lease is one of N slot keys (`<scope>:0` … `<scope>:N-1`), taken with the cache's atomic `add`
(SET NX on Redis), so two processes can never take the same slot and the count holds across every
process sharing the cache. A slot expires on its own after `ttl` unless renewed: a process that
crashed, or lost its connection without running its clean-up, frees its slots within `ttl` instead of
leaking them for good.
"""

from __future__ import annotations

from django.core.cache import cache


def _slots(scope: str, cap: int) -> list[str]:
    return [f"lease:{scope}:{index}" for index in range(cap)]


def claim(scope: str, *, cap: int, holder: str, ttl: int) -> str | None:
    """Take a free slot of `scope` for `holder`: its key, or None if all `cap` are taken."""
    for key in _slots(scope, cap):
        if cache.add(key, holder, ttl):
            return key
    return None


def renew(key: str, *, holder: str, ttl: int) -> bool:
    """Keep `holder`'s slot another `ttl` seconds. False if it expired meanwhile and another holder took
    it (the caller is then over the cap); a slot that expired but is still free is taken back."""
    if cache.get(key) == holder:
        return cache.touch(key, ttl) or cache.add(key, holder, ttl)
    return cache.add(key, holder, ttl)


def release(key: str, *, holder: str) -> None:
    """Free `holder`'s slot (a slot another holder took after this one expired is left alone)."""
    if cache.get(key) == holder:
        cache.delete(key)
