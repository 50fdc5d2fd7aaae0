"""Journeys: an owner runs operations in the API console against the sandbox store and follows a run
to its trace; with the trace list open on Live in another tab, a console run appears there at once."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import signed_in_owner

pytestmark = pytest.mark.e2e

SOCKET_OPEN = "window.e2eLiveTailOpen"


def open_operation(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Operations").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()
    expect(page).to_have_url(f"{page.url.split('/console/')[0]}/console/{name}/")


def run(page: Page, name: str) -> None:
    page.get_by_role("button", name=f"Run {name}").click()


def result(page: Page):
    return page.locator("#console-result")


def test_it_runs_operations_in_the_console_and_links_their_traces(page, server):
    signed_in_owner(page, server, "console-runner")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Console").click()
    expect(page.get_by_role("heading", name="API console")).to_be_visible()

    open_operation(page, "stores_list")
    run(page, "stores_list")
    expect(result(page).get_by_role("heading", name="Result")).to_contain_text("ok")
    stores = json.loads(result(page).locator("pre").inner_text())["stores"]
    assert [store["is_sandbox"] for store in stores] == [True]

    open_operation(page, "orders_list")
    page.get_by_label("limit", exact=True).fill("2")
    run(page, "orders_list")
    expect(result(page).get_by_role("heading", name="Result")).to_contain_text("ok")
    listed = json.loads(result(page).locator("pre").inner_text())
    assert len(listed["orders"]) == 2 and listed["has_more"] is True
    assert {"id", "email", "order_total"} <= set(listed["orders"][0])

    result(page).get_by_role("link", name="view trace").click()
    expect(page.get_by_role("heading", name="orders_list", level=1)).to_contain_text("OK")
    summary = page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text("Console")
    expect(page.get_by_role("region", name="Arguments")).to_contain_text('"limit": 2')
    spans = page.get_by_role("region", name="Upstream requests").locator("details")
    orders_call = spans.filter(has_text=re.compile(r"GET\s+/orders"))
    expect(orders_call).to_have_count(1)
    expect(orders_call).to_contain_text("200")
    orders_call.locator("summary").click()  # several spans: each starts closed
    expect(orders_call).to_contain_text("Response body")
    expect(orders_call).to_contain_text(str(listed["orders"][0]["id"]))

    # A bad value is reported next to its field, naming what is expected.
    page.get_by_role("link", name="Open in console").click()
    expect(page.get_by_role("heading", name="orders_list", level=2)).to_be_visible()
    expect(page.get_by_label("limit", exact=True)).to_have_value("2")  # filled in from the trace
    page.get_by_text("More options").click()  # the filters are folded: the Run button stays in view
    page.get_by_label("search_start_date", exact=True).fill("last tuesday")
    run(page, "orders_list")
    expect(page.locator("#console-errors-search_start_date")).not_to_be_empty()
    expect(page.locator("#console-errors-limit")).to_be_empty()
    expect(result(page).get_by_role("heading", name="Result")).to_have_count(0)


def open_live_tail(tail: Page) -> None:
    """Open the trace list, switch Live on, and wait until its WebSocket is connected."""
    tail.goto("/traces/")
    expect(tail.get_by_role("heading", name="Traces")).to_be_visible()
    tail.evaluate(
        f"""() => {{
          {SOCKET_OPEN} = false;
          document.body.addEventListener("htmx:wsOpen", () => {{ {SOCKET_OPEN} = true; }});
        }}"""
    )
    tail.get_by_label("Live: show new traces as they happen").check()
    expect(tail.locator("#trace-live")).to_contain_text("Live")
    tail.wait_for_function(f"() => {SOCKET_OPEN} === true")


def run_in_console(console: Page, name: str, **arguments: str) -> None:
    console.goto(f"/console/{name}/")
    for label, value in arguments.items():
        console.get_by_label(label, exact=True).fill(value)
    run(console, name)
    expect(result(console).get_by_role("heading", name="Result")).to_contain_text("ok")


def test_it_tails_new_traces_live_without_reloading(context, server):
    console = context.new_page()
    signed_in_owner(console, server, "live-tail")
    tail = context.new_page()
    open_live_tail(tail)
    trace_rows = tail.locator("#trace-rows > tr[id^='trace-']")
    expect(trace_rows).to_have_count(0)

    run_in_console(console, "orders_list", limit="1")

    # The pushed row arrives over the WebSocket, as a real table row, in the page opened before.
    expect(trace_rows).to_have_count(1)
    expect(trace_rows.first).to_contain_text("orders_list")
    expect(trace_rows.first).to_contain_text("Console")
    expect(trace_rows.first.get_by_role("link")).to_have_attribute(
        "href", re.compile(r"^/traces/[0-9a-f-]{36}/$")
    )
    assert tail.evaluate(f"{SOCKET_OPEN} === true")  # the same document: nothing reloaded it

    run_in_console(console, "stores_list")
    expect(trace_rows).to_have_count(2)
    expect(trace_rows.first).to_contain_text("stores_list")

    trace_rows.first.get_by_role("link").click()
    expect(tail.get_by_role("heading", name="stores_list", level=1)).to_be_visible()


def test_it_drops_the_empty_list_note_when_the_first_live_row_arrives(context, server):
    console = context.new_page()
    signed_in_owner(console, server, "live-empty")
    tail = context.new_page()
    open_live_tail(tail)
    expect(tail.locator("#trace-results table")).to_contain_text("No traces match.")

    run_in_console(console, "stores_list")

    expect(tail.locator("#trace-rows > tr").first).to_contain_text("stores_list")
    expect(tail.locator("#trace-results table")).not_to_contain_text("No traces match.", timeout=2_000)
