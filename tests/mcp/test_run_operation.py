"""run_operation itself: one Trace (and, for a write, one audit event) for every call, however it ends."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from api_keys.core import aauthenticate
from kernel import tracing
from kernel.types import OrderId
from operations.models import Trace
from operations.registry import describe
from operations.runner import run_operation
from stores.models import Store
from tenants.actors import Actor
from tenants.audit import Action
from tenants.models import AuditEvent, Tenant
from tests.factories import StoreFactory
from tests.mcp.fake_ops import Echo

pytestmark = pytest.mark.django_db(transaction=True)

STARTED = asyncio.Event()


async def orders_slow_write(*, tenant: Tenant, actor: Actor, order_id: OrderId) -> Echo:
    """A write that has made an upstream call and then waits (for a cancellation)."""
    store = await Store.objects.filter(tenant=tenant).afirst()
    tracing.note_store(str(store.pk), store.name)
    tracing.note_before({"folder_id": 1})
    STARTED.set()
    await asyncio.sleep(30)
    return Echo(text=order_id, times=1, tenant=str(tenant.pk))


async def test_it_records_a_cancelled_call(acme_db, make_key):
    await sync_to_async(StoreFactory)(tenant=acme_db, name="Main")
    actor = await aauthenticate(await make_key(acme_db, scope="read_write"))
    op = describe(orders_slow_write, toolset="orders")
    STARTED.clear()
    task = asyncio.create_task(run_operation(op, {"order_id": "42"}, actor=actor))
    await STARTED.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    trace = await Trace.objects.aget(operation="orders_slow_write")
    assert (trace.outcome, trace.error_code, trace.store_name) == ("error", "cancelled", "Main")
    assert "may or may not have been applied" in trace.error_message
    assert trace.before == {"folder_id": 1}
    event = await AuditEvent.objects.aget(action=Action.OPERATION)
    assert event.outcome == "failure" and event.detail["operation"] == "orders_slow_write"
