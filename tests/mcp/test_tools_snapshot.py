"""Every tool's contract (name, title, description, schemas, hints), compared with a committed snapshot,
so an accidental change to what agents see fails here.

When a change is intended (a new operation, a new argument, a reworded docstring), refresh it with:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/mcp/test_tools_snapshot.py

and review the diff of tests/mcp/snapshots/tools_list.json like any other change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mcp_bridge.server import mcp_http_app
from operations.registry import REGISTRY
from tests.mcp.conftest import connect

pytestmark = pytest.mark.django_db(transaction=True)

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools_list.json"
REFRESH = "UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/mcp/test_tools_snapshot.py"


def contract(tool) -> dict:
    wire = tool.model_dump(mode="json", by_alias=True, exclude_none=True)
    keys = ("name", "title", "description", "inputSchema", "outputSchema", "annotations")
    return {key: wire[key] for key in keys if key in wire}


async def listed_contracts(raw: str, mode: str) -> list[dict]:
    async with connect(raw, mode) as client:
        tools = (await client.list_tools()).tools
    return sorted((contract(tool) for tool in tools), key=lambda c: c["name"])


async def test_it_matches_the_committed_tools_list_snapshot(acme_db, make_key, monkeypatch):
    monkeypatch.setattr(mcp_http_app.server, "registry", REGISTRY)
    current = await listed_contracts(await make_key(acme_db, scope="read_write", admin=True), "auto")
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    if not SNAPSHOT.exists():
        pytest.fail(f"No tools/list snapshot yet. Create it with: {REFRESH}")
    committed = json.loads(SNAPSHOT.read_text())
    if current != committed:
        now, before = {c["name"]: c for c in current}, {c["name"]: c for c in committed}
        changes = [f"added {n}" for n in sorted(now.keys() - before.keys())]
        changes += [f"removed {n}" for n in sorted(before.keys() - now.keys())]
        changes += [f"changed {n}" for n in sorted(now.keys() & before.keys()) if now[n] != before[n]]
        pytest.fail(
            "The tools agents see changed (" + "; ".join(changes) + "). If that is intended, refresh the "
            f"snapshot with: {REFRESH}"
        )


async def test_it_shows_the_same_tools_in_both_protocol_eras(acme_db, make_key, monkeypatch):
    monkeypatch.setattr(mcp_http_app.server, "registry", REGISTRY)
    raw = await make_key(acme_db, scope="read_write", admin=True)
    assert await listed_contracts(raw, "auto") == await listed_contracts(raw, "legacy")
