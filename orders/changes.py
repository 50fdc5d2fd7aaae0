"""What follows a change to an order, whichever side learned it (stores.changes.order_changed).

`announce_write` turns a successful order write made through this app into `order_changed` (origin
"write"). It listens to operations.signals.trace_recorded, the one place every write of every face
passes, sent once the trace (and the write's audit row) is committed: so the news goes out once per
changed order, after commit, and never for a write that failed.

`drop_cached_reads` drops the changed order's cached reads (orders_get) and the store's cached lists
(orders_list, the summaries), which may hold it; the cached reads of other orders stay. Without an
order id it drops every cached order read of the store. The generations of stores.cache it bumps are
shared by every process.
"""

from __future__ import annotations

import uuid
from typing import Any

from operations.models import Trace, TraceOutcome, TraceSource
from operations.registry import REGISTRY
from stores.cache import invalidate
from stores.changes import order_changed

ORDER_TOOLSETS = frozenset({"orders", "order_items", "shipments"})


async def drop_cached_reads(
    sender: Any, *, tenant_id: Any, store_id: Any, order_id: Any = None, **kwargs: Any
) -> None:
    changed = _ids(order_id)
    await invalidate(tenant_id, store_id, "orders", items=changed or None)


def _ids(value: Any) -> list[str]:
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
        return [str(value).strip()[:64]]
    return []


def changed_orders(trace: Trace) -> list[str]:
    """The orders a write trace changed: its order, or those of a batch (`order_ids`, `shipments`)."""
    arguments = trace.arguments if isinstance(trace.arguments, dict) else {}
    found = _ids(trace.order_id)
    for value in arguments.get("order_ids") or []:
        found += _ids(value)
    for entry in arguments.get("shipments") or []:
        found += _ids(entry.get("order_id")) if isinstance(entry, dict) else []
    return list(dict.fromkeys(found))


def _folders(trace: Trace) -> list[int]:
    folders = []
    for snapshot in (trace.before, trace.after):
        value = snapshot.get("folder_id") if isinstance(snapshot, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            folders.append(value)
    return list(dict.fromkeys(folders))


async def announce_write(sender: Any, *, trace: Trace, **kwargs: Any) -> None:
    if trace.source == TraceSource.POSTBACK or trace.outcome != TraceOutcome.OK or trace.store_id is None:
        return
    try:
        op = REGISTRY.get(trace.operation)
    except Exception:
        return
    if op.read_only or op.toolset not in ORDER_TOOLSETS:
        return
    for order_id in changed_orders(trace):
        # send_robust: a receiver's failure is logged by Django and is never the write's business.
        await order_changed.asend_robust(
            sender=Trace,
            tenant_id=trace.tenant_id,
            store_id=uuid.UUID(str(trace.store_id)),
            order_id=order_id,
            folder_ids=_folders(trace),
            origin="write",
        )
