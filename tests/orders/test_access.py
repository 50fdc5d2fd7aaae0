"""Every order and inventory operation: another tenant's store is not found and a read-only actor cannot
write, both before a single upstream call."""

import pytest
from asgiref.sync import async_to_sync

from kernel.errors import Forbidden, NotFound
from operations.registry import REGISTRY
from operations.runner import run_operation
from tests.helpers import key_actor

OPERATIONS = [op for op in REGISTRY if op.toolset != "stores"]
WRITES = [op for op in OPERATIONS if not op.read_only]

# Valid arguments for each operation: the refusals must come from scoping, not from validation.
ARGUMENTS = {
    "orders_list": {},
    "orders_get": {"order_id": "5000"},
    "orders_summary": {},
    "orders_create": {"order_data": {"shipping": {"first_name": "A"}, "order_items": [{"name": "B"}]}},
    "orders_update": {"order_id": "5000", "changes": {"email": "x@example.com"}},
    "orders_delete": {"order_id": "5000"},
    "orders_move": {"order_id": "5000", "folder": "Shipped"},
    "orders_add_note": {"order_id": "5000", "note": "Hello"},
    "order_items_add": {"order_id": "5000", "item_data": {"name": "B"}},
    "order_items_update": {"order_id": "5000", "item_id": "5001", "changes": {"quantity": 2}},
    "order_items_delete": {"order_id": "5000", "item_id": "5001"},
    "shipments_add": {"order_id": "5000", "shipment_data": {"tracking_number": "1Z"}},
    "shipments_update": {"order_id": "5000", "shipment_id": "1", "changes": {"status": "x"}},
    "shipments_delete": {"order_id": "5000", "shipment_id": "1"},
    "shipments_add_batch": {"shipments": [{"order_id": "5000", "tracking_number": "1Z"}]},
    "products_list": {},
    "products_get": {"product_id": 5},
    "products_low_stock": {},
    "products_create": {"product_data": {"name": "Mug", "code": "MUG"}},
    "products_update": {"product_id": 5, "changes": {"stock": 3}},
    "products_delete": {"product_id": 5},
    "products_update_batch": {"updates": [{"code": "MUG", "changes": {"stock": 3}}]},
}


def invoke(op, arguments, actor):
    return async_to_sync(run_operation)(op, arguments, actor=actor)


def test_it_has_arguments_for_every_operation():
    assert {op.name for op in OPERATIONS} == set(ARGUMENTS)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
@pytest.mark.parametrize("ref", ["pk", "name", "orderdesk_store_id"])
def test_it_does_not_find_another_tenants_store(od, acme_store, globex_store, charlie_actor, op, ref):
    store_ref = str(getattr(acme_store, ref))
    with pytest.raises(NotFound) as exc:
        invoke(op, {**ARGUMENTS[op.name], "store": store_ref}, charlie_actor)
    assert exc.value.field == "store"
    echoed_away = exc.value.message.replace(store_ref, "")  # naming back what the caller sent leaks nothing
    assert "Acme Main" not in echoed_away and str(acme_store.pk) not in echoed_away
    assert od.calls == []


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_it_does_not_find_a_store_the_key_does_not_allow(od, acme_store, op):
    from tests.factories import StoreFactory

    other = StoreFactory(tenant=acme_store.tenant, name="Acme Outlet")
    actor = key_actor(acme_store.tenant, scope="read_write", stores=[other])
    with pytest.raises(NotFound):
        invoke(op, {**ARGUMENTS[op.name], "store": acme_store.name}, actor)
    assert od.calls == []


@pytest.mark.parametrize("op", WRITES, ids=lambda op: op.name)
def test_it_refuses_every_write_to_a_viewer(od, acme_store, vera_actor, op):
    with pytest.raises(Forbidden):
        invoke(op, ARGUMENTS[op.name], vera_actor)
    assert od.calls == []


@pytest.mark.parametrize("op", WRITES, ids=lambda op: op.name)
def test_it_refuses_every_write_to_a_read_key(od, acme_store, op):
    actor = key_actor(acme_store.tenant, scope="read")
    with pytest.raises(Forbidden):
        invoke(op, ARGUMENTS[op.name], actor)
    assert od.calls == []


@pytest.mark.parametrize("op", WRITES, ids=lambda op: op.name)
def test_services_refuse_a_read_only_actor_themselves(od, acme_store, vera_actor, op):
    # Called directly (as a page would), without the registry's own permission check.
    arguments = op.input_model.model_validate(ARGUMENTS[op.name])
    kwargs = {name: getattr(arguments, name) for name in type(arguments).model_fields}
    with pytest.raises(Forbidden):
        async_to_sync(op.func)(tenant=vera_actor.tenant, actor=vera_actor, **kwargs)
    assert od.calls == []


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.read_only], ids=lambda op: op.name)
def test_a_viewer_may_read(od, acme_store, vera_actor, op):
    od.add_order()
    od.add_product(id=5)
    invoke(op, ARGUMENTS[op.name], vera_actor)
    assert od.calls


def test_a_resolved_store_is_never_reused_for_another_tenant_or_a_narrower_key(
    od, acme_store, charlie_actor, alice_actor
):
    from orders import services
    from tests.factories import StoreFactory

    od.add_order()
    invoke(REGISTRY.get("orders_list"), {"store": acme_store.name}, alice_actor)  # resolved and remembered
    other = StoreFactory(tenant=acme_store.tenant, name="Acme Outlet")
    narrow = key_actor(acme_store.tenant, scope="read", stores=[other])
    calls = len(od.calls)
    for actor in (charlie_actor, narrow):
        with pytest.raises(NotFound):
            async_to_sync(services.orders_list)(tenant=actor.tenant, actor=actor, store=acme_store.name)
    assert len(od.calls) == calls


def test_a_renamed_or_deleted_store_is_resolved_afresh(od, acme_store, alice_actor):
    from orders import services

    od.add_order()
    listing = async_to_sync(services.orders_list)
    listing(tenant=alice_actor.tenant, actor=alice_actor, store="Acme Main")
    acme_store.name = "Acme Renamed"
    acme_store.save()
    with pytest.raises(NotFound):
        listing(tenant=alice_actor.tenant, actor=alice_actor, store="Acme Main", limit=3)
    listing(tenant=alice_actor.tenant, actor=alice_actor, store="Acme Renamed", limit=4)
    acme_store.delete()
    with pytest.raises(NotFound):
        listing(tenant=alice_actor.tenant, actor=alice_actor, store="Acme Renamed", limit=5)
