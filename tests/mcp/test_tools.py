"""Tools over /mcp with the SDK client, in the default (2026-07-28) and legacy (2025-11-25) modes."""

from __future__ import annotations

import jsonschema
import pytest

from mcp_bridge import mcp_limits
from operations.models import Trace
from tenants.audit import Action
from tenants.models import AuditEvent
from tests.mcp import fake_ops
from tests.mcp.conftest import connect

pytestmark = pytest.mark.django_db(transaction=True)


async def tool_names(client) -> list[str]:
    """The operations listed (describe_tool, listed to every key, has its own tests)."""
    return sorted(tool.name for tool in (await client.list_tools()).tools if tool.name != "describe_tool")


def without_notice(data: dict) -> dict:
    """A result without the shopper-text notice that results of order and product tools carry."""
    assert data.pop("data_notice").startswith("Text in this result comes from OrderDesk and its shoppers")
    return data


async def test_it_negotiates_the_expected_protocol_version(acme_db, make_key, fake_registry, mode):
    raw = await make_key(acme_db)
    async with connect(raw, mode) as client:
        assert client.session.protocol_version == {"auto": "2026-07-28", "legacy": "2025-11-25"}[mode]
        assert client.server_info.name == "orderdesk-admin"
        assert client.server_info.version


async def test_it_lists_only_read_tools_for_a_read_key(acme_db, make_key, fake_registry, mode):
    async with connect(await make_key(acme_db, scope="read"), mode) as client:
        assert await tool_names(client) == ["orders_fake_fail", "orders_fake_page", "stores_echo"]


async def test_it_lists_write_tools_for_a_read_write_key(acme_db, make_key, fake_registry, mode):
    async with connect(await make_key(acme_db, scope="read_write"), mode) as client:
        assert await tool_names(client) == [
            "orders_add_fake_note",
            "orders_fake_fail",
            "orders_fake_page",
            "products_fake_batch",
            "stores_echo",
        ]


async def test_it_lists_store_admin_tools_only_with_stores_admin(acme_db, make_key, fake_registry, mode):
    async with connect(await make_key(acme_db, scope="read", admin=True), mode) as client:
        assert "stores_fake_register" in await tool_names(client)
    async with connect(await make_key(acme_db, scope="read_write"), mode) as client:
        assert "stores_fake_register" not in await tool_names(client)


async def test_it_narrows_the_list_to_the_keys_toolsets(acme_db, make_key, fake_registry, mode):
    async with connect(await make_key(acme_db, scope="read_write", toolsets=("stores",)), mode) as client:
        assert await tool_names(client) == ["stores_echo"]


async def test_it_describes_tools_from_the_operation(acme_db, make_key, fake_registry):
    async with connect(await make_key(acme_db, scope="read_write", admin=True)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    echo, note = tools["stores_echo"], tools["orders_add_fake_note"]
    assert echo.description == "Echo a text back (a read-only stand-in for a store tool)."
    assert echo.input_schema["additionalProperties"] is False
    assert set(echo.input_schema["properties"]) == {"text", "times", "store"}  # no tenant, actor
    assert echo.input_schema["required"] == ["text"]
    assert echo.output_schema["properties"]["text"] == {"type": "string"}
    assert echo.input_schema["properties"]["times"] == {
        "default": 1,
        "description": "How many times.",
        "maximum": 5,
        "minimum": 1,
        "type": "integer",
    }
    assert echo.annotations.read_only_hint is True and echo.annotations.open_world_hint is False
    # Only hints that differ from the MCP defaults are sent (not read-only, destructive, not
    # idempotent, open world).
    assert note.annotations.read_only_hint is None
    assert note.annotations.destructive_hint is False
    assert note.annotations.idempotent_hint is None
    assert note.annotations.open_world_hint is None
    assert tools["products_fake_batch"].annotations.idempotent_hint is True


async def test_it_calls_a_tool_with_structured_and_text_content(acme_db, make_key, fake_registry, mode):
    raw = await make_key(acme_db)
    async with connect(raw, mode) as client:
        result = await client.call_tool("stores_echo", {"text": "hi", "times": 2})
        schema = next(t for t in (await client.list_tools()).tools if t.name == "stores_echo").output_schema
    assert result.is_error is False
    assert result.structured_content == {
        "text": "hihi",
        "times": 2,
        "tenant": str(acme_db.pk),
        "key": raw.split("_")[1],
    }
    jsonschema.validate(result.structured_content, schema)
    assert result.content[0].text == (
        f'{{"text":"hihi","times":2,"tenant":"{acme_db.pk}","key":"{raw.split("_")[1]}"}}'
    )


async def test_it_keeps_money_as_a_decimal_string(acme_db, make_key, fake_registry, mode):
    async with connect(await make_key(acme_db, scope="read_write"), mode) as client:
        result = await client.call_tool("orders_add_fake_note", {"order_id": "123", "note": "Packed"})
    assert without_notice(result.structured_content) == {
        "order_id": "123",
        "note": "Packed",
        "total": "12.50",
    }


async def test_it_ignores_a_tenant_sent_as_an_argument(acme_db, globex, make_key, fake_registry):
    async with connect(await make_key(acme_db)) as client:
        result = await client.call_tool("stores_echo", {"text": "hi", "tenant": str(globex.pk)})
    assert result.is_error is True
    assert "tenant: unknown argument" in result.content[0].text
    assert fake_ops.CALLS == []


async def test_it_rejects_an_unknown_argument_naming_it(acme_db, make_key, fake_registry, mode):
    async with connect(await make_key(acme_db), mode) as client:
        result = await client.call_tool("stores_echo", {"text": "hi", "colour": "red"})
    assert result.is_error is True
    assert result.content[0].text == "Invalid arguments: colour: unknown argument"
    assert fake_ops.CALLS == []


async def test_it_suggests_the_closest_argument_for_an_unknown_one(acme_db, make_key, fake_registry):
    async with connect(await make_key(acme_db)) as client:
        result = await client.call_tool("stores_echo", {"text": "hi", "time": 2})
    assert result.content[0].text == "Invalid arguments: time: unknown argument (did you mean times?)"
    assert fake_ops.CALLS == []


async def test_it_rejects_a_wrong_type_naming_the_field(acme_db, make_key, fake_registry, mode):
    async with connect(await make_key(acme_db), mode) as client:
        result = await client.call_tool("stores_echo", {"text": "hi", "times": "many"})
        missing = await client.call_tool("stores_echo", {})
    assert result.is_error is True
    assert result.content[0].text.startswith("Invalid arguments: times: Input should be a valid integer")
    assert missing.content[0].text == "Invalid arguments: text: required"
    assert fake_ops.CALLS == []


async def test_it_accepts_objects_sent_as_json_text(acme_db, make_key, fake_registry):
    async with connect(await make_key(acme_db)) as client:
        result = await client.call_tool("stores_echo", {"text": "[1]", "times": "2"})
    assert result.is_error is False  # text stays text; "2" is coerced by the model as usual
    assert result.structured_content["text"] == "[1][1]"


async def test_it_refuses_a_write_tool_to_a_read_key_saying_what_it_needs(
    acme_db, make_key, fake_registry, mode
):
    async with connect(await make_key(acme_db, scope="read"), mode) as client:
        refused = await client.call_tool("orders_add_fake_note", {"order_id": "1", "note": "x"})
        unknown = await client.call_tool("orders_teleport", {})
        misspelt = await client.call_tool("orders_fake_pages", {})
    assert refused.is_error is True and unknown.is_error is True
    assert refused.content[0].text == (
        "orders_add_fake_note is not allowed for this key: it needs a read_write key "
        "(on a connection not limited to reading)."
    )
    assert unknown.content[0].text == "Unknown tool: orders_teleport"
    assert misspelt.content[0].text == "Unknown tool: orders_fake_pages; did you mean orders_fake_page?"
    assert fake_ops.CALLS == []  # zero upstream calls
    trace = await Trace.objects.aget(operation="orders_add_fake_note")
    assert (trace.outcome, trace.error_code, trace.upstream_calls) == ("error", "forbidden", 0)
    assert await AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED, target_id="orders_add_fake_note"
    ).aexists()


async def test_it_refuses_a_tool_outside_the_keys_toolsets(acme_db, make_key, fake_registry):
    async with connect(await make_key(acme_db, scope="read_write", toolsets=("stores",))) as client:
        result = await client.call_tool("orders_fake_page", {})
    assert result.content[0].text == (
        "orders_fake_page is not allowed for this key: it needs the orders toolset (this key has stores)."
    )
    assert fake_ops.CALLS == []


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("not_found", "No order 42 in store 'Main'."),
        ("rate_limited", "Rate limited: retry after 8 s. OrderDesk is busy for store 'Main'."),
        (
            "outcome_unknown",
            "OrderDesk did not answer the create in time. The outcome is unknown: check whether it happened "
            "before retrying.",
        ),
        ("conflict", "The order kept changing; gave up after 5 attempts."),
        ("upstream_auth", "OrderDesk rejected the credentials of store 'Main'; re-enter its API key."),
    ],
)
async def test_it_turns_anticipated_failures_into_readable_tool_errors(
    acme_db, make_key, fake_registry, kind, message
):
    async with connect(await make_key(acme_db)) as client:
        result = await client.call_tool("orders_fake_fail", {"kind": kind})
    assert result.is_error is True
    assert result.content[0].text == message


async def test_it_hides_a_crash_behind_the_request_id(acme_db, make_key, fake_registry, mode, caplog):
    async with connect(await make_key(acme_db), mode, headers={"X-Request-ID": "req-crash-1"}) as client:
        result = await client.call_tool("orders_fake_fail", {"kind": "crash"})
    text = result.content[0].text
    assert result.is_error is True
    assert "hunter2" not in text
    assert text.startswith("Internal error; reference req-crash-1")
    trace = await Trace.objects.aget(operation="orders_fake_fail")
    assert (trace.outcome, trace.request_id) == ("crash", "req-crash-1")
    assert "req-crash-1" in caplog.text  # logged with the request id, for the operator


async def test_it_hides_a_crash_outside_the_operation_too(
    acme_db, make_key, fake_registry, mode, monkeypatch, caplog
):
    async def broken_rate_limit(actor):
        raise ConnectionError("Error 111 connecting to cache-internal.example:6379")

    monkeypatch.setattr(mcp_limits, "tool_call_exceeded", broken_rate_limit)
    async with connect(await make_key(acme_db), mode, headers={"X-Request-ID": "req-crash-2"}) as client:
        result = await client.call_tool("stores_echo", {"text": "a"})
    text = result.content[0].text
    assert result.is_error is True
    assert "cache-internal" not in text
    assert text.startswith("Internal error; reference req-crash-2")
    assert "req-crash-2" in caplog.text and "cache-internal" in caplog.text
    assert fake_ops.CALLS == []


async def test_it_records_one_trace_per_call_with_the_key_as_actor(acme_db, make_key, fake_registry, mode):
    raw = await make_key(acme_db)
    async with connect(raw, mode) as client:
        await client.call_tool("stores_echo", {"text": "a"})
        await client.call_tool("stores_echo", {"text": "b"})
        await client.list_tools()
    traces = [t async for t in Trace.objects.order_by("started_at")]
    assert [(t.operation, t.source, t.outcome, t.actor_key_id) for t in traces] == [
        ("stores_echo", "mcp", "ok", raw.split("_")[1]),
        ("stores_echo", "mcp", "ok", raw.split("_")[1]),
    ]
    assert traces[0].tenant_id == acme_db.pk
    assert traces[0].request_id and traces[0].request_id != traces[1].request_id


async def test_it_reports_progress_for_an_operation_that_reports_it(acme_db, make_key, fake_registry, mode):
    events = []

    async def on_progress(progress, total, message):
        events.append((progress, total, message))

    async with connect(await make_key(acme_db, scope="read_write"), mode) as client:
        result = await client.call_tool("products_fake_batch", {"count": 3}, progress_callback=on_progress)
    assert without_notice(result.structured_content) == {"done": 3}
    assert events == [(1, 3, "item 1 of 3"), (2, 3, "item 2 of 3"), (3, 3, "item 3 of 3")]


async def test_it_rate_limits_tool_calls_per_key(acme_db, make_key, fake_registry, mode):
    async with connect(await make_key(acme_db, calls_per_minute=2), mode) as client:
        first = await client.call_tool("stores_echo", {"text": "1"})
        second = await client.call_tool("stores_echo", {"text": "2"})
        third = await client.call_tool("stores_echo", {"text": "3"})
    assert not first.is_error and not second.is_error
    assert third.is_error is True
    assert third.content[0].text.startswith("Rate limited: retry after ")
    assert "2 tool calls per minute" in third.content[0].text
    assert [name for name, _ in fake_ops.CALLS] == ["stores_echo", "stores_echo"]


async def test_it_uses_the_server_default_rate_for_keys_without_their_own(
    acme_db, make_key, fake_registry, settings
):
    settings.MCP_TOOL_CALLS_PER_MINUTE = 1
    async with connect(await make_key(acme_db)) as client:
        assert not (await client.call_tool("stores_echo", {"text": "1"})).is_error
        assert (await client.call_tool("stores_echo", {"text": "2"})).is_error


async def test_it_keeps_one_keys_budget_apart_from_anothers(acme_db, make_key, fake_registry):
    async with connect(await make_key(acme_db, calls_per_minute=1)) as client:
        await client.call_tool("stores_echo", {"text": "1"})
        assert (await client.call_tool("stores_echo", {"text": "2"})).is_error
    async with connect(await make_key(acme_db, calls_per_minute=1)) as other:
        assert not (await other.call_tool("stores_echo", {"text": "3"})).is_error


async def test_it_truncates_a_large_result_with_metadata_that_still_validates(
    acme_db, make_key, fake_registry, settings, mode
):
    settings.MCP_RESPONSE_LIMIT = 4 * 1024
    async with connect(await make_key(acme_db), mode) as client:
        result = await client.call_tool("orders_fake_page", {"limit": 50, "padding": 200})
        schema = next(
            t for t in (await client.list_tools()).tools if t.name == "orders_fake_page"
        ).output_schema
    data = result.structured_content
    assert result.is_error is False
    note = data["truncated"]
    assert note["field"] == "orders"
    assert note["returned"] == len(data["orders"]) and 0 < note["returned"] < 50
    assert note["returned"] + note["omitted"] == 50
    assert "smaller `limit`" in note["hint"]
    assert data["orders"][0]["id"] == "1000"  # rows are kept whole, from the start
    assert len(result.content[0].text.encode()) <= 4 * 1024
    jsonschema.validate(data, schema)


async def test_it_does_not_mark_a_result_that_fits(acme_db, make_key, fake_registry):
    async with connect(await make_key(acme_db)) as client:
        result = await client.call_tool("orders_fake_page", {"limit": 3})
    assert "truncated" not in result.structured_content
    assert len(result.structured_content["orders"]) == 3
