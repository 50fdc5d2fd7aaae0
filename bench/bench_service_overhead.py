"""Benchmark: what the service layer adds to one OrderDesk read, with the read cache cold and warm.

    .venv/bin/python bench/bench_service_overhead.py [--calls 300] [--warmup 30]

Standalone: a fresh temporary VAR_DIR with its own SQLite database (DATABASE_URL and REDIS_URL are
ignored), migrated here; a tenant, its owner and its sandbox store are created through Django in this
process, then the whole app is started with uvicorn as a subprocess on a free 127.0.0.1 port, serving
the sandbox from the same database. The sandbox store's rate-limit bucket is switched off, and this
process's OrderDesk client gets an unlimited governor, so pacing is not what is measured.

In one run, `--calls` times each, interleaved so that every variant sees the same server conditions:

* bare:  an `httpx.AsyncClient` (keep-alive) GET of the sandbox URL `/orders/{id}` with the same headers
         the OrderDesk client sends, and the JSON decoded;
* cold:  `orders.services.orders_get` for the same order as the store's owner, after invalidating the
         store's "orders" cache (not timed), so it resolves the store, decrypts the key, calls the
         sandbox through the OrderDesk client, decodes and shapes the order and caches it. The store's
         folder names (a 5-minute cache of GET /store) stay cached, as they do in steady use;
* warm:  `orders_get` again with the order in the read cache (no upstream call).

It prints mean and p50 per call for each, the cold overhead over the bare GET in ms (goal: at most 3 ms)
and how many times faster a warm call is than the bare GET (goal: at least 20x). Figures only: nothing
is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

from _harness import environment, free_port, sandbox_owner_and_store, serve, setup_django

GOAL_COLD_OVERHEAD_MS = 3.0
GOAL_WARM_SPEEDUP = 20.0


async def measure(actor, store, calls: int, warmup: int) -> dict[str, list[float]]:
    import httpx

    from orders.services import orders_get
    from stores.breaker import CircuitBreaker
    from stores.cache import invalidate
    from stores.client import USER_AGENT, OrderDeskClient, override_client
    from stores.governor import LocalGovernor
    from stores.upstream.target import request_headers

    creds = store.credentials()
    headers = {**request_headers(creds, has_body=False), "User-Agent": USER_AGENT}
    client = OrderDeskClient(
        governor=LocalGovernor(capacity=1_000_000, refill_per_second=1_000_000), breaker=CircuitBreaker()
    )
    times: dict[str, list[float]] = {"bare": [], "cold": [], "warm": []}
    async with httpx.AsyncClient(headers=headers, follow_redirects=False) as bare:
        listing = (await bare.get(f"{creds.base_url}/orders", params={"limit": 1})).json()
        order_id = str(listing["orders"][0]["id"])
        url = f"{creds.base_url}/orders/{order_id}"

        async def bare_get() -> None:
            response = await bare.get(url)
            response.raise_for_status()
            response.json()

        async def service_get() -> None:
            await orders_get(tenant=actor.tenant, actor=actor, order_id=order_id)

        with override_client(client):
            for round_number in range(warmup + calls):
                timed = round_number >= warmup
                started = time.perf_counter()
                await bare_get()
                bare_elapsed = time.perf_counter() - started

                await invalidate(actor.tenant.pk, store.pk, "orders")
                started = time.perf_counter()
                await service_get()
                cold_elapsed = time.perf_counter() - started

                started = time.perf_counter()
                await service_get()
                warm_elapsed = time.perf_counter() - started
                if timed:
                    times["bare"].append(bare_elapsed * 1000)
                    times["cold"].append(cold_elapsed * 1000)
                    times["warm"].append(warm_elapsed * 1000)
        await client.aclose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="oda-bench-overhead-", ignore_cleanup_errors=True) as var_dir:
        port = free_port()
        env = environment(var_dir, port)
        setup_django(env)
        actor, store = sandbox_owner_and_store("Overhead Bench")
        with serve(env, port):
            times = asyncio.run(measure(actor, store, args.calls, args.warmup))

    stats = {name: (statistics.fmean(ms), statistics.median(ms)) for name, ms in times.items()}
    print(
        f"orders_get vs a bare GET of the same sandbox URL: {args.calls} calls each ({args.warmup} warm-up)"
    )
    for name, label in (
        ("bare", "bare httpx GET"),
        ("cold", "service, cache cold"),
        ("warm", "service, cache warm"),
    ):
        mean, p50 = stats[name]
        print(f"  {label:<22} mean {mean:8.3f} ms   p50 {p50:8.3f} ms")
    overhead_mean = stats["cold"][0] - stats["bare"][0]
    overhead_p50 = stats["cold"][1] - stats["bare"][1]
    speedup_mean = stats["bare"][0] / stats["warm"][0]
    speedup_p50 = stats["bare"][1] / stats["warm"][1]
    cold_met = "met" if overhead_mean <= GOAL_COLD_OVERHEAD_MS else "NOT met"
    warm_met = "met" if speedup_mean >= GOAL_WARM_SPEEDUP else "NOT met"
    print(
        f"cold overhead over the bare GET: {overhead_mean:.3f} ms mean, {overhead_p50:.3f} ms p50 "
        f"(goal <= {GOAL_COLD_OVERHEAD_MS:g} ms: {cold_met})"
    )
    print(
        f"warm speed-up over the bare GET: {speedup_mean:.1f}x mean, {speedup_p50:.1f}x p50 "
        f"(goal >= {GOAL_WARM_SPEEDUP:g}x: {warm_met})"
    )


if __name__ == "__main__":
    main()
