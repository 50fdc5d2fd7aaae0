"""Pushes to the live trace tail.

Each saved trace is announced to its tenant's group with its id and what the tail's filters match on;
a listening socket then renders the same row partial the list renders (wrapped for an out-of-band
prepend), so pushed and fetched rows never differ and nothing is rendered when nobody is listening.
A push is a courtesy: if the channel layer is missing or down, the failure is logged and the
operation's request carries on.
"""

from __future__ import annotations

import logging
import uuid

from channels.layers import get_channel_layer
from django.template.loader import render_to_string

from mcp_bridge.selectors import trace_row_meta
from operations.models import Trace

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "trace.recorded"  # handled by TraceTailConsumer.trace_recorded


def tenant_group(tenant_id) -> str:
    # Group names allow only ASCII letters, digits, hyphens, underscores and periods.
    return f"traces.{str(tenant_id).replace('-', '')}"


def render_row(trace: Trace) -> str:
    return render_to_string("mcp_bridge/trace_list.html#trace-row", {"trace": trace, "oob": True})


def render_row_of(*, tenant_id: uuid.UUID | str, trace_id: str) -> str | None:
    """The row of one of the tenant's traces, or None if it is gone (pruned meanwhile)."""
    trace = Trace.objects.filter(tenant_id=tenant_id, pk=trace_id).first()
    return render_row(trace) if trace is not None else None


async def trace_recorded(trace: Trace) -> None:
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": MESSAGE_TYPE, "trace": str(trace.pk), "meta": trace_row_meta(trace)}
        await layer.group_send(tenant_group(trace.tenant_id), message)
    except Exception:
        logger.warning("live tail push for trace %s failed", trace.pk, exc_info=True)


async def on_trace_recorded(sender, *, trace: Trace, **kwargs) -> None:
    """Receiver of operations.signals.trace_recorded (connected in McpBridgeConfig.ready)."""
    await trace_recorded(trace)
