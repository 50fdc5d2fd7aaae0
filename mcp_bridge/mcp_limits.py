"""Rate limits for /mcp and stdio, counted on the shared cache (kernel.ratelimit).

Two budgets:
- failed authentications per client IP (`RATE_MCP_AUTH_FAILURES_PER_IP`), checked before a presented
  key is looked at, so a guessing client is turned away before any bcrypt runs;
- tool calls per API key (`ApiKey.calls_per_minute`, else `MCP_TOOL_CALLS_PER_MINUTE`).
"""

from __future__ import annotations

from django.conf import settings

from kernel.ratelimit import ausage
from tenants.actors import Actor

AUTH_FAILURES_GROUP = "mcp.auth-failures"
TOOL_CALLS_GROUP = "mcp.tool-calls"


async def auth_failures_exceeded(ip: str | None) -> int | None:
    """Seconds to wait if this IP has used up its failed authentications, else None."""
    usage = await ausage(
        AUTH_FAILURES_GROUP, ip or "unknown", settings.RATE_MCP_AUTH_FAILURES_PER_IP, increment=False
    )
    return usage.retry_after if usage.exhausted else None


async def record_auth_failure(ip: str | None) -> None:
    await ausage(AUTH_FAILURES_GROUP, ip or "unknown", settings.RATE_MCP_AUTH_FAILURES_PER_IP, increment=True)


def calls_per_minute(actor: Actor) -> int:
    key = actor.api_key
    return (key.calls_per_minute if key is not None and key.calls_per_minute else None) or (
        settings.MCP_TOOL_CALLS_PER_MINUTE
    )


async def tool_call_exceeded(actor: Actor) -> int | None:
    """Count one tool call for the actor's key; seconds to wait if that was over its budget."""
    subject = f"key:{actor.api_key.pk}" if actor.api_key is not None else f"tenant:{actor.tenant.pk}"
    usage = await ausage(TOOL_CALLS_GROUP, subject, f"{calls_per_minute(actor)}/m", increment=True)
    return usage.retry_after if usage.should_limit else None
