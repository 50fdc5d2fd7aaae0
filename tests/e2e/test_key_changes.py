"""Journey: an owner narrows a key to read, then rotates it; the agent feels each change on its next call."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.flows import create_key
from tests.e2e.helpers import run_agent, signed_in_owner

pytestmark = pytest.mark.e2e


def status_of(server, raw_key: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {
        "Authorization": f"Bearer {raw_key}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-06-18",
    }
    return httpx.post(f"{server.url}/mcp", json=body, headers=headers, timeout=30).status_code


def test_it_edits_and_rotates_a_key(page, server):
    signed_in_owner(page, server, "key-changes")
    old_key = create_key(page, "Support agent", scope="read_write")
    assert "orders_update" in run_agent(server, old_key, []).tools

    page.goto("/keys/")
    page.get_by_role("row").filter(has_text="Support agent").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name=re.compile("Edit “Support agent”"))).to_be_visible()
    page.get_by_role("radio", name=re.compile(r"^read:")).check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("The change counts from its next call")
    assert "orders_update" not in run_agent(server, old_key, []).tools  # the same key, now read only

    page.get_by_role("row").filter(has_text="Support agent").get_by_role("link", name="Rotate…").click()
    page.get_by_role("radio", name="At once").check()
    page.get_by_role("button", name="Rotate key").click()
    expect(page.get_by_role("heading", name="Key “Support agent” rotated")).to_be_visible()
    new_key = page.locator("#new-key").inner_text().strip()
    assert new_key != old_key
    assert status_of(server, old_key) == 401
    assert "orders_list" in run_agent(server, new_key, []).tools

    page.reload()
    assert new_key.split("_", 2)[2] not in page.content()
    expect(page.get_by_role("row").filter(has_text="replaced by")).to_contain_text("revoked")
