"""What agents read: tools/list bytes per kind of key, and the bytes of one whole job.

    .venv/bin/python bench/bench_agent_context.py

Starts the product on one uvicorn worker (temporary VAR_DIR and SQLite database, a seeded sandbox
store), then with the SDK client over loopback:

1. tools/list bytes (the JSON an agent's context holds) for: read_write + stores:admin, read_write,
   read, and a read_write key limited to each toolset; goal <= 25 KiB (22 KiB stretch) for the widest;
2. the bytes an agent reads for the job "last week's unshipped orders -> add shipments to two ->
   move them to Shipped -> restock the lowest SKU by 10", knowing only the server instructions and
   tools/list: instructions + tools/list + every tool result, as the client receives them. Measured
   in the default mode and, as the in-run baseline, with output schemas and structured results
   switched on (X-OrderDesk-Output-Schema: true: schemas in tools/list, every result sent twice).
   Goal <= 40 KB in the default mode.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import tempfile
import uuid

import httpx2
from _harness import environment, free_port, manage, serve
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

EMAIL = "bench@example.test"
TOOLSETS = ("orders", "order_items", "shipments", "products")
BUDGET, STRETCH, JOB_GOAL = 25 * 1024, 22 * 1024, 40_000


def size(value) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def dumped(model) -> dict:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


@contextlib.asynccontextmanager
async def connect(url: str, raw: str, structured: bool = False):
    headers = {"Authorization": f"Bearer {raw}"}
    if structured:
        headers["X-OrderDesk-Output-Schema"] = "true"
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


async def tools_list_bytes(url: str, raw: str) -> tuple[int, int]:
    async with connect(url, raw) as client:
        listed = await client.list_tools()
    return size({"tools": [dumped(tool) for tool in listed.tools]}), len(listed.tools)


class Reader:
    """An agent's inbox: every byte the client received for it, per step."""

    def __init__(self, client: Client):
        self.client, self.steps = client, []

    def read(self, step: str, value) -> None:
        self.steps.append((step, size(value)))

    async def call(self, tool: str, arguments: dict) -> dict:
        result = await self.client.call_tool(tool, arguments)
        self.read(tool, dumped(result))
        if result.is_error:
            raise SystemExit(f"{tool} failed: {result.content[0].text}")
        return json.loads(result.content[0].text)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.steps)


def rows(data: dict) -> list[dict]:
    return next((value for value in data.values() if isinstance(value, list)), [])


async def job(url: str, raw: str, structured: bool) -> Reader:
    async with connect(url, raw, structured) as client:
        agent = Reader(client)
        agent.read("instructions", client.instructions or "")
        listed = await client.list_tools()
        agent.read("tools/list", {"tools": [dumped(tool) for tool in listed.tools]})
        since = (dt.date.today() - dt.timedelta(days=7)).isoformat()
        page = await agent.call("orders_list", {"search_start_date": since, "limit": 50})
        unshipped = [row for row in rows(page) if not row.get("shipped")][:2]
        if len(unshipped) < 2:
            raise SystemExit("the sandbox has fewer than two unshipped orders from last week")
        for row in unshipped:
            await agent.call(
                "shipments_add",
                {
                    "order_id": row["id"],
                    "shipment_data": {"tracking_number": f"1Z{uuid.uuid4().hex[:12]}", "carrier_code": "UPS"},
                    "idempotency_key": f"bench-{uuid.uuid4().hex}",
                },
            )
        await agent.call("orders_move", {"order_ids": [row["id"] for row in unshipped], "folder": "Shipped"})
        low = rows(await agent.call("products_low_stock", {"limit": 1}))
        if not low:
            raise SystemExit("the sandbox has no low-stock item")
        await agent.call("products_update", {"product_id": low[0]["id"], "changes": {"stock_delta": 10}})
    return agent


async def run(url: str, keys: dict[str, str]) -> None:
    print("tools/list bytes per key kind:")
    for kind, raw in keys.items():
        nbytes, count = await tools_list_bytes(url, raw)
        print(f"  {kind:<28} {nbytes:>7} bytes  {count:>2} tools")
    widest = (await tools_list_bytes(url, keys["read_write + stores:admin"]))[0]
    print(
        f"widest key: {widest} bytes (budget {BUDGET}, stretch {STRETCH}): "
        f"{'ok' if widest <= BUDGET else 'OVER'}"
    )
    print()
    baseline = await job(url, keys["read_write"], structured=True)
    default = await job(url, keys["read_write"], structured=False)
    print("job bytes (default | with output schemas and structured results):")
    for (step, nbytes), (_, nbytes_structured) in zip(default.steps, baseline.steps, strict=True):
        print(f"  {step:<20} {nbytes:>7} | {nbytes_structured:>7}")
    print(
        f"  {'total':<20} {default.total:>7} | {baseline.total:>7}   "
        f"default/structured {default.total / baseline.total:.0%}; goal <= {JOB_GOAL}: "
        f"{'ok' if default.total <= JOB_GOAL else 'OVER'}"
    )


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-context-") as tmp:
        env = environment(tmp, port, MCP_TOOL_CALLS_PER_MINUTE="1000000")
        print(f"setting up in {tmp} (port {port}) ...")
        manage(env, "migrate", "--noinput")
        manage(env, "create_tenant", "--email", EMAIL)

        def key(name: str, *options: str) -> str:
            return manage(env, "create_api_key", "--email", EMAIL, "--name", name, *options)

        keys = {
            "read_write + stores:admin": key("admin", "--scope", "read_write", "--admin"),
            "read_write": key("rw", "--scope", "read_write"),
            "read": key("read", "--scope", "read"),
        }
        for toolset in TOOLSETS:
            keys[f"read_write, {toolset} only"] = key(toolset, "--scope", "read_write", "--toolsets", toolset)
        with serve(env, port):
            asyncio.run(run(f"http://127.0.0.1:{port}/mcp", keys))


if __name__ == "__main__":
    main()
