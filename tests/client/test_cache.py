"""The read cache: keyed by tenant, store, resource and every argument; a write drops its resource."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.cache import caches

from kernel import tracing
from stores.cache import TTL_INVENTORY, TTL_ORDERS, TTL_STORE_SETTINGS, args_digest, cached, invalidate
from tests.client.conftest import ok

TENANT, OTHER_TENANT = uuid.uuid4(), uuid.uuid4()
STORE, OTHER_STORE = uuid.uuid4(), uuid.uuid4()


class Fetch:
    """A fetch function that counts its calls and returns a new value each time."""

    def __init__(self):
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        return {"call": self.calls}


def test_it_pins_the_ttls():
    assert (TTL_ORDERS, TTL_INVENTORY, TTL_STORE_SETTINGS) == (15, 60, 300)


async def test_it_serves_the_same_read_from_the_cache():
    fetch = Fetch()

    first = await cached(TENANT, STORE, "orders", {"folder_id": 1, "limit": 25}, TTL_ORDERS, fetch)
    second = await cached(TENANT, STORE, "orders", {"limit": 25, "folder_id": 1}, TTL_ORDERS, fetch)

    assert first == second == {"call": 1}
    assert fetch.calls == 1


@pytest.mark.parametrize(
    "other_args",
    [
        {"folder_id": 2, "limit": 25},
        {"folder_id": 1, "limit": 26},
        {"folder_id": 1, "limit": 25, "search_start_date": "2024-01-01"},
        {"folder_id": "1", "limit": 25},  # a string is not the same argument as a number
        {"folder_id": 1},
        {"folder_id": 1, "limit": 25, "cursor": None},
    ],
)
async def test_it_never_mixes_up_reads_that_differ_in_any_argument(other_args):
    fetch = Fetch()

    await cached(TENANT, STORE, "orders", {"folder_id": 1, "limit": 25}, TTL_ORDERS, fetch)
    other = await cached(TENANT, STORE, "orders", other_args, TTL_ORDERS, fetch)

    assert other == {"call": 2}


@pytest.mark.parametrize(
    ("tenant", "store", "resource"),
    [(OTHER_TENANT, STORE, "orders"), (TENANT, OTHER_STORE, "orders"), (TENANT, STORE, "inventory")],
    ids=["other-tenant", "other-store", "other-resource"],
)
async def test_it_keeps_tenants_stores_and_resources_apart(tenant, store, resource):
    fetch = Fetch()

    await cached(TENANT, STORE, "orders", {"id": "5"}, TTL_ORDERS, fetch)
    other = await cached(tenant, store, resource, {"id": "5"}, TTL_ORDERS, fetch)

    assert other == {"call": 2}


async def test_it_drops_every_read_of_an_invalidated_resource_and_nothing_else():
    orders, order, inventory, other_store = Fetch(), Fetch(), Fetch(), Fetch()
    await cached(TENANT, STORE, "orders", {"limit": 25}, TTL_ORDERS, orders)
    await cached(TENANT, STORE, "orders", {"order_id": "5"}, TTL_ORDERS, order)
    await cached(TENANT, STORE, "inventory", {"limit": 25}, TTL_INVENTORY, inventory)
    await cached(TENANT, OTHER_STORE, "orders", {"limit": 25}, TTL_ORDERS, other_store)

    await invalidate(TENANT, STORE, "orders")

    assert await cached(TENANT, STORE, "orders", {"limit": 25}, TTL_ORDERS, orders) == {"call": 2}
    assert await cached(TENANT, STORE, "orders", {"order_id": "5"}, TTL_ORDERS, order) == {"call": 2}
    assert await cached(TENANT, STORE, "inventory", {"limit": 25}, TTL_INVENTORY, inventory) == {"call": 1}
    assert await cached(TENANT, OTHER_STORE, "orders", {"limit": 25}, TTL_ORDERS, other_store) == {"call": 1}


async def test_it_invalidates_several_resources_and_resources_never_read():
    store, inventory = Fetch(), Fetch()
    await cached(TENANT, STORE, "store", {}, TTL_STORE_SETTINGS, store)
    await cached(TENANT, STORE, "inventory", {}, TTL_INVENTORY, inventory)

    await invalidate(TENANT, STORE, "store", "inventory", "orders")

    assert await cached(TENANT, STORE, "store", {}, TTL_STORE_SETTINGS, store) == {"call": 2}
    assert await cached(TENANT, STORE, "inventory", {}, TTL_INVENTORY, inventory) == {"call": 2}


async def test_invalidating_some_records_drops_their_reads_and_every_list_only():
    list_fetch, seven, eight = Fetch(), Fetch(), Fetch()
    order = {"order_id": "7"}
    await cached(TENANT, STORE, "orders", {"limit": 25}, TTL_ORDERS, list_fetch)
    await cached(TENANT, STORE, "orders", order, TTL_ORDERS, seven, item="7")
    await cached(TENANT, STORE, "orders", {"order_id": "8"}, TTL_ORDERS, eight, item="8")

    await invalidate(TENANT, STORE, "orders", items=[7])

    assert await cached(TENANT, STORE, "orders", {"limit": 25}, TTL_ORDERS, list_fetch) == {"call": 2}
    assert await cached(TENANT, STORE, "orders", order, TTL_ORDERS, seven, item="7") == {"call": 2}
    assert await cached(TENANT, STORE, "orders", {"order_id": "8"}, TTL_ORDERS, eight, item=8) == {"call": 1}


async def test_invalidating_no_record_drops_only_the_lists_and_without_items_everything():
    list_fetch, seven = Fetch(), Fetch()
    order = {"order_id": "7"}
    await cached(TENANT, STORE, "orders", {"limit": 25}, TTL_ORDERS, list_fetch)
    await cached(TENANT, STORE, "orders", order, TTL_ORDERS, seven, item="7")

    await invalidate(TENANT, STORE, "orders", items=[])
    assert await cached(TENANT, STORE, "orders", {"limit": 25}, TTL_ORDERS, list_fetch) == {"call": 2}
    assert await cached(TENANT, STORE, "orders", order, TTL_ORDERS, seven, item="7") == {"call": 1}

    await invalidate(TENANT, STORE, "orders")
    assert await cached(TENANT, STORE, "orders", {"limit": 25}, TTL_ORDERS, list_fetch) == {"call": 3}
    assert await cached(TENANT, STORE, "orders", order, TTL_ORDERS, seven, item="7") == {"call": 2}


async def test_it_does_not_revive_old_entries_when_a_generation_counter_is_lost():
    fetch = Fetch()
    await cached(TENANT, STORE, "orders", {}, TTL_ORDERS, fetch)
    await invalidate(TENANT, STORE, "orders")
    await cached(TENANT, STORE, "orders", {}, TTL_ORDERS, fetch)

    await caches["default"].adelete(f"odcache:gen:{TENANT}:{STORE}:orders")  # evicted

    assert await cached(TENANT, STORE, "orders", {}, TTL_ORDERS, fetch) == {"call": 3}


async def test_it_caches_an_empty_answer_too():
    calls = 0

    async def nothing():
        nonlocal calls
        calls += 1

    await cached(TENANT, STORE, "orders", {"id": "x"}, TTL_ORDERS, nothing)
    await cached(TENANT, STORE, "orders", {"id": "x"}, TTL_ORDERS, nothing)

    assert calls == 1


def test_it_hashes_arguments_canonically():
    assert args_digest({"a": 1, "b": [1, 2]}) == args_digest({"b": [1, 2], "a": 1})
    assert args_digest({"d": dt.date(2024, 1, 2)}) != args_digest({"d": dt.date(2024, 1, 3)})
    assert args_digest({"ids": {"1", "2"}}) == args_digest({"ids": {"2", "1"}})
    with pytest.raises(TypeError):
        args_digest({"x": object()})


async def test_it_skips_upstream_and_records_no_span_on_a_hit(make_client, creds):
    client, script = make_client([ok({"orders": [{"id": "1"}]})])

    async def fetch():
        return await client.get(creds, "/orders", params={"limit": 25})

    with tracing.recording() as recorder:
        first = await cached(creds.tenant_id, creds.store_pk, "orders", {"limit": 25}, TTL_ORDERS, fetch)
        second = await cached(creds.tenant_id, creds.store_pk, "orders", {"limit": 25}, TTL_ORDERS, fetch)

    assert first == second
    assert script.calls == 1
    assert len(recorder.spans) == 1
