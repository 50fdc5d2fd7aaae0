"""No lost change when several app processes update one order at once.

OrderDesk replaces a whole order on PUT, so every update is a fetch → merge → PUT cycle. Two processes
running that cycle on one order at the same moment would each PUT their own merge, and the later PUT
would wipe the earlier one's change while both calls report success. Here three real uvicorn processes,
sharing PostgreSQL and Redis as a deployment with several workers does, share N concurrent
`orders_update` calls over MCP, every call adding its own key to the order's order_metadata; in the end
the order must hold all N keys.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from sandbox.models import SandboxOrder, SandboxStore
from sandbox.provisioning import provision_sandbox_store
from tests.factories import ApiKeyFactory
from tests.reliability.servers import app_processes, shared_backends_missing

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSES = 3
UPDATES = 24


@pytest.fixture(params=["redis", "database"])
def shared_backend(request) -> str:
    """ "redis": the processes share PostgreSQL and Redis; "database": PostgreSQL only (no REDIS_URL),
    so each has its own in-memory cache and only the database can coordinate them."""
    reason = shared_backends_missing(redis=request.param == "redis")
    if reason:
        pytest.skip(reason)
    return request.param


async def _update_all(urls: list[str], raw_key: str, store: str, order_id: str) -> dict[int, str | None]:
    """UPDATES concurrent orders_update calls, spread over the processes: index → error text (None:
    the call reported success)."""
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for url in urls:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(headers={"Authorization": f"Bearer {raw_key}"}, timeout=120)
            )
            client = await stack.enter_async_context(
                Client(streamable_http_client(f"{url}/mcp", http_client=http))
            )
            clients.append(client)

        async def update(index: int) -> str | None:
            result = await clients[index % len(clients)].call_tool(
                "orders_update",
                {"store": store, "order_id": order_id, "changes": {"order_metadata": {f"k{index}": "v"}}},
            )
            return result.content[0].text if result.is_error else None

        outcomes = await asyncio.gather(*(update(index) for index in range(UPDATES)))
    return dict(enumerate(outcomes))


def test_concurrent_updates_through_several_processes_keep_every_change(shared_backend, acme, tmp_path):
    store = provision_sandbox_store(tenant=acme, orders=3, seed=11)
    SandboxStore.objects.filter(store=store).update(rate_limit_enabled=False)  # pacing is not the point
    order = SandboxOrder.objects.filter(store__store=store).order_by("order_id").first()
    raw_key = ApiKeyFactory(tenant=acme, scope="read_write").raw

    with app_processes(PROCESSES, tmp_path, redis=shared_backend == "redis") as servers:
        outcomes = asyncio.run(
            _update_all([s.url for s in servers], raw_key, store.name, str(order.order_id))
        )

    order.refresh_from_db()
    reported = {f"k{index}" for index, error in outcomes.items() if error is None}
    lost = sorted(reported - set(order.order_metadata), key=lambda key: int(key[1:]))
    errors = [error for error in outcomes.values() if error is not None]
    # Every call that reported success must have left its change; and here none may fail at all.
    assert not lost, f"lost {len(lost)} of {UPDATES} updates that reported success: {lost}"
    assert not errors, f"{len(errors)} calls failed: {errors}"


async def _add_notes(urls: list[str], headers: dict[str, str], order_id: str) -> list[int]:
    """UPDATES concurrent history notes posted straight to the processes' sandboxes; the statuses."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx2.AsyncClient(base_url=f"{url}/sandbox/api/v2", timeout=60))
            for url in urls
        ]
        responses = await asyncio.gather(
            *(
                clients[index % len(clients)].post(
                    f"/orders/{order_id}/order-history", json={"note": f"n{index}"}, headers=headers
                )
                for index in range(UPDATES)
            )
        )
    return [response.status_code for response in responses]


def test_the_sandbox_keeps_every_concurrent_write_of_one_order_across_processes(acme, tmp_path):
    """The emulator's own read-modify-write of an order (appending a history note) under concurrent
    requests served by several processes: each request holds the order's row lock, so none is lost."""
    reason = shared_backends_missing(redis=False)
    if reason:
        pytest.skip(reason)
    store = provision_sandbox_store(tenant=acme, orders=3, seed=11)
    SandboxStore.objects.filter(store=store).update(rate_limit_enabled=False)
    order = SandboxOrder.objects.filter(store__store=store).order_by("order_id").first()
    headers = {"ORDERDESK-STORE-ID": store.orderdesk_store_id, "ORDERDESK-API-KEY": store.get_api_key()}

    with app_processes(PROCESSES, tmp_path, redis=False) as servers:
        statuses = asyncio.run(_add_notes([s.url for s in servers], headers, str(order.order_id)))

    assert statuses == [200] * UPDATES
    order.refresh_from_db()
    missing = {f"n{index}" for index in range(UPDATES)} - {entry["note"] for entry in order.order_history}
    assert not missing, f"the sandbox lost {len(missing)} of {UPDATES} notes: {sorted(missing)}"
