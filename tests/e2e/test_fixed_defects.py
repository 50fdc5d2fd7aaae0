"""Defects an operator met in the browser, each checked the way they met it: the dashboard's key button,
a double-clicked Run in the console, and the sandbox page's labels."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.flows import open_sandbox_store
from tests.e2e.helpers import sandbox_store_ids, signed_in_owner

pytestmark = pytest.mark.e2e

RUN = re.compile(r"^Run")


def test_the_dashboards_create_an_api_key_button_opens_the_key_form(page, server):
    signed_in_owner(page, server, "dash-key")
    page.goto("/")
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Create an API key").click()
    assert navigation.value is not None and navigation.value.status == 200
    expect(page.get_by_role("heading", name="Create a key")).to_be_visible()
    expect(page.get_by_label("Name")).to_be_editable()


def sandbox_order_count(page: Page, sandbox_id: str) -> int:
    page.goto(f"/sandbox/{sandbox_id}/")
    text = page.locator("#sandbox-credentials").inner_text()
    return int(re.search(r"(\d+) orders", text).group(1))


def test_a_double_clicked_run_creates_one_order(page, server):
    signed_in_owner(page, server, "double-run")
    (sandbox_id,) = sandbox_store_ids(page)
    before = sandbox_order_count(page, sandbox_id)

    page.goto("/console/orders_create/")
    order = {
        "email": "twice@example.com",
        "shipping": {"first_name": "Ada", "last_name": "Lovelace"},
        "order_items": [{"name": "Mug", "price": 5, "quantity": 1}],
    }
    page.locator("[name=order_data]").fill(json.dumps(order))
    page.get_by_role("button", name=RUN).dblclick()
    result = page.locator("#console-result")
    expect(result).to_contain_text("twice@example.com")
    expect(page.get_by_role("button", name=RUN)).to_be_enabled()  # ready for a deliberate second run

    assert sandbox_order_count(page, sandbox_id) == before + 1


def test_the_sandbox_pages_seed_labels_focus_their_own_inputs(page, server):
    signed_in_owner(page, server, "seed-labels")
    open_sandbox_store(page)
    (sandbox_id,) = sandbox_store_ids(page)
    page.goto(f"/sandbox/{sandbox_id}/")
    ids = page.eval_on_selector_all("[id]", "nodes => nodes.map(n => n.id)")
    assert len(ids) == len(set(ids)), "every id on the page is unique"
    for section in ("#sandbox-seed", "#sandbox-faults"):
        for label in page.locator(f"{section} label[for]").all():
            target = label.get_attribute("for")
            if not page.locator(f"#{target}").is_visible() or page.locator(f"#{target}").is_disabled():
                continue
            label.click()
            focused = page.evaluate("() => document.activeElement.id")
            assert focused == target, f"the label {label.inner_text()!r} focuses #{focused}, not #{target}"
            assert page.locator(section).locator(f"#{target}").count() == 1
