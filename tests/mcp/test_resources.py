"""Order and folder resources: read like the tools that serve them, scoped like them, linked from
tool results, and pushed to subscribed 2026-07-28 clients when an order changes."""

from __future__ import annotations

import json
from urllib.parse import quote

import anyio
import pytest
from asgiref.sync import sync_to_async
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated
from mcp.types import ResourceLink

from api_keys.models import ApiKey
from mcp_bridge.resource_events import folder_uri, order_uri
from mcp_bridge.server import mcp_http_app
from operations.models import Trace
from operations.registry import REGISTRY
from stores.changes import order_changed
from tests.factories import StoreFactory
from tests.mcp.conftest import connect
from tests.mcp.live import live_connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def product_registry(monkeypatch):
    monkeypatch.setattr(mcp_http_app.server, "registry", REGISTRY)


async def changed(store, order_id, folder_ids=(1001,)) -> None:
    await order_changed.asend(
        sender=None,
        tenant_id=store.tenant_id,
        store_id=store.pk,
        order_id=str(order_id),
        folder_ids=list(folder_ids),
        origin="write",
    )


async def next_event(sub, seconds: float = 5.0):
    with anyio.fail_after(seconds):
        return await sub.__anext__()


async def test_it_lists_the_order_and_folder_templates(acme_db, make_key, product_registry):
    async with connect(await make_key(acme_db)) as client:
        templates = (await client.list_resource_templates()).resource_templates
    assert sorted(t.uri_template for t in templates) == [
        "orderdesk://stores/{store}/folders/{folder}",
        "orderdesk://stores/{store}/orders/{order_id}",
    ]


async def test_it_reads_an_order_like_orders_get_and_traces_it(
    acme_db, acme_store, make_key, product_registry, od
):
    order = od.add_order(email="ada@example.test")
    async with connect(await make_key(acme_db)) as client:
        by_id = await client.read_resource(order_uri(acme_store.pk, order["id"]))
        by_name = await client.read_resource(f"orderdesk://stores/{quote('Acme Main')}/orders/{order['id']}")
    data = json.loads(by_id.contents[0].text)
    assert data["id"] == str(order["id"]) and data["email"] == "ada@example.test"
    assert "data_notice" in data
    assert json.loads(by_name.contents[0].text)["id"] == str(order["id"])
    ops = await sync_to_async(list)(Trace.objects.filter(tenant=acme_db).values_list("operation", flat=True))
    assert ops.count("orders_get") == 2


async def test_it_reads_the_first_page_of_a_folder_by_id_or_name(
    acme_db, acme_store, make_key, product_registry, od
):
    order = od.add_order()
    async with connect(await make_key(acme_db)) as client:
        by_id = await client.read_resource(folder_uri(acme_store.pk, 1001))
        by_name = await client.read_resource(folder_uri(acme_store.pk, "New"))
    for result in (by_id, by_name):
        page = json.loads(result.contents[0].text)
        assert [row["id"] for row in page["orders"]] == [str(order["id"])]
        assert set(page["orders"][0]) <= {
            "id", "source_id", "email", "customer_name", "folder", "folder_id", "folder_name", "order_total",
            "date_added", "shipping_country", "shipping_state", "item_count", "shipped",
        }  # fmt: skip


async def test_another_tenants_order_is_not_found(
    acme_db, acme_store, globex_store, make_key, product_registry, od
):
    order = od.add_order()
    async with connect(await make_key(acme_db)) as client:
        with pytest.raises(MCPError) as refused:
            await client.read_resource(order_uri(globex_store.pk, order["id"]))
    assert refused.value.error.code == -32602
    assert od.count("GET", f"/orders/{order['id']}") == 0


async def test_a_key_limited_to_another_store_cannot_read_this_one(
    acme_db, acme_store, make_key, product_registry, od
):
    other = await sync_to_async(StoreFactory)(tenant=acme_db, name="Acme Outlet", orderdesk_store_id="12")
    order = od.add_order()
    async with connect(await make_key(acme_db, stores=[other])) as client:
        with pytest.raises(MCPError) as refused:
            await client.read_resource(order_uri(acme_store.pk, order["id"]))
    assert refused.value.error.code == -32602
    assert od.count() == 0


async def test_a_key_without_the_orders_toolset_gets_no_templates_and_a_refusal(
    acme_db, acme_store, make_key, product_registry, od
):
    order = od.add_order()
    async with connect(await make_key(acme_db, toolsets=["products"])) as client:
        assert (await client.list_resource_templates()).resource_templates == []
        with pytest.raises(MCPError, match="orders toolset"):
            await client.read_resource(order_uri(acme_store.pk, order["id"]))
    assert od.count() == 0


async def test_order_tools_link_to_the_order_resource(acme_db, acme_store, make_key, product_registry, od):
    order = od.add_order()
    async with connect(await make_key(acme_db)) as client:
        got = await client.call_tool("orders_get", {"order_id": order["id"]})
        page = await client.call_tool("orders_list", {"folder_id": "1001"})
    links = [item for item in got.content if isinstance(item, ResourceLink)]
    assert [str(link.uri) for link in links] == [order_uri(acme_store.pk, order["id"])]
    assert [str(item.uri) for item in page.content if isinstance(item, ResourceLink)] == [
        order_uri(acme_store.pk, order["id"])
    ]


async def test_a_subscribed_client_hears_of_a_change_to_its_order_and_folder(
    acme_db, acme_store, make_key, product_registry
):
    mine, folder = order_uri(acme_store.pk, "501"), folder_uri(acme_store.pk, 1002)
    async with (
        live_connect(await make_key(acme_db)) as client,
        client.listen(resource_subscriptions=[mine, folder]) as sub,
    ):
        assert sorted(sub.honored.resource_subscriptions) == sorted([mine, folder])
        await changed(acme_store, "501", folder_ids=[1002])
        events = {await next_event(sub), await next_event(sub)}
    assert events == {ResourceUpdated(uri=mine), ResourceUpdated(uri=folder)}


async def test_a_subscriber_does_not_hear_of_another_tenants_order(
    acme_db, acme_store, globex_store, make_key, product_registry
):
    theirs, mine = order_uri(globex_store.pk, "501"), order_uri(acme_store.pk, "501")
    async with (
        live_connect(await make_key(acme_db)) as client,
        client.listen(resource_subscriptions=[theirs, mine]) as sub,
    ):
        # Another tenant's resource, or one named other than canonically, is not honoured.
        assert sub.honored.resource_subscriptions == [mine]
        await changed(globex_store, "501")
        await changed(acme_store, "501")
        # The first event is ours: the other tenant's change, sent first, was never delivered.
        assert await next_event(sub) == ResourceUpdated(uri=mine)


async def test_a_revoked_keys_stream_delivers_nothing_more(acme_db, acme_store, make_key, product_registry):
    raw = await make_key(acme_db)
    mine = order_uri(acme_store.pk, "501")
    async with live_connect(raw) as client, client.listen(resource_subscriptions=[mine]) as sub:
        await sync_to_async(ApiKey.objects.filter(tenant=acme_db).update)(revoked_at="2026-01-01T00:00Z")
        await changed(acme_store, "501")
        with anyio.fail_after(5):
            assert [event async for event in sub] == []
