"""Pages whose htmx swaps push their URL must come back whole with the browser's Back button.

The pushed URL answers an htmx request with a fragment and a normal request with the whole page; a
browser keeps the fragment in its cache under that URL unless the response varies on HX-Request, and
Back then shows a bare fragment with no layout, styles or scripts.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import signed_in_owner

pytestmark = pytest.mark.e2e


def assert_whole_page(page: Page) -> None:
    expect(page.get_by_role("navigation", name="Main")).to_be_visible(timeout=2_000)
    expect(page.locator("head link[rel=stylesheet]")).to_have_count(1)


def test_it_restores_a_console_operation_whole_on_back(page, server):
    signed_in_owner(page, server, "back-console")
    page.goto("/console/")
    page.get_by_role("navigation", name="Operations").get_by_role(
        "link", name="stores_list", exact=True
    ).click()
    expect(page).to_have_url(f"{server.url}/console/stores_list/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stores").click()
    expect(page.get_by_role("heading", name="Stores", level=1)).to_be_visible()

    page.go_back()
    expect(page.get_by_role("heading", name="stores_list", level=2)).to_be_visible()
    assert_whole_page(page)


def test_it_restores_a_filtered_audit_log_whole_on_back(page, server):
    signed_in_owner(page, server, "back-audit")
    page.goto("/audit/")
    page.get_by_label("Action").select_option("login.succeeded")
    expect(page).to_have_url(f"{server.url}/audit/?action=login.succeeded")  # empty filters left out
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stores").click()
    expect(page.get_by_role("heading", name="Stores", level=1)).to_be_visible()

    page.go_back()
    expect(page.locator("#audit-table")).to_contain_text("login.succeeded")
    assert_whole_page(page)
