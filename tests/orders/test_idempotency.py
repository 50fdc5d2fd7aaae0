"""Idempotency keys: a retried create never creates twice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kernel.errors import Conflict, InvalidInput, OutcomeUnknown, UpstreamError
from orders import services
from orders.models import IdempotencyRecord, IdempotencyState
from orders.services.idempotency import request_hash
from tests.factories import StoreFactory
from tests.helpers import run

NEW_ORDER = {
    "email": "grace@example.com",
    "source_id": "WEB-1001",
    "shipping": {"first_name": "Grace", "last_name": "Hopper"},
    "order_items": [{"name": "Compiler", "price": 99}],
}
KEY = "retry-safe-0001"


def create(actor, order_data=NEW_ORDER, key=KEY, **kwargs):
    return run(
        services.orders_create,
        tenant=actor.tenant,
        actor=actor,
        order_data=order_data,
        idempotency_key=key,
        **kwargs,
    )


def test_it_creates_once_for_the_same_key_and_payload(od, acme_store, alice_actor):
    first = create(alice_actor)
    second = create(alice_actor)
    assert od.count("POST", "/orders") == 1
    assert second == first
    record = IdempotencyRecord.objects.get()
    assert (record.state, record.operation, record.key) == (IdempotencyState.DONE, "orders_create", KEY)
    assert record.result["id"] == first.id


def test_it_refuses_the_same_key_with_another_payload(od, acme_store, alice_actor):
    create(alice_actor)
    with pytest.raises(InvalidInput) as exc:
        create(alice_actor, order_data={**NEW_ORDER, "email": "other@example.com"})
    assert exc.value.field == "idempotency_key"
    assert od.count("POST", "/orders") == 1


def test_it_creates_again_without_a_key(od, acme_store, alice_actor):
    create(alice_actor, key=None)
    create(alice_actor, key=None)
    assert od.count("POST", "/orders") == 2
    assert not IdempotencyRecord.objects.exists()


def test_it_keeps_keys_apart_per_store(od, acme_store, alice_actor):
    other = StoreFactory(tenant=acme_store.tenant, name="Acme Outlet")
    create(alice_actor, store=acme_store.name)
    create(alice_actor, store=other.name)
    assert od.count("POST", "/orders") == 2


def test_it_says_a_call_with_the_key_is_in_progress(od, acme_store, alice_actor):
    create(alice_actor)
    IdempotencyRecord.objects.update(state=IdempotencyState.PENDING, updated_at=timezone.now())
    with pytest.raises(Conflict) as exc:
        create(alice_actor)
    assert "already in progress" in exc.value.message
    assert od.count("POST", "/orders") == 1


def test_it_records_an_unknown_outcome_and_finds_the_order_on_retry(od, acme_store, alice_actor):
    def created_then_timed_out(method, path, data):
        if (method, path) == ("POST", "/orders"):
            od._post_orders([], data)  # OrderDesk applied it; the answer never arrived
            raise OutcomeUnknown("OrderDesk did not answer POST /orders in time; it may have been applied.")

    od.on_call = created_then_timed_out
    with pytest.raises(OutcomeUnknown) as exc:
        create(alice_actor)
    assert "same idempotency_key" in exc.value.message
    assert IdempotencyRecord.objects.get().state == IdempotencyState.UNKNOWN
    od.on_call = None
    found = create(alice_actor)
    assert od.count("POST", "/orders") == 1  # looked it up instead of creating again
    assert len(od.orders) == 1 and found.id in od.orders
    assert ("GET", "/orders", {"source_id": "WEB-1001", "limit": 10}) in od.calls
    assert IdempotencyRecord.objects.get().state == IdempotencyState.DONE


def test_it_finds_an_order_without_source_id_by_the_key_it_stored(od, acme_store, alice_actor):
    data = {k: v for k, v in NEW_ORDER.items() if k != "source_id"}
    od.fail[("POST", "/orders")] = [OutcomeUnknown("timed out")]
    with pytest.raises(OutcomeUnknown):
        create(alice_actor, order_data=data)
    od.add_order(email="grace@example.com", order_metadata={"idempotency_key": "someone-elses-key"})
    mine = od.add_order(email="grace@example.com", order_metadata={"idempotency_key": KEY})
    found = create(alice_actor, order_data=data)
    assert found.id == mine["id"]
    assert od.count("POST", "/orders") == 1  # only the one that timed out


def test_it_stores_the_key_in_the_orders_metadata(od, acme_store, alice_actor):
    created = create(alice_actor)
    assert od.orders[created.id]["order_metadata"]["idempotency_key"] == KEY


def test_it_creates_on_retry_when_the_unknown_attempt_created_nothing(od, acme_store, alice_actor):
    od.fail[("POST", "/orders")] = [OutcomeUnknown("timed out")]
    with pytest.raises(OutcomeUnknown):
        create(alice_actor)
    created = create(alice_actor)
    assert od.count("POST", "/orders") == 2 and list(od.orders) == [created.id]


def test_it_lets_a_refused_request_be_retried_with_its_key(od, acme_store, alice_actor):
    od.fail[("POST", "/orders")] = [
        UpstreamError("OrderDesk rejected POST /orders (HTTP 400): No", status=400)
    ]
    with pytest.raises(InvalidInput):
        create(alice_actor)
    assert IdempotencyRecord.objects.get().state == IdempotencyState.FAILED
    create(alice_actor)
    assert od.count("POST", "/orders") == 2 and len(od.orders) == 1


def test_it_forgets_keys_after_a_day(od, acme_store, alice_actor):
    create(alice_actor)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    create(alice_actor, order_data={**NEW_ORDER, "source_id": "WEB-2002"})
    assert od.count("POST", "/orders") == 2
    assert IdempotencyRecord.objects.count() == 1


def test_it_treats_a_long_pending_call_as_unknown(od, acme_store, alice_actor):
    create(alice_actor)
    IdempotencyRecord.objects.update(
        state=IdempotencyState.PENDING, updated_at=timezone.now() - timedelta(minutes=5)
    )
    again = create(alice_actor)
    assert od.count("POST", "/orders") == 1 and again.source_id == "WEB-1001"


def test_it_adds_a_shipment_once_per_key(od, acme_store, alice_actor):
    order = od.add_order()
    kwargs = {"order_id": order["id"], "shipment_data": {"tracking_number": "1Z5"}, "idempotency_key": KEY}
    first = run(services.shipments_add, tenant=alice_actor.tenant, actor=alice_actor, **kwargs)
    second = run(services.shipments_add, tenant=alice_actor.tenant, actor=alice_actor, **kwargs)
    assert first == second and od.count("POST", f"/orders/{order['id']}/shipments") == 1


def test_it_finds_a_shipment_whose_add_had_an_unknown_outcome(od, acme_store, alice_actor):
    order = od.add_order()
    path = f"/orders/{order['id']}/shipments"

    def added_then_timed_out(method, called, data):
        if (method, called) == ("POST", path):
            od._add_shipment(od.orders[order["id"]], data)
            raise OutcomeUnknown("timed out")

    od.on_call = added_then_timed_out
    kwargs = {"order_id": order["id"], "shipment_data": {"tracking_number": "1Z5"}, "idempotency_key": KEY}
    with pytest.raises(OutcomeUnknown):
        run(services.shipments_add, tenant=alice_actor.tenant, actor=alice_actor, **kwargs)
    od.on_call = None
    found = run(services.shipments_add, tenant=alice_actor.tenant, actor=alice_actor, **kwargs)
    assert found.tracking_number == "1Z5"
    assert od.count("POST", path) == 1 and len(od.orders[order["id"]]["order_shipments"]) == 1


def test_it_sends_a_shipment_batch_once_per_key(od, acme_store, alice_actor):
    order = od.add_order()
    kwargs = {"shipments": [{"order_id": order["id"], "tracking_number": "B1"}], "idempotency_key": KEY}
    first = run(services.shipments_add_batch, tenant=alice_actor.tenant, actor=alice_actor, **kwargs)
    second = run(services.shipments_add_batch, tenant=alice_actor.tenant, actor=alice_actor, **kwargs)
    assert first == second and first.added == 1 and od.count("POST", "/batch-shipments") == 1


def test_it_hashes_a_request_as_it_did_before_the_shared_canonical_json():
    # Stored hashes live 24 hours: the hash of a request must not change under them.
    payload = {
        "order_id": "1001",
        "tracking_number": "1Zé",
        "weight": 1.5,
        "cost": Decimal("2.50"),
        "extra": [{"b": None, "a": True}],
    }
    assert request_hash(payload) == "8b607040ba8f4a50ffe741060d6ade8d63555e37e4fa05ba441324741f3c81c0"
