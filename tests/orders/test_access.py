"""Every operation of the registry (stores, orders, items, shipments, products): another tenant's store is
not found, a key limited to other stores does not find it, and a read-only actor cannot write or manage
stores, each before a single upstream call and without changing a store."""

import pytest
from asgiref.sync import async_to_sync

from api_keys.models import ApiKey
from kernel.errors import Forbidden, InvalidInput, NotFound
from operations.registry import REGISTRY
from operations.runner import run_operation
from stores.models import Store
from tenants.actors import Permission
from tests.factories import StoreFactory
from tests.helpers import key_actor

OPERATIONS = list(REGISTRY)
# stores_use and stores_test write only what any reader may (the key's default store, a test result).
WRITES = [op for op in OPERATIONS if op.permission != Permission.READ]
MANAGE_STORES = [op for op in OPERATIONS if op.permission == Permission.MANAGE_STORES]
# The operations that name a store; stores_list and stores_register act on the caller's tenant as a whole.
WITH_STORE = [op for op in OPERATIONS if "store" in op.input_model.model_fields]

# Valid arguments for each operation: the refusals must come from scoping, not from validation.
ARGUMENTS = {
    "stores_list": {},
    "stores_get": {},
    "stores_test": {},
    "stores_use": {"store": "Acme Main"},
    "stores_register": {
        "name": "Acme Wholesale",
        "orderdesk_store_id": "12",
        "api_key": "wholesale-key-5678",
    },
    "stores_update": {"store": "Acme Main", "name": "Acme Renamed"},
    "stores_delete": {"store": "Acme Main"},
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

# Who looks for Acme's store from Globex: its owner signed in, and an all-powerful Globex key. stores_use
# sets an API key's default store, so a signed-in member is refused it before any store is looked up
# (tests/stores/test_operations.py); the Globex key covers it here.
OUTSIDERS = ["charlie", "globex key"]
OUTSIDER_CASES = [
    pytest.param(op, who, id=f"{op.name}-{who}")
    for op in WITH_STORE
    for who in OUTSIDERS
    if (op.name, who) != ("stores_use", "charlie")
]


def invoke(op, arguments, actor):
    return async_to_sync(run_operation)(op, arguments, actor=actor)


def stores_as_they_are() -> list[tuple]:
    """Every store with what an operation could change on it."""
    return list(
        Store.objects.order_by("pk").values_list(
            "pk", "tenant_id", "name", "orderdesk_store_id", "api_key_encrypted", "label", "last_test_at"
        )
    )


@pytest.fixture
def untouched(acme_store, globex_store):
    """Asserts, after the test, that no store was created, changed, tested, deleted or made a default."""
    before = stores_as_they_are()
    yield
    assert stores_as_they_are() == before
    assert not ApiKey.objects.filter(default_store__isnull=False).exists()


def outsider(who: str, charlie_actor, globex):
    if who == "charlie":
        return charlie_actor
    return key_actor(globex, scope="read_write", stores_admin=True)


def test_it_has_arguments_for_every_operation():
    assert {op.name for op in OPERATIONS} == set(ARGUMENTS)
    assert {op.name for op in OPERATIONS if op not in WITH_STORE} == {"stores_list", "stores_register"}
    assert {op.name for op in MANAGE_STORES} == {"stores_register", "stores_update", "stores_delete"}


@pytest.mark.parametrize(("op", "who"), OUTSIDER_CASES)
@pytest.mark.parametrize("ref", ["pk", "name", "orderdesk_store_id"])
def test_it_does_not_find_another_tenants_store(
    od, acme_store, globex_store, charlie_actor, untouched, op, who, ref
):
    store_ref = str(getattr(acme_store, ref))
    with pytest.raises(NotFound) as exc:
        invoke(
            op, {**ARGUMENTS[op.name], "store": store_ref}, outsider(who, charlie_actor, globex_store.tenant)
        )
    assert exc.value.field == "store"
    echoed_away = exc.value.message.replace(store_ref, "")  # naming back what the caller sent leaks nothing
    assert "Acme Main" not in echoed_away and str(acme_store.pk) not in echoed_away
    assert od.calls == []


@pytest.mark.parametrize("op", WITH_STORE, ids=lambda op: op.name)
def test_it_does_not_find_a_store_the_key_does_not_allow(od, acme_store, acme_outlet, untouched, op):
    actor = key_actor(acme_store.tenant, scope="read_write", stores_admin=True, stores=[acme_outlet])
    with pytest.raises(NotFound):
        invoke(op, {**ARGUMENTS[op.name], "store": acme_store.name}, actor)
    assert od.calls == []


@pytest.mark.parametrize("who", [*OUTSIDERS, "key limited to another store"])
def test_it_lists_only_the_stores_the_actor_may_use(
    od, acme_store, acme_outlet, globex_store, charlie_actor, who
):
    if who == "key limited to another store":
        actor, expected = key_actor(acme_store.tenant, stores=[acme_outlet]), ["Acme Outlet"]
    else:
        actor, expected = outsider(who, charlie_actor, globex_store.tenant), ["Globex Shop"]
    listed = invoke(REGISTRY.get("stores_list"), {}, actor).result
    assert [s.name for s in listed.stores] == expected
    assert od.calls == []


def test_it_registers_a_store_only_in_the_callers_tenant(od, acme_store, globex_store, charlie_actor):
    created = invoke(REGISTRY.get("stores_register"), ARGUMENTS["stores_register"], charlie_actor).result
    assert Store.objects.get(pk=created.id).tenant == globex_store.tenant
    assert list(Store.objects.filter(tenant=acme_store.tenant)) == [acme_store]
    assert od.calls == []


@pytest.mark.parametrize("op", WRITES, ids=lambda op: op.name)
def test_it_refuses_every_write_to_a_viewer(od, acme_store, vera_actor, untouched, op):
    with pytest.raises(Forbidden):
        invoke(op, ARGUMENTS[op.name], vera_actor)
    assert od.calls == []


@pytest.mark.parametrize("op", WRITES, ids=lambda op: op.name)
def test_it_refuses_every_write_to_a_read_key(od, acme_store, untouched, op):
    actor = key_actor(acme_store.tenant, scope="read")
    with pytest.raises(Forbidden):
        invoke(op, ARGUMENTS[op.name], actor)
    assert od.calls == []


@pytest.mark.parametrize("op", MANAGE_STORES, ids=lambda op: op.name)
def test_it_refuses_to_manage_stores_to_a_read_write_key_without_stores_admin(od, acme_store, untouched, op):
    actor = key_actor(acme_store.tenant, scope="read_write")
    with pytest.raises(Forbidden):
        invoke(op, ARGUMENTS[op.name], actor)
    assert od.calls == []


@pytest.mark.parametrize("op", WRITES, ids=lambda op: op.name)
def test_services_refuse_a_read_only_actor_themselves(od, acme_store, vera_actor, untouched, op):
    # Called directly (as a page would), without the registry's own permission check.
    arguments = op.input_model.model_validate(ARGUMENTS[op.name])
    kwargs = {name: getattr(arguments, name) for name in type(arguments).model_fields}
    with pytest.raises(Forbidden):
        async_to_sync(op.func)(tenant=vera_actor.tenant, actor=vera_actor, **kwargs)
    assert od.calls == []


@pytest.mark.parametrize(
    "op",
    [op for op in OPERATIONS if op.permission == Permission.READ and op.name != "stores_use"],
    ids=lambda op: op.name,
)
def test_a_viewer_may_read(od, acme_store, vera_actor, op):
    od.add_order()
    od.add_product(id=5)
    invoke(op, ARGUMENTS[op.name], vera_actor)
    assert bool(od.calls) is op.open_world  # stores_list answers from our own database


def test_it_lets_a_read_key_choose_its_default_store(od, acme_store):
    actor = key_actor(acme_store.tenant, scope="read")
    chosen = invoke(REGISTRY.get("stores_use"), ARGUMENTS["stores_use"], actor).result
    assert chosen.id == str(acme_store.pk) and chosen.is_default
    assert od.calls == []


def test_it_gives_a_signed_in_viewer_no_default_store_to_choose(od, acme_store, vera_actor, untouched):
    with pytest.raises(InvalidInput) as exc:
        invoke(REGISTRY.get("stores_use"), ARGUMENTS["stores_use"], vera_actor)
    assert exc.value.field == "store"


def test_a_resolved_store_is_never_reused_for_another_tenant_or_a_narrower_key(
    od, acme_store, charlie_actor, alice_actor
):
    from orders import services

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
