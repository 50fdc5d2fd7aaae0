"""Benchmark: OrderDesk post-back receive-to-answer latency under a steady 50 deliveries per second.

    .venv/bin/python bench/bench_postbacks.py [--rate 50] [--seconds 10] [--redis redis://127.0.0.1:6379/N]

Standalone (bench/_harness.py): its own SQLite database and keys in a fresh VAR_DIR, one uvicorn
worker serving the whole app. It registers a store, then POSTs signed deliveries to the store's
post-back URL at a fixed rate (each a new version of one of 200 orders, so each is verified, de-duplicated
in the cache and answered, its effects running after the answer), then repeats every delivery once
(OrderDesk's retries: answered from the de-duplication cache), then, as a baseline for the server and
client themselves, GETs /healthz at the same rate. It prints p50/p99/max of the time from
sending a delivery to reading its answer, for each phase, and how many answers were not 200.
Figures only: nothing is asserted. With --redis (an empty database it may clear) the cache is Redis,
as in production; without it, the in-process cache keeps only 300 entries, too few to remember this
many deliveries, so some retries are done again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time

from _harness import environment, free_port, serve, setup_django


def create_store() -> tuple[str, str, str]:
    from django.core.management import call_command

    from stores.models import Store
    from tenants.models import Tenant

    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(name="Bench Inc")
    store = Store(tenant=tenant, name="Bench", orderdesk_store_id="4242")
    store.set_api_key("bench-api-key-0123456789abcdef")
    store.save()
    return store.postback_token, store.orderdesk_store_id, "bench-api-key-0123456789abcdef"


def deliveries(count: int, store_id: str, api_key: str) -> list[tuple[dict, dict]]:
    from orders.postbacks import signature

    out = []
    for n in range(count):
        second = n // 200
        order = {
            "id": str(100000 + n % 200),
            "date_updated": f"2026-01-01 {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}",
            "folder_id": 1001 + n % 3,
            "email": f"buyer{n}@example.com",
            "order_items": [{"id": str(n), "name": "Widget", "price": 9.5, "quantity": 1}],
        }
        text = json.dumps(order)
        headers = {"X-ORDER-DESK-STORE-ID": store_id, "X-ORDER-DESK-HASH": signature(api_key, text)}
        out.append(({"order": text}, headers))
    return out


async def fire(url: str, batch: list[tuple[dict | None, dict]], rate: float) -> tuple[list[float], int]:
    import httpx

    latencies: list[float] = []
    failures = 0

    async def one(client, data, headers):
        nonlocal failures
        started = time.perf_counter()
        if data is None:
            response = await client.get(url)
        else:
            response = await client.post(url, data=data, headers=headers)
        latencies.append((time.perf_counter() - started) * 1000)
        failures += response.status_code != 200

    async with httpx.AsyncClient(timeout=30) as client:
        tasks = []
        start = time.perf_counter()
        for index, (data, headers) in enumerate(batch):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, data, headers)))
        await asyncio.gather(*tasks)
    return latencies, failures


def report(label: str, latencies: list[float], failures: int) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{label:<28} n={len(ordered):4d}  p50 {statistics.median(ordered):6.1f} ms  "
        f"p99 {p99:6.1f} ms  max {ordered[-1]:6.1f} ms  non-200: {failures}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--redis", default="", help="a Redis URL for the shared cache (flushed first)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-postbacks-") as var_dir:
        port = free_port()
        env = environment(var_dir, port, **({"REDIS_URL": args.redis} if args.redis else {}))
        setup_django(env)
        if args.redis:
            from django.core.cache import cache

            cache.clear()
        token, store_id, api_key = create_store()
        batch = deliveries(int(args.rate * args.seconds), store_id, api_key)
        url = f"http://127.0.0.1:{port}/webhooks/orderdesk/{token}/"
        with serve(env, port):
            asyncio.run(fire(url, batch[:20], args.rate))  # warm-up (not counted; then retried below)
            print(f"post-backs at {args.rate:g}/s for {args.seconds:g} s, one uvicorn worker, SQLite")
            report("new deliveries", *asyncio.run(fire(url, batch[20:], args.rate)))
            report("retries (de-duplicated)", *asyncio.run(fire(url, batch, args.rate)))
            from operations.models import Trace

            recorded = Trace.objects.filter(source="postback").count()
            print(f"post-back traces recorded: {recorded} (one per new delivery: {len(batch)})")
            health = [(None, {})] * len(batch)
            report(
                "baseline: GET /healthz",
                *asyncio.run(fire(f"http://127.0.0.1:{port}/healthz", health, args.rate)),
            )


if __name__ == "__main__":
    sys.exit(main())
