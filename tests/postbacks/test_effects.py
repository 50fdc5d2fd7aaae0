"""What a verified post-back and a write through the app set off: fresh reads, the live tail."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.test import AsyncClient

from operations.models import Trace, TraceSource
from operations.runner import run_sync
from operations.signals import trace_recorded
from orders import services, webhooks
from stores.changes import order_changed
from tests.helpers import run
from tests.postbacks.helpers import delivery, order


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


def test_a_postback_makes_the_next_orders_get_fetch_the_order_again(client, od, acme_store, alice_actor):
    row = od.add_order()
    get = {"tenant": alice_actor.tenant, "actor": alice_actor, "order_id": str(row["id"])}
    run(services.orders_get, **get)
    run(services.orders_get, **get)
    assert od.count("GET", f"/orders/{row['id']}") == 1  # the second read came from the cache
    assert client.post(**delivery(acme_store, order(str(row["id"])))).status_code == 200
    run(services.orders_get, **get)
    assert od.count("GET", f"/orders/{row['id']}") == 2


def test_a_postback_for_one_order_keeps_the_cached_read_of_another_order(client, od, acme_store, alice_actor):
    changed, other = od.add_order(), od.add_order()
    get_other = {"tenant": alice_actor.tenant, "actor": alice_actor, "order_id": str(other["id"])}
    run(services.orders_get, **get_other)
    assert client.post(**delivery(acme_store, order(str(changed["id"])))).status_code == 200
    run(services.orders_get, **get_other)
    assert od.count("GET", f"/orders/{other['id']}") == 1


def test_a_postback_for_an_order_drops_the_cached_lists(client, od, acme_store, alice_actor):
    row = od.add_order()
    run(services.orders_list, tenant=alice_actor.tenant, actor=alice_actor)
    assert client.post(**delivery(acme_store, order(str(row["id"])))).status_code == 200
    run(services.orders_list, tenant=alice_actor.tenant, actor=alice_actor)
    assert od.count("GET", "/orders") == 2


def test_a_change_to_an_unknown_order_drops_every_cached_order_read(od, acme_store, alice_actor):
    row = od.add_order()
    get = {"tenant": alice_actor.tenant, "actor": alice_actor, "order_id": str(row["id"])}
    run(services.orders_get, **get)
    async_to_sync(order_changed.asend)(
        sender=None, tenant_id=acme_store.tenant_id, store_id=acme_store.pk, order_id="", origin="write"
    )
    run(services.orders_get, **get)
    assert od.count("GET", f"/orders/{row['id']}") == 2


def test_a_postback_trace_reaches_the_live_tail_signal(client, acme_store):
    seen = []

    def receiver(sender, trace, **kwargs):
        seen.append(trace)

    trace_recorded.connect(receiver, dispatch_uid="test.tail")
    try:
        assert client.post(**delivery(acme_store, order())).status_code == 200
    finally:
        trace_recorded.disconnect(dispatch_uid="test.tail")
    assert [(t.source, t.order_id) for t in seen] == [(TraceSource.POSTBACK, "5001")]


def test_a_write_through_the_app_announces_the_changed_order_once(od, acme_store, alice_actor):
    row = od.add_order()
    seen = []
    order_changed.connect(lambda sender, **kw: seen.append(kw), dispatch_uid="test.write", weak=False)
    try:
        run_sync(services.orders_add_note, {"order_id": str(row["id"]), "note": "Packed"}, actor=alice_actor)
        run_sync(services.orders_get, {"order_id": str(row["id"])}, actor=alice_actor)
    finally:
        order_changed.disconnect(dispatch_uid="test.write")
    assert [(kw["order_id"], kw["origin"], kw["store_id"]) for kw in seen] == [
        (str(row["id"]), "write", acme_store.pk)
    ]


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_answer_does_not_wait_for_the_effects(acme_store):
    async def scenario():
        release = asyncio.Event()

        async def slow_receiver(sender, **kwargs):
            await release.wait()

        order_changed.connect(slow_receiver, dispatch_uid="test.asgi", weak=False)
        try:
            response = await asyncio.wait_for(AsyncClient().post(**delivery(acme_store, order())), 5)
            release.set()
            await webhooks.drain()
        finally:
            order_changed.disconnect(dispatch_uid="test.asgi")
        return response.status_code

    assert async_to_sync(scenario)() == 200
    # Recorded after the answer, although the request's own executor is gone by then.
    assert Trace.objects.filter(source=TraceSource.POSTBACK, order_id="5001").count() == 1
