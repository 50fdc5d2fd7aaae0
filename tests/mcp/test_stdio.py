"""`manage.py mcp_stdio`: a real subprocess driven by the SDK's stdio client.

stdout is copied to a file with `tee` on its way to the client, so the test can check that every
byte of it was JSON-RPC even with debug logging on.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from mcp import Client, StdioServerParameters

from api_keys.models import ApiKey
from operations.models import Trace
from tenants.audit import Action
from tenants.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")


def database_url() -> str:
    """The test database, as the subprocess must see it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def environment() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1"}


def server(raw: str, stdout_copy: Path) -> StdioServerParameters:
    command = f"{shlex.quote(sys.executable)} {shlex.quote(MANAGE)} mcp_stdio"
    return StdioServerParameters(
        command="/bin/sh",
        args=["-c", f"{command} | tee {shlex.quote(str(stdout_copy))}"],
        env={**environment(), "ORDERDESK_MCP_KEY": raw},
        cwd=str(settings.BASE_DIR),
    )


def assert_only_json_rpc(stdout_copy: Path) -> list[dict]:
    lines = stdout_copy.read_text().splitlines()
    messages = [json.loads(line) for line in lines]  # any log line or print here would fail to parse
    assert lines and all(message.get("jsonrpc") == "2.0" for message in messages)
    return messages


async def test_it_serves_the_keys_tools_over_stdio_with_only_json_rpc_on_stdout(
    acme_db, acme_store, make_key, tmp_path
):
    raw = await make_key(acme_db, scope="read")
    copy = tmp_path / "stdout.jsonl"
    async with Client(server(raw, copy), mode="legacy") as client:
        client_tools = await client.list_tools()
        result = await client.call_tool("stores_list", {})
        refused = await client.call_tool(
            "stores_register", {"name": "x", "orderdesk_store_id": "1", "api_key": "k" * 12}
        )
    names = {tool.name for tool in client_tools.tools}
    assert {"stores_list", "stores_get"} <= names and "stores_register" not in names
    assert result.structured_content is None  # output schemas are opt-in (--output-schema true)
    assert [s["name"] for s in json.loads(result.content[0].text)["stores"]] == ["Acme Main"]
    assert refused.is_error
    assert (
        refused.content[0].text
        == "stores_register is not allowed for this key: it needs a key with stores:admin."
    )
    assert_only_json_rpc(copy)
    traces = [t async for t in Trace.objects.order_by("started_at")]
    assert [(t.operation, t.source, t.actor_key_id) for t in traces] == [
        ("stores_list", "stdio", raw.split("_")[1]),
        ("stores_register", "stdio", raw.split("_")[1]),
    ]
    assert traces[0].request_id != traces[1].request_id


async def test_it_stops_serving_a_key_revoked_mid_session(acme_db, make_key, tmp_path):
    raw = await make_key(acme_db)
    async with Client(server(raw, tmp_path / "out.jsonl"), mode="legacy") as client:
        assert not (await client.call_tool("stores_list", {})).is_error
        await ApiKey.objects.filter(pk=raw.split("_")[1]).aupdate(revoked_at=timezone.now())
        refused = await client.call_tool("stores_list", {})
        listed = await client.list_tools()
    assert refused.is_error and "no longer valid" in refused.content[0].text
    assert listed.tools == []


async def test_it_exits_non_zero_with_a_message_for_a_bad_key(acme_db, make_key):
    raw = await make_key(acme_db)
    bad = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    process = subprocess.run(  # noqa: ASYNC221 - a short-lived process; the test just waits for it
        [sys.executable, MANAGE, "mcp_stdio"],
        env={**environment(), "ORDERDESK_MCP_KEY": bad},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode != 0
    assert process.stdout == ""
    assert "The API key is invalid, revoked or expired." in process.stderr
    assert bad not in process.stderr
    event = await AuditEvent.objects.aget(action=Action.KEY_AUTH_FAILED)
    assert (event.source, event.tenant_id, event.detail["reason"]) == ("stdio", acme_db.pk, "wrong secret")
