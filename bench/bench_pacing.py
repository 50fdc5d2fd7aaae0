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
import base64
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BURST = 20
REFILL_PER_SECOND = 3.0
GOAL_RATIO = 1.10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configure(var_dir: str, port: int, redis_url: str = "") -> dict[str, str]:
    """Environment shared by this process and the server: same database, same keys, same origin."""
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL", "ENCRYPTION_KEYS_FILE", "SECRET_KEY_FILE", "SANDBOX_BASE_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="orderdesk_admin.settings",
        DEBUG="false",  # production settings: DEBUG would record every query, in both processes
        SECURE_SSL_REDIRECT="false",  # plain http on loopback
        SECRET_KEY=secrets.token_urlsafe(50),
        ENCRYPTION_KEYS="v1:" + base64.b64encode(os.urandom(32)).decode(),
        VAR_DIR=var_dir,
        SITE_URL=f"http://127.0.0.1:{port}",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()
    return dict(os.environ)


def create_store():
    from django.core.management import call_command

    from sandbox.provisioning import provision_sandbox_store
    from tenants.models import Tenant

    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(name="Pacing Bench")
    store = provision_sandbox_store(tenant=tenant, orders=60, seed=1)
    return store.credentials()


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "uvicorn", "orderdesk_admin.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--lifespan", "on", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("uvicorn did not become healthy within 30 s")


async def run_reads(creds, requests: int, callers: int) -> tuple[float, list, list[BaseException]]:
    from orderdesk_admin import tracing
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

    var_dir = tempfile.mkdtemp(prefix="oda-bench-pacing-")
    port = free_port()
    server = None
    try:
        env = configure(var_dir, port, args.redis_url)
        creds = create_store()
        server = start_server(env, port)
        elapsed, spans, errors = asyncio.run(run_reads(creds, args.requests, args.callers))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(var_dir, ignore_errors=True)

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
