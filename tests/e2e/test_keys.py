"""Journey: an owner creates an API key for an agent, copies it and its client configuration from the
one page that shows it, and revokes it; the agent's next call to /mcp is refused."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import run_agent, signed_in_owner

pytestmark = pytest.mark.e2e


def test_it_shows_a_new_key_once_and_revokes_it(page, server):
    signed_in_owner(page, server, "keys")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys for agents")).to_be_visible()

    page.get_by_label("Name").fill("Support agent")
    page.get_by_role("radio", name=re.compile(r"read_write")).check()
    page.get_by_role("button", name="Create key").click()

    expect(page.get_by_role("heading", name="Key “Support agent” created")).to_be_visible()
    raw_key = page.locator("#new-key").inner_text().strip()
    assert re.fullmatch(r"odk_[A-Za-z0-9]+_[A-Za-z0-9_-]{43,}", raw_key)
    mcp_url = f"{server.url}/mcp"
    for title in ("MCP Inspector (CLI)", "Claude Code", "Claude Desktop"):
        config = page.get_by_role("heading", name=title).locator("xpath=following-sibling::pre[1]")
        expect(config).to_contain_text(mcp_url)
        expect(config).to_contain_text(f"Bearer {raw_key}")
    # The copy buttons appear once the script has run (CSP: it is a file, not inline).
    expect(page.get_by_role("button", name="Copy").first).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Support agent")
    expect(row).to_contain_text("read_write")
    expect(row).to_contain_text("active")

    # The key works for an agent until it is revoked.
    assert "orders_update" in run_agent(server, raw_key, []).tools

    page.reload()
    expect(page.get_by_role("heading", name="Create a key")).to_be_visible()
    assert raw_key not in page.content()
    assert raw_key.split("_", 2)[2] not in page.content()  # nor its secret part alone
    row = page.get_by_role("row").filter(has_text="Support agent")
    expect(row).to_contain_text("active")

    row.get_by_role("link", name="Revoke…").click()
    confirm = page.get_by_role("row").filter(has_text="Agents using it are refused")
    expect(confirm).to_contain_text("Support agent")
    confirm.get_by_role("button", name="Revoke").click()
    row = page.get_by_role("row").filter(has_text="Support agent")
    expect(row).to_contain_text("revoked")
    expect(row.get_by_role("link", name="Revoke…")).to_have_count(0)

    # The very next call is refused at the door.
    refused = httpx.post(
        f"{server.url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
        headers={"Authorization": f"Bearer {raw_key}", "Accept": "application/json, text/event-stream"},
    )
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
