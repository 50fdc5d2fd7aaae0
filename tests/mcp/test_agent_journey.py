"""An agent's work through /mcp against the sandbox over real HTTP, calling every tool of the registry.

The SDK client validates every structuredContent against the tool's outputSchema, so each successful
call here also proves the published schema matches what the service really returns. The sandbox runs
on pytest-django's live server; OrderDesk pacing is switched off on both sides (not under test here).
"""

from __future__ import annotations

import httpx
import pytest

from mcp_bridge.server import mcp_http_app
from operations.models import Span, Trace
from operations.registry import REGISTRY
from stores.breaker import CircuitBreaker
from stores.client import OrderDeskClient, override_client
from tests.helpers import WIDE
from tests.mcp.conftest import connect

pytestmark = pytest.mark.django_db(transaction=True)


class Agent:
    """Calls tools and remembers which ones succeeded."""

    def __init__(self, client):
        self.client, self.succeeded, self.calls = client, set(), 0

    async def __call__(self, tool: str, arguments: dict | None = None, **kwargs) -> dict:
        self.calls += 1
        result = await self.client.call_tool(tool, arguments or {}, **kwargs)
        assert not result.is_error, f"{tool}: {result.content[0].text}"
        self.succeeded.add(tool)
        return result.structured_content


def rows(data: dict) -> list[dict]:
    return next(value for value in data.values() if isinstance(value, list))


async def test_it_lets_an_agent_do_real_work_with_every_tool(sandbox, acme_db, make_key):
    raw = await make_key(acme_db, scope="read_write", admin=True)
    progress: list[tuple] = []

    async def on_progress(done, total, message):
        progress.append((done, total, message))

    async with connect(raw) as client:
        agent = Agent(client)
        # Where am I?
        stores = await agent("stores_list")
        assert [s["name"] for s in stores["stores"]] == ["Sandbox"]
        folders = {f["name"] for f in (await agent("stores_get"))["folders"]}
        assert {"New", "Shipped"} <= folders
        assert (await agent("stores_test"))["ok"] is True
        await agent("stores_use", {"store": "Sandbox"})

        # Find unshipped orders, ship one, move it to Shipped, leave a note.
        default_page = await agent("orders_list", WIDE)
        assert 0 < len(rows(default_page)) <= 25
        summary = await agent("orders_summary", WIDE)
        assert summary["orders"] == 12
        unshipped = rows(await agent("orders_list", {**WIDE, "folder_name": "New", "fields": "summary"}))
        order_id = (unshipped or rows(default_page))[0]["id"]
        order = await agent("orders_get", {"order_id": order_id})
        assert order["id"] == order_id
        shipment = await agent(
            "shipments_add",
            {
                "order_id": order_id,
                "shipment_data": {"tracking_number": "1ZMCP0001", "carrier_code": "UPS"},
                "idempotency_key": "mcp-journey-ship-1",
            },
        )
        again = await agent(
            "shipments_add",
            {
                "order_id": order_id,
                "shipment_data": {"tracking_number": "1ZMCP0001", "carrier_code": "UPS"},
                "idempotency_key": "mcp-journey-ship-1",
            },
        )
        assert again["id"] == shipment["id"]  # a retried call never ships twice
        await agent(
            "shipments_update",
            {"order_id": order_id, "shipment_id": shipment["id"], "changes": {"shipment_method": "Air"}},
        )
        moved = await agent("orders_move", {"order_id": order_id, "folder": "Shipped"})
        assert moved["folder_name"] == "Shipped"
        await agent("orders_add_note", {"order_id": order_id, "note": "Shipped by the agent"})
        await agent("orders_update", {"order_id": order_id, "changes": {"shipping": {"city": "Springfield"}}})
        item = await agent(
            "order_items_add", {"order_id": order_id, "item_data": {"name": "Gift wrap", "price": 4}}
        )
        await agent(
            "order_items_update", {"order_id": order_id, "item_id": item["id"], "changes": {"quantity": 2}}
        )
        await agent("order_items_delete", {"order_id": order_id, "item_id": item["id"]})
        await agent("shipments_delete", {"order_id": order_id, "shipment_id": shipment["id"]})
        others = [row["id"] for row in rows(default_page) if row["id"] != order_id][:2]
        batch = await agent(
            "shipments_add_batch",
            {
                "shipments": [
                    {"order_id": oid, "tracking_number": f"9400MCP{n}"} for n, oid in enumerate(others)
                ]
            },
            progress_callback=on_progress,
        )
        assert batch["added"] == len(others)

        # A new order, created once however often it is retried, then removed.
        order_data = {
            "email": "grace@example.com",
            "shipping": {"first_name": "Grace", "last_name": "Hopper", "country": "US"},
            "order_items": [{"name": "Compiler", "code": "C-1", "price": 99.5, "quantity": 2}],
        }
        created = await agent(
            "orders_create", {"order_data": order_data, "idempotency_key": "mcp-journey-order-1"}
        )
        retried = await agent(
            "orders_create", {"order_data": order_data, "idempotency_key": "mcp-journey-order-1"}
        )
        assert retried["id"] == created["id"]
        await agent("orders_delete", {"order_id": created["id"]})

        # Restock a low-stock SKU.
        products = rows(await agent("products_list", {"limit": 5}))
        await agent("products_get", {"product_id": products[0]["id"]})
        low = rows(await agent("products_low_stock", {"threshold": 5}))
        sku = (low or products)[0]
        restocked = await agent(
            "products_update", {"product_id": sku["id"], "changes": {"stock": sku["stock"] + 20}}
        )
        assert restocked["stock"] == sku["stock"] + 20
        mug = await agent(
            "products_create", {"product_data": {"name": "MCP Mug", "code": "MCP-MUG", "stock": 1}}
        )
        await agent(
            "products_update_batch",
            {"updates": [{"code": "MCP-MUG", "changes": {"stock": 40}}]},
            progress_callback=on_progress,
        )
        await agent("products_delete", {"product_id": mug["id"]})

        # Store administration (stores:admin).
        extra = await agent(
            "stores_register", {"name": "Second", "orderdesk_store_id": "4242", "api_key": "od-second-key-1"}
        )
        renamed = await agent("stores_update", {"store": extra["id"], "name": "Second (EU)", "label": "EU"})
        assert (renamed["name"], renamed["label"]) == ("Second (EU)", "EU")
        await agent("stores_delete", {"store": extra["id"]})

    untested = sorted({op.name for op in REGISTRY} - agent.succeeded)
    assert untested == [], f"add these tools to the journey: {untested}"
    assert progress, "the batch tools reported no progress"
    traces = await Trace.objects.filter(source="mcp").acount()
    assert traces == agent.calls  # one trace per tool call
    assert await Span.objects.filter(trace__operation="orders_get").aexists()  # upstream spans recorded


@pytest.fixture
def no_orderdesk(monkeypatch):
    """The full registry, and an OrderDesk that must not be called."""
    monkeypatch.setattr(mcp_http_app.server, "registry", REGISTRY)
    requests = []

    def refuse(request):
        requests.append(request)
        return httpx.Response(500)

    with override_client(OrderDeskClient(transport=httpx.MockTransport(refuse), breaker=CircuitBreaker())):
        yield requests


@pytest.mark.parametrize("tool", sorted(op.name for op in REGISTRY))
async def test_it_rejects_bad_input_for_every_tool_before_calling_orderdesk(
    acme_db, make_key, no_orderdesk, tool
):
    async with connect(await make_key(acme_db, scope="read_write", admin=True)) as client:
        result = await client.call_tool(tool, {"unexpected_argument": 1})
    assert result.is_error is True
    assert "unexpected_argument: unknown argument" in result.content[0].text
    assert no_orderdesk == []
