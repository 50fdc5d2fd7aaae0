"""The live tail's counters: what they say matches the rows the tail really added, and they start again
at zero on a reload or a filter change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import signed_in_owner

pytestmark = pytest.mark.e2e

WATCH_SOCKET = """() => {
  window.liveTailOpen = false;
  document.body.addEventListener("htmx:wsOpen", () => { window.liveTailOpen = true; });
}"""


def run_stores_list(page) -> None:
    page.goto("/console/stores_list/")
    page.get_by_role("button", name="Run stores_list").click()
    expect(page.locator("#console-result pre")).to_contain_text('"is_sandbox": true')


def open_tail(tail) -> None:
    tail.evaluate(WATCH_SOCKET)
    tail.get_by_label("Live: show new traces as they happen").check()
    tail.wait_for_function("() => window.liveTailOpen === true")


def test_the_live_counter_counts_the_rows_it_inserted_and_resets(context, server):
    page = context.new_page()
    signed_in_owner(page, server, "tail-counter")
    run_stores_list(page)

    tail = context.new_page()
    tail.goto("/traces/")
    expect(tail.locator("#trace-count")).to_have_text("1")
    open_tail(tail)
    expect(tail.locator("#trace-live-count")).to_have_text("No new traces yet.")

    run_stores_list(page)
    run_stores_list(page)
    expect(tail.locator("#trace-rows > tr")).to_have_count(3)
    expect(tail.locator("#trace-live-count")).to_have_text("2 new traces since this page loaded.")
    expect(tail.locator("#trace-count")).to_have_text("3")

    # A row pushed again (already on the page) is neither shown twice nor counted.
    first = tail.locator("#trace-rows > tr").first
    row_html = first.evaluate("row => row.outerHTML")
    tail.evaluate(
        "html => document.getElementById('trace-rows').insertAdjacentHTML('afterbegin', html)", row_html
    )
    expect(tail.locator("#trace-rows > tr")).to_have_count(3)
    expect(tail.locator("#trace-live-count")).to_have_text("2 new traces since this page loaded.")

    # A filter change swaps the results: the count starts again from what the server lists.
    tail.get_by_label("Outcome").select_option("ok")
    expect(tail.locator("#trace-count")).to_have_text("3")
    expect(tail.locator("#trace-live-count")).to_have_text("No new traces yet.")
    tail.wait_for_function("() => window.liveTailOpen === true")
    run_stores_list(page)
    expect(tail.locator("#trace-live-count")).to_have_text("1 new trace since this page loaded.")
    expect(tail.locator("#trace-count")).to_have_text("4")
