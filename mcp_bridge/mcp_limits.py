"""Rate limits for /mcp and stdio, counted with django-ratelimit on the shared cache.

Two budgets:
- failed authentications per client IP (`RATE_MCP_AUTH_FAILURES_PER_IP`), checked before a presented
  key is looked at, so a guessing client is turned away before any bcrypt runs;
- tool calls per API key (`ApiKey.calls_per_minute`, else `MCP_TOOL_CALLS_PER_MINUTE`).

django-ratelimit is synchronous. With the in-process cache a check is a dictionary lookup and runs
on the event loop; with Redis it is a network round trip and runs on a worker thread instead.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django_ratelimit.core import get_usage

from tenants.actors import Actor

AUTH_FAILURES_GROUP = "mcp.auth-failures"
TOOL_CALLS_GROUP = "mcp.tool-calls"


def _cache_is_local() -> bool:
    return isinstance(caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")], LocMemCache)


async def _usage(group: str, value: str, rate: str, *, increment: bool) -> dict[str, Any] | None:
    # The key is computed by us (never from a request object), so get_usage needs no request.
    call = functools.partial(
        get_usage, None, group=group, key=lambda _group, _request: value, rate=rate, increment=increment
    )
    if _cache_is_local():
        return call()
    return await asyncio.to_thread(call)


def _retry_after(usage: dict[str, Any]) -> int:
    return max(1, int(usage["time_left"]))


async def auth_failures_exceeded(ip: str | None) -> int | None:
    """Seconds to wait if this IP has used up its failed authentications, else None."""
    usage = await _usage(
        AUTH_FAILURES_GROUP, ip or "unknown", settings.RATE_MCP_AUTH_FAILURES_PER_IP, increment=False
    )
    # Without incrementing, `count` is the failures so far: the next one would be over the limit.
    if usage is not None and (usage["count"] >= usage["limit"] or usage["should_limit"]):
        return _retry_after(usage)
    return None


async def record_auth_failure(ip: str | None) -> None:
    await _usage(AUTH_FAILURES_GROUP, ip or "unknown", settings.RATE_MCP_AUTH_FAILURES_PER_IP, increment=True)


def calls_per_minute(actor: Actor) -> int:
    key = actor.api_key
    return (key.calls_per_minute if key is not None and key.calls_per_minute else None) or (
        settings.MCP_TOOL_CALLS_PER_MINUTE
    )


async def tool_call_exceeded(actor: Actor) -> int | None:
    """Count one tool call for the actor's key; seconds to wait if that was over its budget."""
    subject = f"key:{actor.api_key.pk}" if actor.api_key is not None else f"tenant:{actor.tenant.pk}"
    usage = await _usage(TOOL_CALLS_GROUP, subject, f"{calls_per_minute(actor)}/m", increment=True)
    if usage is not None and usage["should_limit"]:
        return _retry_after(usage)
    return None
