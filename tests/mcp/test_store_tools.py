"""The product's own registry over /mcp: store tools per scope, tenant isolation, upstream hygiene.

OrderDesk is an httpx MockTransport behind the real client, counting every upstream request.
"""

from __future__ import annotations

import httpx
import pytest
from asgiref.sync import sync_to_async
from mcp.types import ToolAnnotations

from api_keys.models import ApiKey
from mcp_bridge.server import mcp_http_app
from operations.models import Trace
from operations.registry import REGISTRY
from stores.breaker import CircuitBreaker
from stores.client import OrderDeskClient, override_client
from stores.models import Store
from tenants.audit import Action
from tenants.models import AuditEvent
from tests.mcp.conftest import connect

pytestmark = pytest.mark.django_db(transaction=True)

STORE_ENVELOPE = {
    "status": "success",
    "execution_time": "0.1 seconds",
    "store": {
        "id": "11",
        "name": "Acme Main",
        "settings": {"timezone": "America/Los_Angeles", "api_key": "upstream-key-never-shown"},
        "folders": {"21654": "New", "21655": "Shipped"},
    },
}
TEST_ENVELOPE = {
    "status": "success",
    "message": "Connection Successful",
    "current_date_time": "2026-11-22 10:00:00",
}


class OrderDesk:
    """A stand-in for OrderDesk that records every request it receives."""

    def __init__(self):
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = STORE_ENVELOPE if request.url.path.endswith("/store") else TEST_ENVELOPE
        return httpx.Response(200, json=body, headers={"X-Tokens-Remaining": "19"})


@pytest.fixture
def orderdesk(monkeypatch):
    monkeypatch.setattr(mcp_http_app.server, "registry", REGISTRY)
    double = OrderDesk()

    async def no_sleep(_seconds):
        return None

    client = OrderDeskClient(transport=httpx.MockTransport(double), sleep=no_sleep, breaker=CircuitBreaker())
    with override_client(client):
        yield double


async def listed(client) -> dict:
    return {tool.name: tool for tool in (await client.list_tools()).tools}


async def test_it_lists_every_registry_operation_to_a_full_key(acme_db, make_key, orderdesk, mode):
    async with connect(await make_key(acme_db, scope="read_write", admin=True), mode) as client:
        tools = await listed(client)
    assert sorted(tools) == sorted([*(op.name for op in REGISTRY), "describe_tool"])
    for op in REGISTRY:
        tool = tools[op.name]
        assert op.description.startswith(tool.description.split()[0])
        assert len(tool.description.encode()) <= 300
        # Hints equal to the MCP defaults (not read-only, destructive, not idempotent) are left out.
        hints = tool.annotations or ToolAnnotations()  # no hints at all: every one is the default
        assert (hints.read_only_hint or False) is op.read_only
        if not op.read_only:
            assert (hints.destructive_hint is not False) is op.destructive
            assert (hints.idempotent_hint or False) is op.idempotent
        assert tool.output_schema is not None  # this connection asked for output schemas
        assert tool.input_schema["additionalProperties"] is False
        assert not {"tenant", "actor", "progress"} & set(tool.input_schema["properties"])


async def test_it_lists_only_read_only_tools_to_a_read_key(acme_db, make_key, orderdesk, mode):
    async with connect(await make_key(acme_db, scope="read"), mode) as client:
        tools = await listed(client)
    assert {"stores_list", "stores_get", "stores_test", "stores_use"} <= set(tools)
    assert not {"stores_register", "stores_delete"} & set(tools)
    ops = {op.name: op for op in REGISTRY}
    assert all(ops[name].permission == "read" for name in tools if name != "describe_tool")
    # stores_test and stores_use write (a test result, the key's default store): not "read-only".
    not_read_only = sorted(name for name, tool in tools.items() if not tool.annotations.read_only_hint)
    assert not_read_only == ["stores_test", "stores_use"]


async def test_it_gates_store_registration_behind_stores_admin(acme_db, make_key, orderdesk, mode):
    async with connect(await make_key(acme_db, scope="read_write"), mode) as client:
        assert not {"stores_register", "stores_delete"} & set(await listed(client))
        refused = await client.call_tool(
            "stores_register", {"name": "Sneaky", "orderdesk_store_id": "5", "api_key": "k" * 20}
        )
    assert refused.is_error
    assert (
        refused.content[0].text
        == "stores_register is not allowed for this key: it needs a key with stores:admin."
    )
    assert not await Store.objects.filter(name="Sneaky").aexists()


async def test_it_registers_a_store_with_a_stores_admin_key(acme_db, make_key, orderdesk):
    async with connect(await make_key(acme_db, scope="read", admin=True)) as client:
        result = await client.call_tool(
            "stores_register",
            {"name": "Wholesale", "orderdesk_store_id": "77", "api_key": "od-key-wholesale-1"},
        )
    assert result.is_error is False, result.content[0].text
    assert result.structured_content["name"] == "Wholesale"
    assert "od-key-wholesale-1" not in result.content[0].text
    event = await AuditEvent.objects.aget(action=Action.STORE_CREATED)
    assert (event.source, event.tenant_id) == ("mcp", acme_db.pk)
    trace = await Trace.objects.aget(operation="stores_register")
    assert "od-key-wholesale-1" not in str(trace.arguments)


async def test_it_lists_only_the_callers_stores(acme_db, acme_store, globex_store, make_key, orderdesk, mode):
    async with connect(await make_key(acme_db), mode) as client:
        result = await client.call_tool("stores_list", {})
    assert [s["name"] for s in result.structured_content["stores"]] == ["Acme Main"]
    assert orderdesk.requests == []


@pytest.mark.parametrize("by", ["id", "name", "orderdesk id"])
async def test_it_answers_not_found_for_another_tenants_store_without_calling_orderdesk(
    acme_db, acme_store, globex_store, make_key, orderdesk, mode, by
):
    ref = {"id": str(globex_store.pk), "name": "Globex Shop", "orderdesk id": "77"}[by]
    async with connect(await make_key(acme_db, scope="read_write"), mode) as client:
        result = await client.call_tool("stores_get", {"store": ref})
    assert result.is_error is True
    assert result.content[0].text.startswith(f"No store {ref!r}.")
    assert "Globex" not in result.content[0].text.replace(ref, "")
    assert orderdesk.requests == []  # zero upstream calls
    trace = await Trace.objects.aget(operation="stores_get")
    assert (trace.outcome, trace.error_code, trace.upstream_calls, trace.tenant_id) == (
        "error",
        "not_found",
        0,
        acme_db.pk,
    )


async def test_it_keeps_a_key_to_its_allowed_stores(acme_db, acme_store, acme_outlet, make_key, orderdesk):
    async with connect(await make_key(acme_db, stores=[acme_store])) as client:
        listed_stores = await client.call_tool("stores_list", {})
        other = await client.call_tool("stores_get", {"store": "Acme Outlet"})
    assert [s["name"] for s in listed_stores.structured_content["stores"]] == ["Acme Main"]
    assert other.is_error and other.content[0].text.startswith("No store 'Acme Outlet'.")
    assert orderdesk.requests == []


async def test_it_gets_a_store_from_orderdesk_with_only_the_stores_own_credentials(
    acme_db, acme_store, make_key, orderdesk, mode
):
    raw = await make_key(acme_db)
    async with connect(raw, mode) as client:
        result = await client.call_tool("stores_get", {})  # the key's only store
    assert result.is_error is False, result.content[0].text
    assert result.structured_content["folders"] == [
        {"id": 21654, "name": "New"},
        {"id": 21655, "name": "Shipped"},
    ]
    assert "upstream-key-never-shown" not in result.content[0].text
    (request,) = orderdesk.requests
    sent = " ".join(f"{name}: {value}" for name, value in request.headers.items())
    assert raw not in sent and "odk_" not in sent and "Bearer" not in sent  # the inbound bearer stays here
    assert request.headers["ORDERDESK-STORE-ID"] == "11"
    trace = await Trace.objects.aget(operation="stores_get")
    assert (trace.source, trace.outcome, trace.upstream_calls) == ("mcp", "ok", 1)
    assert trace.actor_key_id == raw.split("_")[1] and trace.store_id == acme_store.pk


async def test_it_asks_which_store_when_several_fit_and_remembers_a_default(
    acme_db, acme_store, acme_outlet, make_key, orderdesk, mode
):
    raw = await make_key(acme_db)
    async with connect(raw, mode) as client:
        ambiguous = await client.call_tool("stores_get", {})
        chosen = await client.call_tool("stores_use", {"store": "Acme Outlet"})
        defaulted = await client.call_tool("stores_get", {})
    assert ambiguous.is_error and "Several stores are available" in ambiguous.content[0].text
    assert "'Acme Main'" in ambiguous.content[0].text and "'Acme Outlet'" in ambiguous.content[0].text
    assert chosen.structured_content["is_default"] is True
    assert defaulted.structured_content["store"]["name"] == "Acme Outlet"
    key = await sync_to_async(ApiKey.objects.get)(pk=raw.split("_")[1])
    assert key.default_store_id == acme_outlet.pk
