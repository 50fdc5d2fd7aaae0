"""Pushes to the live trace tail: each saved trace goes to its tenant's group as a rendered row.

`trace_recorded` runs on commit (trace_store). The row is the same partial the list renders, wrapped
for an out-of-band prepend, so pushed and fetched rows never differ. A push is a courtesy: if the
channel layer is missing or down, the failure is logged and the operation's request carries on.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string

from mcp_bridge.models import Trace
from mcp_bridge.selectors import trace_row_meta

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "trace.row"  # handled by TraceTailConsumer.trace_row


def tenant_group(tenant_id) -> str:
    # Group names allow only ASCII letters, digits, hyphens, underscores and periods.
    return f"traces.{str(tenant_id).replace('-', '')}"


def render_row(trace: Trace) -> str:
    return render_to_string("mcp_bridge/trace_list.html#trace-row", {"trace": trace, "oob": True})


def trace_recorded(trace: Trace) -> None:
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": MESSAGE_TYPE, "html": render_row(trace), "meta": trace_row_meta(trace)}
        async_to_sync(layer.group_send)(tenant_group(trace.tenant_id), message)
    except Exception:
        logger.warning("live tail push for trace %s failed", trace.pk, exc_info=True)
