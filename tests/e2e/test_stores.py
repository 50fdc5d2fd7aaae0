"""Journey: an owner adds an OrderDesk store (a refused value first), sees only the key's last four
characters, edits the label, deletes the store, and tests the sandbox store's connection, all in
place with htmx."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import keep_upstream_calls_local, signed_in_owner

pytestmark = pytest.mark.e2e

STORE_KEY = "od-e2e-7f3a9c21WXYZ"
SAME_DOCUMENT = "window.e2eSameDocument"


def mark_document(page: Page) -> None:
    """Tag the current document, to tell an htmx swap (tag kept) from a full page load (tag gone)."""
    page.evaluate(f"{SAME_DOCUMENT} = true")


def is_same_document(page: Page) -> bool:
    return page.evaluate(f"{SAME_DOCUMENT} === true")


def field(page: Page, label: str):
    """The input labelled `label` (labels end with a colon, and "API key" is part of "New API key")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def field_row(page: Page, label: str):
    """The form row holding a field, its help text and its errors."""
    return page.locator("#store-form p").filter(has=field(page, label))


def test_it_adds_edits_and_deletes_a_store_in_place(page, server):
    signed_in_owner(page, server, "stores")
    keep_upstream_calls_local(page)

    page.get_by_role("link", name="Add a store").click()
    expect(page.get_by_role("heading", name="Add an OrderDesk store")).to_be_visible()
    page.get_by_label("Name").fill("Main Street Shop")
    page.get_by_label("OrderDesk store id").fill("424242")
    mark_document(page)
    page.get_by_role("button", name="Add store").click()

    # The refusal is swapped into the form, next to the empty key, without reloading the page.
    expect(field_row(page, "API key")).to_contain_text("This field is required.")
    expect(field(page, "API key")).to_have_attribute("aria-invalid", "true")
    expect(field_row(page, "Name")).not_to_contain_text("required")
    assert is_same_document(page)
    expect(page.get_by_label("Name")).to_have_value("Main Street Shop")

    field(page, "API key").fill(STORE_KEY)
    page.get_by_role("button", name="Add store").click()

    expect(page.get_by_role("heading", name="Main Street Shop", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Store “Main Street Shop” added.")
    facts = page.get_by_role("region", name="Store")
    expect(facts.get_by_role("row", name="API key").get_by_role("cell")).to_have_text("••••WXYZ")
    expect(facts.get_by_role("row", name="Base URL")).to_contain_text("https://app.orderdesk.me/api/v2")
    expect(facts.get_by_role("row", name="OrderDesk store id")).to_contain_text("424242")
    assert STORE_KEY[:-4] not in page.content()
    expect(page.get_by_text("Not loaded: tests never call OrderDesk.")).to_be_visible()

    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit “Main Street Shop”")).to_be_visible()
    expect(field(page, "New API key")).to_have_value("")
    expect(field_row(page, "New API key")).to_contain_text("ending in WXYZ")
    assert STORE_KEY[:-4] not in page.content()
    page.get_by_label("Label").fill("Front counter")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("status")).to_contain_text("Store saved.")
    expect(facts.get_by_role("row", name="Label")).to_contain_text("Front counter")
    expect(facts.get_by_role("row", name="API key").get_by_role("cell")).to_have_text("••••WXYZ")

    mark_document(page)
    page.get_by_role("link", name="Delete", exact=True).click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Delete the store Main Street Shop")
    assert is_same_document(page)
    confirm.get_by_role("button", name="Delete store").click()

    expect(page).to_have_url(f"{server.url}/stores/")
    expect(page.get_by_role("status")).to_contain_text("Store “Main Street Shop” deleted.")
    expect(page.get_by_role("row").filter(has_text="Main Street Shop")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Sandbox")).to_have_count(1)


def test_it_tests_the_sandbox_connection_in_place(page, server):
    signed_in_owner(page, server, "connection")
    page.goto("/stores/")
    page.get_by_role("row").filter(has_text="Sandbox").get_by_role("link").click()
    connection = page.get_by_role("region", name="Connection")
    expect(connection).to_contain_text("Not tested yet.")
    # The sandbox answers the settings fragment the page loads by itself: its folders appear.
    expect(page.get_by_role("region", name="OrderDesk settings and folders")).to_contain_text("Shipped")

    mark_document(page)
    connection.get_by_role("button", name="Test connection").click()
    expect(connection).to_contain_text("Connected")
    expect(connection).to_contain_text("requests left in the rate-limit bucket")
    assert is_same_document(page)

    page.goto("/stores/")
    expect(page.get_by_role("row").filter(has_text="Sandbox")).to_contain_text("Connected")
