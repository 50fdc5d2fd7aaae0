"""The NUL character (U+0000): PostgreSQL refuses it in text and jsonb, SQLite stores it.

Whatever the database, a NUL sent by a caller is refused as bad input before anything reaches
OrderDesk, a NUL answered by OrderDesk is recorded escaped (`\\u0000`), and a trace that cannot be
saved never takes the audit row of a write with it. These tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import logging

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError
from pydantic import BaseModel

from mcp_bridge.server import mcp_http_app
from operations.models import Span, Trace
from operations.registry import REGISTRY
from orders.services.idempotency import run_idempotent
from sandbox.demo.generator import DemoData
from sandbox.demo.loader import load
from sandbox.models import SandboxOrder
from tenants.audit import Action, audit
from tenants.models import AuditEvent, Tenant
from tests.factories import ApiKeyFactory
from tests.mcp.conftest import connect
from tests.sandbox.conftest import FOLDERS, Api, make_store, order_body

NUL_COMPANY = {"shipping": {"company": "A\u0000B"}}


@pytest.fixture
def committed_acme(transactional_db, acme) -> Tenant:
    """Acme with really committed rows: the MCP stack reads them from another thread."""
    return acme


@pytest.fixture
def writer_key(committed_acme):
    return ApiKeyFactory(tenant=committed_acme, scope="read_write").raw


@pytest.fixture
def product_tools(monkeypatch):
    monkeypatch.setattr(mcp_http_app.server, "registry", REGISTRY)


def upstream_writes(od) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _ in od.calls if method != "GET"]


# --- Refused before the upstream call ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("orders_update", {"changes": NUL_COMPANY}, "changes.shipping.company"),
        ("orders_add_note", {"note": "packed\u0000"}, "note"),
    ],
)
async def test_nul_in_a_tool_argument_is_refused_before_the_upstream_call(
    committed_acme, acme_store, writer_key, product_tools, od, tool, arguments, field
):
    order = od.add_order()
    async with connect(writer_key) as client:
        refused = await client.call_tool(tool, {"order_id": order["id"], **arguments})
        read = await client.call_tool("orders_get", {"order_id": order["id"]})
    assert refused.is_error
    assert (
        refused.content[0].text == f"Invalid arguments: {field}: must not contain the NUL character (U+0000)"
    )
    assert upstream_writes(od) == []
    assert not read.is_error, read.content[0].text  # the order is still readable
    trace = await Trace.objects.aget(operation=tool)
    assert (trace.outcome, trace.error_code, trace.upstream_calls) == ("error", "invalid_input", 0)
    assert "\\u0000" in json.dumps(trace.arguments)
    # A refusal wrote nothing upstream, so there is no write to audit as a success.
    assert not await AuditEvent.objects.filter(action=Action.OPERATION, outcome="success").aexists()


# --- Recorded escaped when OrderDesk answers with one ------------------------------------------------


async def test_nul_in_an_upstream_answer_is_recorded_escaped(
    committed_acme, acme_store, writer_key, product_tools, od
):
    order = od.add_order(shipping={"first_name": "Ada", "company": "A\u0000B"})
    async with connect(writer_key) as client:
        read = await client.call_tool("orders_get", {"order_id": order["id"]})
        update = await client.call_tool(
            "orders_update", {"order_id": order["id"], "changes": {"shipping": {"first_name": "Grace"}}}
        )
    assert not read.is_error, read.content[0].text
    assert not update.is_error, update.content[0].text
    assert read.structured_content["shipping"]["company"] == "A\u0000B"  # the caller gets the real text
    assert od.orders[order["id"]]["shipping"]["first_name"] == "Grace"
    traces = {t.operation: t async for t in Trace.objects.all()}
    assert traces["orders_get"].result_summary["shipping"]["company"] == "A\\u0000B"
    assert traces["orders_update"].before["shipping"]["company"] == "A\\u0000B"
    assert await AuditEvent.objects.filter(action=Action.OPERATION, outcome="success").aexists()


def test_a_hostile_upstream_answer_in_a_stored_idempotent_result_is_escaped(acme_store):
    class Named(BaseModel):
        name: str

    async def create(claim):
        return Named(name="A\u0000B")

    async def must_not_run(claim):
        raise AssertionError("a replay must not call OrderDesk again")

    common = {
        "tenant_id": acme_store.tenant_id,
        "store_id": acme_store.pk,
        "operation": "orders_create",
        "key": "nul-1",
        "payload": {"n": 1},
        "result_type": Named,
    }
    assert async_to_sync(run_idempotent)(**common, run=create).name == "A\u0000B"
    assert async_to_sync(run_idempotent)(**common, run=must_not_run).name == "A\\u0000B"


def test_an_audit_detail_quoting_a_nul_is_stored_escaped(acme):
    event = audit(Action.OPERATION, tenant=acme, target_label="A\u0000B", detail={"note": "x\u0000"})
    event.refresh_from_db()
    assert (event.target_label, event.detail) == ("A\\u0000B", {"note": "x\\u0000"})


# --- A trace that cannot be saved ---------------------------------------------------------------------


async def test_a_trace_that_cannot_be_saved_keeps_the_audit_row_of_the_write(
    committed_acme, acme_store, writer_key, product_tools, od, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise DatabaseError("the database refused the spans")

    monkeypatch.setattr(Span.objects, "bulk_create", refuse)
    order = od.add_order()
    headers = {"X-Request-ID": "req-untraced-1"}
    with caplog.at_level(logging.ERROR):
        async with connect(writer_key, headers=headers) as client:
            result = await client.call_tool(
                "orders_update", {"order_id": order["id"], "changes": {"shipping": {"company": "Acme"}}}
            )
    assert upstream_writes(od) == [("PUT", f"/orders/{order['id']}")]  # the write happened
    assert result.is_error and result.content[0].text.startswith("Internal error; reference req-untraced-1")
    assert not await Trace.objects.aexists()
    event = await AuditEvent.objects.aget(action=Action.OPERATION)
    assert (event.outcome, event.request_id) == ("success", "req-untraced-1")
    assert event.detail["operation"] == "orders_update"
    assert event.detail["arguments"]["changes"] == {"shipping": {"company": "Acme"}}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and "req-untraced-1" in r.getMessage()]
    assert errors, caplog.text


# --- The sandbox API --------------------------------------------------------------------------------


@pytest.fixture
def sandbox_api(client, acme) -> Api:
    store, key = make_store(acme)
    load(store, DemoData(folders=FOLDERS, inventory=[], orders=[]))
    return Api(client, store, key)


def test_nul_in_a_sandbox_query_string_is_a_400_not_a_500(sandbox_api):
    for params in ({"shipping_company": "A\u0000B"}, {"email\u0000": "x"}, {"source_id": "\u0000"}):
        response = sandbox_api.get("orders", **params)
        assert response.status_code == 400, (params, response.content)
        assert response.json()["status"] == "error"
        assert "NUL" in response.json()["message"]


def test_nul_in_a_sandbox_request_body_is_a_400_not_a_500(sandbox_api):
    created = sandbox_api.post("orders", order_body()).json()["order"]
    body = order_body(customer={**order_body()["customer"], "company": "A\u0000B"})
    for method, path in (("POST", "orders"), ("PUT", f"orders/{created['id']}")):
        response = sandbox_api.request(method, path, body)
        assert response.status_code == 400, (method, response.content)
        assert "NUL" in response.json()["message"]
    assert SandboxOrder.objects.filter(store=sandbox_api.store).count() == 1
    note = sandbox_api.post(f"orders/{created['id']}/order-history", {"note": "x\u0000"})
    assert note.status_code == 400


def test_nul_in_a_sandbox_url_is_a_400_not_a_500(sandbox_api):
    response = sandbox_api.get("orders/12%0034")
    assert response.status_code == 400, response.content
