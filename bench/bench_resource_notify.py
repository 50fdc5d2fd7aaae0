"""Time from `stores.changes.order_changed` being sent to a subscribed MCP client's notification.

    .venv/bin/python bench/bench_resource_notify.py [--sends 50]

Sets up a temporary SQLite database with one tenant, store and key, serves the product with uvicorn in
this process, opens a 2026-07-28 `subscriptions/listen` stream for one order and sends the signal
`--sends` times (as a post-back or a write would), each time waiting for the notification. With
REDIS_URL set the signal goes through the Redis channel layer, as between processes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

from _harness import environment, free_port, manage, setup_django


async def run(sends: int, port: int) -> list[float]:
    import httpx2
    import uvicorn
    from asgiref.sync import sync_to_async
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    from mcp_bridge.resource_events import order_uri
    from orderdesk_admin.asgi import application
    from stores.changes import order_changed
    from tests.factories import ApiKeyFactory, StoreFactory, TenantFactory

    @sync_to_async
    def seed():
        tenant = TenantFactory()
        return StoreFactory(tenant=tenant, name="Bench", orderdesk_store_id="1"), ApiKeyFactory(
            tenant=tenant
        ).raw

    store, raw = await seed()
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, lifespan="on", log_level="warning", proxy_headers=False
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
        await asyncio.sleep(0.01)
    uri, latencies = order_uri(store.pk, "1001"), []
    try:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {raw}"}, timeout=30) as http,
            Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as client,
            client.listen(resource_subscriptions=[uri]) as sub,
        ):
            for _ in range(sends):
                started = time.perf_counter()
                await order_changed.asend(
                    sender=None, tenant_id=store.tenant_id, store_id=store.pk, order_id="1001",
                    folder_ids=[], origin="postback",
                )  # fmt: skip
                await asyncio.wait_for(sub.__anext__(), 10)
                latencies.append((time.perf_counter() - started) * 1000)
    finally:
        server.should_exit = True
        await serving
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as var_dir:
        redis = {"REDIS_URL": os.environ["REDIS_URL"]} if os.environ.get("REDIS_URL") else {}
        env = environment(var_dir, port, **redis)
        manage(env, "migrate", "--noinput")
        setup_django(env)
        latencies = sorted(asyncio.run(run(args.sends, port)))
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    p50 = statistics.median(latencies)
    print(f"order_changed -> notification, {len(latencies)} sends: p50 {p50:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
