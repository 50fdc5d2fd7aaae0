"""Progressive enhancement: with JavaScript off, signing in, adding a store (a refusal first), testing
the sandbox connection, deleting a store and creating a key all still work through plain forms."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sign_in, unique_email

pytestmark = pytest.mark.e2e


def test_it_works_without_javascript(new_context, server):
    page = new_context(java_script_enabled=False).new_page()
    owner = unique_email("no-js")
    server.create_tenant(owner)
    sign_in(page, server, owner)

    page.goto("/stores/add/")
    page.get_by_label("Name").fill("Plain Forms Shop")
    page.get_by_label("OrderDesk store id").fill("12ab")
    page.get_by_label(re.compile(r"^API key:?$")).fill("od-e2e-nojs-key-LMNO")
    page.get_by_role("button", name="Add store").click()

    store_id_row = page.locator("#store-form p").filter(has=page.get_by_label("OrderDesk store id"))
    expect(store_id_row).to_contain_text("Digits only")
    expect(page.get_by_label(re.compile(r"^API key:?$"))).to_have_value("")  # never sent back
    page.get_by_label("OrderDesk store id").fill("777001")
    page.get_by_label(re.compile(r"^API key:?$")).fill("od-e2e-nojs-key-LMNO")
    page.get_by_role("button", name="Add store").click()

    expect(page.get_by_role("heading", name="Plain Forms Shop", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Store “Plain Forms Shop” added.")
    # Without htmx nothing loads by itself: the settings wait behind a plain link.
    expect(page.get_by_role("link", name="Load the settings and folders from OrderDesk")).to_be_visible()

    page.get_by_role("link", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", name="Delete “Plain Forms Shop”?")).to_be_visible()
    page.get_by_role("button", name="Delete store").click()
    expect(page).to_have_url(f"{server.url}/stores/")
    expect(page.get_by_role("status")).to_contain_text("Store “Plain Forms Shop” deleted.")

    page.get_by_role("row").filter(has_text="Sandbox").get_by_role("link").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status")).to_contain_text("Connection test:")
    expect(page.get_by_role("region", name="Connection")).to_contain_text("Connected")

    page.goto("/keys/")
    page.get_by_label("Name").fill("Plain agent")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name="Key “Plain agent” created")).to_be_visible()
    expect(page.locator("#new-key")).to_contain_text("odk_")
    # The copy buttons need the script: without it they stay hidden and the key is plain text.
    expect(page.get_by_role("button", name="Copy")).to_have_count(0)
