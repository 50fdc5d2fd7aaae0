"""Journey: a tenant provisioned headlessly gives an agent a key; the agent connects to /mcp with the
MCP SDK's client and reads the sandbox store; the owner then finds those calls in the trace viewer."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import run_agent, sign_in, unique_email

pytestmark = pytest.mark.e2e


def test_it_serves_an_agent_over_mcp_and_traces_its_calls(page, server):
    owner = unique_email("agent-owner")
    server.create_tenant(owner, "Agent Works")
    credentials = server.manage("sandbox_seed", "--email", owner, "--orders", "12", "--seed", "7")
    assert "ORDERDESK_STORE_ID=" in credentials
    key = server.create_api_key(owner, "Reporting agent", scope="read")
    assert key.startswith("odk_") and "\n" not in key

    agent = run_agent(server, key, [("stores_list", {}), ("orders_list", {"limit": 3})])

    assert {"stores_list", "stores_get", "orders_list", "orders_get", "products_low_stock"} <= set(
        agent.tools
    )
    assert not {"orders_update", "orders_create", "stores_register"} & set(agent.tools)  # a read key
    stores = agent.results["stores_list"]
    assert not stores.is_error
    # Without output schemas (opt-in) each result comes once, as JSON text.
    assert stores.structured_content is None
    assert [store["is_sandbox"] for store in json.loads(stores.content[0].text)["stores"]] == [True]
    orders = agent.results["orders_list"]
    assert not orders.is_error, orders.content
    page_of_orders = json.loads(orders.content[0].text)
    assert 1 <= len(page_of_orders["orders"]) <= 3
    assert page_of_orders["has_more"] is True

    sign_in(page, server, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Traces").click()
    page.get_by_label("Source").select_option(label="MCP")
    expect(page).to_have_url(re.compile(r"/traces/\?.*source=mcp"))
    rows = page.locator("#trace-rows > tr")
    expect(rows).to_have_count(2)
    for operation in ("orders_list", "stores_list"):
        row = rows.filter(has_text=operation)
        expect(row).to_contain_text("MCP")
        expect(row).to_contain_text("Reporting agent")

    rows.filter(has_text="orders_list").get_by_role("link").click()
    expect(page.get_by_role("heading", name="orders_list", level=1)).to_be_visible()
    spans = page.get_by_role("region", name="Upstream requests").locator("details")
    orders_call = spans.filter(has_text=re.compile(r"GET\s+/orders"))
    expect(orders_call).to_have_count(1)
    expect(orders_call).to_contain_text("200")
    expect(orders_call).to_contain_text("attempt 1")
    assert key not in page.content()
