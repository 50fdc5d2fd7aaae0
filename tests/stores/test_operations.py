"""The seven store operations: registry declarations, run through run_operation, API-key scoping."""

import pytest
from asgiref.sync import async_to_sync

from api_keys import core
from api_keys.models import ApiKey
from kernel.errors import Forbidden, InvalidInput, NotFound
from operations.models import Trace
from operations.registry import REGISTRY
from operations.runner import run_operation
from stores import selectors, services
from stores.models import Store
from tenants.actors import Actor
from tenants.models import AuditEvent
from tests.factories import ApiKeyFactory
from tests.helpers import actor_for, key_actor, run

STORE_OPERATIONS = [
    "stores_list",
    "stores_get",
    "stores_test",
    "stores_use",
    "stores_register",
    "stores_update",
    "stores_delete",
]


def call(name, arguments, actor):
    return async_to_sync(run_operation)(REGISTRY.get(name), arguments, actor=actor).result


def test_it_declares_the_seven_store_operations_with_truthful_hints():
    ops = {op.name: op for op in REGISTRY if op.toolset == "stores"}

    assert sorted(ops) == sorted(STORE_OPERATIONS)
    for name in ["stores_list", "stores_get"]:
        assert ops[name].read_only and not ops[name].destructive and ops[name].permission == "read"
    # Any reader may call these, but they write (the key's default store, the store's test result).
    for name in ["stores_test", "stores_use"]:
        assert not ops[name].read_only and not ops[name].destructive and ops[name].permission == "read"
    assert not ops["stores_register"].read_only and not ops["stores_register"].destructive
    assert ops["stores_register"].permission == "manage_stores"
    assert ops["stores_update"].permission == "manage_stores" and ops["stores_update"].idempotent
    assert not ops["stores_update"].read_only and ops["stores_update"].destructive  # replaces credentials
    assert ops["stores_delete"].destructive and not ops["stores_delete"].read_only
    assert ops["stores_delete"].permission == "manage_stores"
    for op in ops.values():
        assert op.summary and len(op.summary) < 100 and op.output_type is not None
        assert len(op.description.splitlines()) > 2  # a summary plus what it returns and how to use it


def test_it_rejects_unknown_arguments_and_never_takes_tenant_or_actor_from_them(alice):
    schema = REGISTRY.get("stores_register").input_schema()

    assert set(schema["properties"]) == {"name", "orderdesk_store_id", "api_key", "base_url", "label"}
    with pytest.raises(InvalidInput) as caught:
        call("stores_list", {"tenant": "someone-else"}, actor_for(alice))
    assert "unknown argument" in caught.value.message


def test_it_lists_stores_through_run_operation_and_records_a_trace(bob, acme_store, globex_store):
    result = call("stores_list", {}, actor_for(bob))

    assert [s.name for s in result.stores] == ["Acme Main"]
    assert result.stores[0].key_last4 == "1234" and result.default_store_id is None
    trace = Trace.objects.get(operation="stores_list")
    assert trace.tenant_id == acme_store.tenant_id and trace.outcome == "ok"


def test_it_registers_through_an_admin_key_and_keeps_the_key_out_of_the_trace(acme):
    actor = key_actor(acme, scope="read_write", stores_admin=True)

    info = call(
        "stores_register",
        {"name": "Agent shop", "orderdesk_store_id": "42", "api_key": "agent-key-abcd"},
        actor,
    )

    assert info.name == "Agent shop" and info.key_last4 == "abcd"
    assert Store.objects.get(pk=info.id).get_api_key() == "agent-key-abcd"
    trace = Trace.objects.get(operation="stores_register")
    assert "agent-key" not in str(trace.arguments) and "agent-key" not in str(trace.result_summary)
    assert AuditEvent.objects.filter(action="store.created", target_id=info.id).count() == 1


def test_it_refuses_register_and_delete_to_keys_without_stores_admin(acme, acme_store):
    actor = key_actor(acme, scope="read_write")

    with pytest.raises(Forbidden):
        call("stores_register", {"name": "x", "orderdesk_store_id": "1", "api_key": "12345678"}, actor)
    with pytest.raises(Forbidden):
        call("stores_delete", {"store": "Acme Main"}, actor)

    assert Store.objects.filter(tenant=acme).count() == 1
    assert Trace.objects.filter(operation="stores_delete", outcome="error").exists()


def test_it_validates_register_arguments_naming_the_field(acme):
    actor = key_actor(acme, scope="read", stores_admin=True)

    with pytest.raises(InvalidInput) as caught:
        call("stores_register", {"name": "x", "orderdesk_store_id": "abc", "api_key": "12345678"}, actor)
    assert caught.value.field == "orderdesk_store_id"
    with pytest.raises(InvalidInput) as caught:
        call(
            "stores_register",
            {"name": "x", "orderdesk_store_id": "1", "api_key": "12345678", "base_url": "https://10.0.0.1/"},
            actor,
        )
    assert caught.value.field == "base_url"


def test_it_deletes_a_named_store_through_an_admin_key(acme, acme_store):
    actor = key_actor(acme, scope="read", stores_admin=True)

    deleted = call("stores_delete", {"store": "acme main"}, actor)

    assert deleted.id == str(acme_store.pk) and deleted.deleted
    assert not Store.objects.filter(pk=acme_store.pk).exists()
    assert AuditEvent.objects.filter(action="store.deleted").count() == 1


def test_it_needs_an_explicit_store_to_delete(acme, acme_store):
    actor = key_actor(acme, scope="read", stores_admin=True)

    with pytest.raises(InvalidInput) as caught:
        call("stores_delete", {}, actor)

    assert caught.value.field == "store"
    assert Store.objects.filter(pk=acme_store.pk).exists()


def test_it_never_deletes_another_tenants_store(charlie, acme_store):
    for ref in [str(acme_store.pk), "Acme Main", "11"]:
        with pytest.raises(NotFound):
            call("stores_delete", {"store": ref}, actor_for(charlie))

    assert Store.objects.filter(pk=acme_store.pk).exists()


# --- API keys limited to some stores -----------------------------------------------------------------------


def test_it_shows_a_limited_key_only_its_stores(acme, store_factory):
    store_a = store_factory(tenant=acme, name="A")
    store_b = store_factory(tenant=acme, name="B")
    actor = key_actor(acme, stores=[store_a])

    result = call("stores_list", {}, actor)

    assert [s.id for s in result.stores] == [str(store_a.pk)]
    with pytest.raises(NotFound):
        selectors.store_get(tenant=acme, actor=actor, store_id=store_b.pk)
    for ref in [str(store_b.pk), "B", store_b.orderdesk_store_id]:
        with pytest.raises(NotFound):
            selectors.store_for_call(tenant=acme, actor=actor, store=ref)
    assert selectors.store_for_call(tenant=acme, actor=actor, store=None) == store_a


def test_it_asks_which_store_when_an_orderdesk_store_id_is_registered_twice(acme, alice, store_factory):
    store_factory(tenant=acme, name="Main", orderdesk_store_id="4242")
    store_factory(tenant=acme, name="Main (staging URL)", orderdesk_store_id="4242")

    with pytest.raises(InvalidInput, match="Several stores have OrderDesk store id '4242'") as caught:
        selectors.store_for_call(tenant=acme, actor=actor_for(alice), store="4242")

    assert "Main (staging URL)" in caught.value.message and caught.value.field == "store"
    assert selectors.store_for_call(tenant=acme, actor=actor_for(alice), store="main").name == "Main"


# --- stores_use -----------------------------------------------------------------------------------------


def test_it_sets_the_default_store_of_a_key_for_later_calls(acme, store_factory):
    store_factory(tenant=acme, name="A")
    store_b = store_factory(tenant=acme, name="B")
    key = ApiKeyFactory(tenant=acme)
    actor = core.authenticate(key.raw)
    with pytest.raises(InvalidInput):  # two stores and no default: ambiguous
        selectors.store_for_call(tenant=acme, actor=actor, store=None)

    info = call("stores_use", {"store": "b"}, actor)

    assert info.id == str(store_b.pk) and info.is_default
    assert ApiKey.objects.get(pk=key.pk).default_store == store_b
    later = core.authenticate(key.raw)  # every call rebuilds the Actor from the key: no session involved
    assert later.default_store_id == store_b.pk
    assert selectors.store_for_call(tenant=acme, actor=later, store=None) == store_b
    listed = call("stores_list", {}, later)
    assert listed.default_store_id == str(store_b.pk)
    assert [s.name for s in listed.stores if s.is_default] == ["B"]
    event = AuditEvent.objects.get(action="key.default_store")
    assert event.actor_key_id == key.pk and event.detail["store_id"] == str(store_b.pk)
    assert Trace.objects.filter(operation="stores_use", outcome="ok").exists()


def test_it_only_lets_a_key_default_to_a_store_it_may_use(acme, store_factory):
    store_a = store_factory(tenant=acme, name="A")
    store_factory(tenant=acme, name="B")
    key = ApiKeyFactory(tenant=acme, stores=[store_a])

    with pytest.raises(NotFound):
        call("stores_use", {"store": "B"}, core.authenticate(key.raw))

    assert ApiKey.objects.get(pk=key.pk).default_store is None
    assert not AuditEvent.objects.filter(action="key.default_store").exists()


def test_it_never_lets_a_key_default_to_another_tenants_store(acme, acme_store, globex_store):
    actor = key_actor(acme)

    with pytest.raises(NotFound):
        call("stores_use", {"store": str(globex_store.pk)}, actor)


def test_it_explains_that_signed_in_operators_pick_a_store_per_call(bob, acme_store):
    with pytest.raises(InvalidInput) as caught:
        call("stores_use", {"store": "Acme Main"}, actor_for(bob))

    assert caught.value.field == "store" and "each call" in caught.value.message


def test_it_refuses_a_blank_store_for_stores_use(acme, acme_store):
    with pytest.raises(InvalidInput) as caught:
        call("stores_use", {"store": "  "}, key_actor(acme))

    assert caught.value.field == "store"


def test_it_checks_the_actor_in_the_services_too(vera, acme_store):
    actor = actor_for(vera)

    with pytest.raises(Forbidden):
        run(
            services.stores_register,
            tenant=actor.tenant,
            actor=actor,
            name="x",
            orderdesk_store_id="1",
            api_key="12345678",
        )
    with pytest.raises(Forbidden):
        run(services.stores_delete, tenant=actor.tenant, actor=actor, store=str(acme_store.pk))
    assert [s.name for s in run(services.stores_list, tenant=actor.tenant, actor=actor).stores] == [
        "Acme Main"
    ]


def test_it_refuses_an_actor_with_no_permissions(acme, acme_store):
    nobody = Actor(tenant=acme, permissions=frozenset())

    with pytest.raises(Forbidden):
        run(services.stores_list, tenant=acme, actor=nobody)
