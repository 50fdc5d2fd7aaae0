"""Journey: after signing in, managing stores and keys, the owner reads each of those actions in the
audit log and narrows it by action."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.flows import (
    add_store,
    check_sandbox_connection,
    create_key,
    delete_store,
    edit_store_label,
    revoke_key,
)
from tests.e2e.helpers import keep_upstream_calls_local, signed_in_owner

pytestmark = pytest.mark.e2e

ACTIONS = (
    "login.succeeded",
    "store.created",
    "store.updated",
    "store.deleted",
    "store.tested",
    "key.created",
    "key.revoked",
)


def test_it_records_every_action_and_filters_by_action(page, server):
    owner = signed_in_owner(page, server, "audited")
    keep_upstream_calls_local(page)
    add_store(page, "Audit Street", "515151", "od-e2e-audit-key-9Q7R")
    edit_store_label(page, "Audit Street", "Checked")
    delete_store(page)
    check_sandbox_connection(page)
    create_key(page, "Audited agent", scope="read_write")
    revoke_key(page, "Audited agent")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    events = page.locator("#audit-table tbody tr")
    for action in ACTIONS:
        row = events.filter(has=page.locator("code", has_text=re.compile(rf"^{re.escape(action)}$")))
        expect(row.first).to_contain_text(owner)
        expect(row.first).to_contain_text("Success")
    created = events.filter(has_text="store.created").filter(has_text="Audit Street")
    expect(created).to_contain_text("web")
    expect(created).to_contain_text("127.0.0.1")
    expect(created).to_contain_text("127.0.0.1")
    assert "od-e2e-audit-key" not in page.content()  # secrets never reach the log

    page.get_by_label("Action").select_option("store.created")
    expect(page).to_have_url(re.compile(r"/audit/\?.*action=store\.created"))
    # This store, and the sandbox store the tenant was created with.
    expect(events).to_have_count(2)
    expect(events.filter(has_text="Audit Street")).to_have_count(1)
    expect(events.filter(has_text="Sandbox")).to_have_count(1)
    expect(events.filter(has_text="store.updated")).to_have_count(0)

    page.get_by_label("Action").select_option("key.revoked")
    expect(events).to_have_count(1)
    expect(events).to_contain_text("Audited agent")

    page.get_by_label("Action").select_option("member.removed")
    expect(events).to_have_count(1)
    expect(events).to_contain_text("No events match this filter.")
