"""Journey: an owner tries operations in the API console against the sandbox, watches them arrive
live in the trace viewer, opens a trace with its upstream requests and diff, and replays it."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import signed_in_owner

pytestmark = pytest.mark.e2e

SANDBOX = "Sandbox"
WATCH_SOCKET = """() => {
  window.liveTailOpen = false;
  document.body.addEventListener("htmx:wsOpen", () => { window.liveTailOpen = true; });
}"""


def run(page, name: str, *, confirm: bool = False) -> None:
    page.get_by_role("button", name=f"Run {name}").click()
    if confirm:  # destructive operations (updates overwrite) ask in the page first: the operator confirms
        question = page.get_by_role("alertdialog")
        expect(question).to_contain_text(f"in the store {SANDBOX}")
        question.get_by_role("button", name="Yes, overwrite").click()


def test_it_runs_operations_and_tails_their_traces_live(context, server):
    page = context.new_page()
    signed_in_owner(page, server, "console")
    expect(page.get_by_role("heading", name="Nothing has run yet")).to_be_visible()

    page.get_by_role("link", name="Open the console").click()
    page.get_by_role("link", name="stores_list").click()
    expect(page).to_have_url(f"{server.url}/console/stores_list/")  # swapped by htmx, URL pushed
    run(page, "stores_list")
    expect(page.locator("#console-result pre")).to_contain_text('"is_sandbox": true')
    expect(page.locator("#console-result")).to_contain_text("0 upstream calls")

    tail = context.new_page()
    tail.goto("/traces/")
    expect(tail.locator("#trace-rows > tr")).to_have_count(1)
    tail.evaluate(WATCH_SOCKET)
    tail.get_by_label("Live: show new traces as they happen").check()
    tail.wait_for_function("() => window.liveTailOpen === true")

    page.get_by_role("link", name="products_list").click()
    page.get_by_label("limit").fill("2")
    run(page, "products_list")
    expect(page.locator("#console-result pre")).to_contain_text('"products"')
    expect(page.locator("#console-result")).to_contain_text("1 upstream call ")

    # The pushed row lands as a real table row at the top of the list.
    expect(tail.locator("#trace-rows > tr")).to_have_count(2)
    expect(tail.locator("#trace-rows > tr").first).to_contain_text("products_list")
    expect(tail.locator("#trace-rows > tr").first).to_contain_text("Console")

    products = json.loads(page.locator("#console-result pre").inner_text())["products"]
    product = products[0]

    # A batch that reports progress runs in the background; its result arrives through the poll.
    page.get_by_role("link", name="products_update_batch").click()
    updates = [{"product_id": product["id"], "changes": {"stock": product["stock"] + 5}}]
    page.get_by_label("updates").fill(json.dumps(updates))
    with page.expect_response(lambda response: "/console/runs/" in response.url):
        run(page, "products_update_batch", confirm=True)
    expect(page.locator("#console-result pre")).to_contain_text('"updated"')
    expect(tail.locator("#trace-rows > tr").first).to_contain_text("products_update_batch")

    # A bad JSON value is reported on its field, and nothing runs.
    page.get_by_label("updates").fill("[{")
    run(page, "products_update_batch")
    expect(page.locator("#console-errors-updates")).to_contain_text("not valid JSON")
    expect(tail.locator("#trace-rows > tr")).to_have_count(3)

    tail.locator("#trace-rows > tr").first.get_by_role("link").click()
    expect(tail.get_by_role("heading", name="products_update_batch")).to_be_visible()
    expect(tail.locator("details").first).to_contain_text("GET")
    tail.get_by_role("link", name="Open in console").click()
    expect(tail.locator("#console-form")).to_contain_text("Filled in from")
    expect(tail.get_by_label("updates")).to_contain_text(str(product["id"]))
