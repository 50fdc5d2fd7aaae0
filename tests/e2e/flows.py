"""Short user flows the journeys share (the journeys themselves check each step in detail)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def add_store(page: Page, name: str, orderdesk_store_id: str, api_key: str) -> None:
    page.goto("/stores/add/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("OrderDesk store id").fill(orderdesk_store_id)
    page.get_by_label(re.compile(r"^API key:?$")).fill(api_key)
    page.get_by_role("button", name="Add store").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def edit_store_label(page: Page, name: str, label: str) -> None:
    """On the store's detail page: change its label."""
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Label").fill(label)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Store saved.")


def delete_store(page: Page) -> None:
    """On the store's detail page: delete it, confirming in place."""
    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete store").click()
    expect(page.get_by_role("heading", name="Stores", level=1)).to_be_visible()


def open_sandbox_store(page: Page) -> None:
    page.goto("/stores/")
    page.get_by_role("row").filter(has_text="Sandbox").get_by_role("link").click()
    expect(page.get_by_role("region", name="Connection")).to_be_visible()


def check_sandbox_connection(page: Page) -> None:
    open_sandbox_store(page)
    connection = page.get_by_role("region", name="Connection")
    connection.get_by_role("button", name="Test connection").click()
    expect(connection).to_contain_text("Connected")


def create_key(page: Page, name: str, scope: str = "read") -> str:
    """Create an API key on /keys/; returns the raw key shown once."""
    page.goto("/keys/")
    page.get_by_label("Name").fill(name)
    page.get_by_role("radio", name=re.compile(rf"^{scope}:")).check()
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name=f"Key “{name}” created")).to_be_visible()
    return page.locator("#new-key").inner_text().strip()


def revoke_key(page: Page, name: str) -> None:
    page.goto("/keys/")
    page.get_by_role("row").filter(has_text=name).get_by_role("link", name="Revoke…").click()
    page.get_by_role("row").filter(has_text="Agents using it are refused").get_by_role(
        "button", name="Revoke"
    ).click()
    expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("revoked")
