"""Benchmark: pacing many concurrent reads of one store to OrderDesk's bucket (20 burst, 3 per second).

    .venv/bin/python bench/bench_pacing.py [--requests 300] [--callers 20] [--redis-url redis://…/14]

Standalone: a fresh temporary VAR_DIR with its own SQLite database (DATABASE_URL is ignored, and so is
REDIS_URL unless `--redis-url` is given), migrated here; a tenant and its sandbox store are created
through Django in this process, then the whole app is started with uvicorn as a subprocess on a free
127.0.0.1 port, serving the sandbox from the same database. Through `OrderDeskClient` (the one every
service uses) `--callers` concurrent tasks perform `--requests` reads (GET /orders, each with different
query arguments, so no cache could answer) against that one store.

With `--redis-url` the client paces through the Redis governor (and the app caches on Redis); use a
Redis database nothing else flushes.

It prints the total time, the bucket's physical limit ((requests - 20) / 3 s: 20 requests may go at
once, every further one waits for a refill), their ratio, and the number of 429 answers the client saw
(spans with status 429). Goals: within 10 % of the limit, zero 429s. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

from _harness import environment, free_port, serve, setup_django

BURST = 20
REFILL_PER_SECOND = 3.0
GOAL_RATIO = 1.10


def create_store():
    from django.core.management import call_command

    from sandbox.provisioning import provision_sandbox_store
    from tenants.models import Tenant

    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(name="Pacing Bench")
    store = provision_sandbox_store(tenant=tenant, orders=60, seed=1)
    return store.credentials()


async def run_reads(creds, requests: int, callers: int) -> tuple[float, list, list[BaseException]]:
    from kernel import tracing
    from stores.client import OrderDeskClient

    client = OrderDeskClient()
    pending = iter(range(requests))
    errors: list[BaseException] = []

    async def caller() -> None:
        for n in pending:  # a shared iterator: each request is taken by exactly one caller
            try:
                await client.get(creds, "/orders", params={"limit": 5, "offset": n % 60, "bench_request": n})
            except Exception as exc:  # counted and reported; the run goes on
                errors.append(exc)

    with tracing.recording() as recorder:
        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(callers)))
        elapsed = time.perf_counter() - started
    await client.aclose()
    return elapsed, recorder.spans, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--redis-url", default="", help="pace through the Redis governor on this database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="oda-bench-pacing-", ignore_cleanup_errors=True) as var_dir:
        port = free_port()
        overrides = {"REDIS_URL": args.redis_url} if args.redis_url else {}
        env = environment(var_dir, port, **overrides)
        setup_django(env)
        creds = create_store()
        with serve(env, port):
            elapsed, spans, errors = asyncio.run(run_reads(creds, args.requests, args.callers))

    limit = (args.requests - BURST) / REFILL_PER_SECOND
    ratio = elapsed / limit
    throttled = sum(1 for span in spans if span.status == 429)
    other_failures = sum(1 for span in spans if span.status is None or span.status >= 400) - throttled
    print(f"reads:                      {args.requests} from {args.callers} concurrent callers, one store")
    print(f"governor:                   {'Redis' if args.redis_url else 'in-process'}")
    print(f"HTTP attempts (spans):      {len(spans)}")
    print(f"total time:                 {elapsed:.2f} s")
    formula = f"({args.requests} - {BURST}) / {REFILL_PER_SECOND:g} per s"
    print(f"bucket's physical limit:    {limit:.2f} s  ({formula})")
    print(f"ratio (time / limit):       {ratio:.3f}  (goal <= {GOAL_RATIO:.2f})")
    print(f"429s seen by the client:    {throttled}  (goal 0)")
    print(f"other failed attempts:      {other_failures}")
    print(f"calls that raised:          {len(errors)}" + (f"  first: {errors[0]!r}" if errors else ""))
    verdict = "met" if ratio <= GOAL_RATIO and throttled == 0 and not errors else "NOT met"
    print(f"goal:                       {verdict}")


if __name__ == "__main__":
    main()
