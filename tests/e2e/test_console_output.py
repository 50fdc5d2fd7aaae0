"""Journeys: an operator reads a console result as a table beside its raw JSON, copies it, copies the
call as curl, pages on with "Next page", and runs an earlier call again from the run history; with
JavaScript off the same result, snippets and next page still work."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sign_in, signed_in_owner, unique_email

pytestmark = pytest.mark.e2e


def raw_result(page: Page) -> dict:
    return json.loads(page.locator("#console-result pre.console-json").inner_text())


def run_orders_list(page: Page, limit: str) -> None:
    page.goto("/console/orders_list/")
    page.get_by_label("limit", exact=True).fill(limit)
    page.get_by_role("button", name="Run orders_list").click()
    expect(page.locator("#console-result").get_by_role("heading", name="Result")).to_contain_text("ok")


def test_a_result_reads_as_a_table_pages_on_and_runs_again_from_the_history(new_context, server):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    signed_in_owner(page, server, "console-output")
    run_orders_list(page, "2")
    result = page.locator("#console-result")
    first = raw_result(page)
    assert len(first["orders"]) == 2 and first["next_cursor"]

    # The orders as a table, one row per order, beside the raw JSON.
    table = result.locator(".console-table table")
    expect(table.get_by_role("columnheader", name="id", exact=True)).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody")).to_contain_text(str(first["orders"][0]["id"]))
    expect(result.get_by_text("Raw JSON")).to_be_visible()

    # Copy puts the raw JSON on the clipboard (the button appears once copy.js runs).
    result.get_by_role("button", name="Copy JSON").click()
    expect(result.get_by_role("button", name="Copied")).to_be_visible()
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == first

    # The same call as curl, with the key left to an environment variable.
    result.get_by_text("Copy as MCP request, curl or Python").click()
    curl = result.locator("#console-as-curl")
    expect(curl).to_contain_text(f"curl -sS {server.url}/mcp")
    expect(curl).to_contain_text('"Authorization: Bearer $ORDERDESK_MCP_KEY"')
    expect(curl).to_contain_text('"limit": 2')  # the store is preselected, so it is named too

    # Next page: the same operation again, from the cursor.
    result.get_by_role("button", name="Next page").click()
    expect(result.locator("#console-as-curl")).to_contain_text(first["next_cursor"])
    second = raw_result(page)
    assert not {o["id"] for o in first["orders"]} & {o["id"] for o in second["orders"]}

    # Both runs are in the history, newest first; "Run again" on the first fills its form back in.
    history = page.get_by_role("region", name="Your recent runs of orders_list")
    rows = history.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("cursor=")
    expect(rows.nth(1)).not_to_contain_text("cursor=")
    rows.nth(1).get_by_role("link", name="Run again").click()
    expect(page.get_by_text("Filled in from")).to_be_visible()
    expect(page.get_by_label("limit", exact=True)).to_have_value("2")
    expect(page.get_by_label("cursor", exact=True)).to_have_value("")

    # The console's start page lists the operator's runs of every operation.
    page.goto("/console/")
    expect(page.get_by_role("region", name="Your recent runs").locator("tbody tr")).to_have_count(2)


def test_the_result_view_works_without_javascript(new_context, server):
    page = new_context(java_script_enabled=False).new_page()
    owner = unique_email("console-no-js")
    server.create_tenant(owner)
    sign_in(page, server, owner)
    run_orders_list(page, "2")
    result = page.locator("#console-result")
    first = raw_result(page)
    expect(result.locator(".console-table tbody tr")).to_have_count(2)
    expect(result.get_by_role("button", name="Copy JSON")).to_be_hidden()  # nothing that would not work
    result.get_by_text("Copy as MCP request, curl or Python").click()  # <details> opens without script
    expect(result.locator("#console-as-python")).to_contain_text("call_tool('orders_list'")
    result.get_by_role("button", name="Next page").click()  # a plain form post
    history = page.get_by_role("region", name="Your recent runs of orders_list")
    expect(history.locator("tbody tr")).to_have_count(2)
    assert raw_result(page)["orders"][0]["id"] != first["orders"][0]["id"]
