"""The whole loop: OrderDesk posts an order back, and an MCP client subscribed to that order hears of it."""

from __future__ import annotations

import anyio
import httpx
import pytest
from asgiref.sync import sync_to_async
from mcp.shared.subscriptions import ResourceUpdated

from mcp_bridge.resource_events import folder_uri, order_uri
from mcp_bridge.server import mcp_http_app
from operations.registry import REGISTRY
from orderdesk_admin.asgi import application
from tests.mcp.live import live_connect
from tests.postbacks.helpers import delivery, order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def product_registry(monkeypatch):
    monkeypatch.setattr(mcp_http_app.server, "registry", REGISTRY)


async def test_an_orderdesk_postback_notifies_the_clients_subscribed_to_the_order(
    acme_db,
    acme_store,
    make_key,
    product_registry,
):
    mine, folder = order_uri(acme_store.pk, "5001"), folder_uri(acme_store.pk, 1001)
    post = await sync_to_async(delivery)(acme_store, order("5001"))
    async with (
        live_connect(await make_key(acme_db)) as client,
        client.listen(resource_subscriptions=[mine, folder]) as sub,
    ):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as web:
            answer = await web.post(post["path"], data=post["data"], headers=post["headers"])
        assert answer.status_code == 200
        with anyio.fail_after(5):
            events = {await sub.__anext__(), await sub.__anext__()}
    assert events == {ResourceUpdated(uri=mine), ResourceUpdated(uri=folder)}
