"""Journey: a newcomer picks operations in the API console, creates an order from the worked example,
mistypes a value and reads what is expected next to it, and overwrites an order after confirming in
the page; the same confirmation works with JavaScript off."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import signed_in_owner

pytestmark = pytest.mark.e2e


def pick(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Operations").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()


def result(page: Page):
    return page.locator("#console-result")


def test_picking_an_operation_moves_focus_and_the_highlight(page, server):
    signed_in_owner(page, server, "console-focus")
    page.goto("/console/")
    operations = page.get_by_role("navigation", name="Operations")

    pick(page, "orders_get")
    expect(page.locator("#id_order_id")).to_be_focused()
    expect(operations.locator("[aria-current=page]")).to_have_text("orders_get")

    pick(page, "orders_list")
    expect(operations.locator("[aria-current=page]")).to_have_count(1)
    expect(operations.locator("[aria-current=page]")).to_have_text("orders_list")
    expect(page.locator("#console-form :focus")).to_have_count(1)  # the store, its first field
    # The filters are folded, so the Run button is in view without scrolling.
    expect(page.get_by_label("search_start_date", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Run orders_list")).to_be_in_viewport()
    # Markdown in the description is rendered, and the sandbox is the preselected store.
    expect(page.locator(".console-description code").first).to_be_visible()
    expect(page.get_by_label("store", exact=True)).to_have_value(re.compile(r".+"))


def test_a_newcomer_creates_an_order_from_the_example(page, server):
    signed_in_owner(page, server, "console-example")
    page.goto("/console/")
    pick(page, "orders_create")
    page.get_by_role("link", name="Use the example").click()
    expect(page.locator("#id_order_data")).to_contain_text('"first_name": "Maya"')

    # A mistyped key is reported on its input, in words, and marked invalid for assistive technology.
    page.get_by_text("More options").click()
    page.get_by_label("idempotency_key", exact=True).fill("my key!!")
    page.get_by_role("button", name="Run orders_create").click()
    errors = page.locator("#console-errors-idempotency_key")
    expect(errors).to_have_text("8 to 100 characters of letters, digits and . _ : -.")
    key = page.get_by_label("idempotency_key", exact=True)
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(key).to_have_attribute("aria-describedby", re.compile(r"\bconsole-errors-idempotency_key\b"))
    expect(page.locator("#console-form")).not_to_contain_text("Invalid arguments")

    key.fill("")
    page.get_by_role("button", name="Run orders_create").click()
    expect(result(page).get_by_role("heading", name="Result")).to_contain_text("ok")
    expect(key).not_to_have_attribute("aria-invalid", "true")
    created = json.loads(result(page).locator("pre").inner_text())
    assert created["email"] == "maya.chen@example.com" and len(created["order_items"]) == 2


def test_an_overwrite_asks_in_the_page_naming_the_order_and_store(page, server):
    signed_in_owner(page, server, "console-confirm")
    page.goto("/console/orders_list/")
    page.get_by_label("limit", exact=True).fill("1")
    page.get_by_role("button", name="Run orders_list").click()
    order_id = str(json.loads(result(page).locator("pre").inner_text())["orders"][0]["id"])

    pick(page, "orders_update")
    page.get_by_role("link", name="Use the example").click()
    expect(page.locator("#id_changes")).to_contain_text("88 Market Street")
    page.locator("#id_order_id").fill(order_id)
    page.get_by_role("button", name="Run orders_update").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text(f"Overwrite order {order_id} in the store Sandbox")
    expect(question.get_by_role("button", name="Yes, overwrite")).to_be_focused()

    question.get_by_role("button", name="Cancel").click()  # back to the form, nothing ran
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.locator("#id_order_id")).to_have_value(order_id)
    expect(result(page).get_by_role("heading", name="Result")).to_have_count(0)

    page.get_by_role("button", name="Run orders_update").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Yes, overwrite").click()
    expect(result(page).get_by_role("heading", name="Result")).to_contain_text("ok")
    assert json.loads(result(page).locator("pre").inner_text())["shipping"]["address1"] == "88 Market Street"
    expect(page.get_by_role("button", name="Run orders_update")).to_be_visible()  # ready for the next run


def test_the_confirmation_works_without_javascript(new_context, server):
    page = new_context(java_script_enabled=False).new_page()
    signed_in_owner(page, server, "console-no-js")
    page.goto("/console/orders_list/")
    page.get_by_label("limit", exact=True).fill("1")
    page.get_by_role("button", name="Run orders_list").click()
    order_id = str(json.loads(result(page).locator("pre").inner_text())["orders"][0]["id"])

    page.goto("/console/orders_update/?example=1")
    page.locator("#id_order_id").fill(order_id)
    page.get_by_role("button", name="Run orders_update").click()
    question = page.get_by_role("alertdialog")
    expect(question).to_contain_text(f"Overwrite order {order_id} in the store Sandbox")
    question.get_by_role("button", name="Yes, overwrite").click()
    expect(result(page).get_by_role("heading", name="Result")).to_contain_text("ok")
