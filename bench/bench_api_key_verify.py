"""Benchmark: what verifying an agent API key costs per /mcp request.

    .venv/bin/python bench/bench_api_key_verify.py [--calls 1000] [--bcrypt-runs 5]

Standalone: uses its own SQLite database in a fresh temporary VAR_DIR (DATABASE_URL and REDIS_URL are
ignored), migrates it, creates a tenant and a key at the production bcrypt cost (12), then times

* 1,000 calls of `api_keys.core.authenticate` (sync) with the valid key, the first call included
  (the one verification-cache miss, which runs bcrypt);
* 1,000 calls of `aauthenticate` in one event loop, again starting from an empty cache;
* `bcrypt.checkpw` at cost 12 (mean of a few runs).

It prints the mean cost per call, the ratio to one bcrypt check, and whether the goals hold (mean under
1 ms amortized; more than 100x cheaper than bcrypt). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time

from _harness import environment, setup_django

BCRYPT_ROUNDS = 12
GOAL_MEAN_MS = 1.0
GOAL_RATIO = 100.0


def create_key() -> str:
    from django.core.management import call_command

    from api_keys import services
    from tenants.actors import Actor
    from tenants.models import Membership, Role, Tenant, User

    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(name="Bench Inc")
    user = User.objects.create_user("owner@bench.test")
    membership = Membership.objects.create(tenant=tenant, user=user, role=Role.OWNER)
    _, raw = services.key_create(
        tenant=tenant, actor=Actor.for_membership(membership), name="bench", scope="read_write"
    )
    return raw


def time_sync(raw: str, calls: int) -> list[float]:
    from api_keys import core

    core._verified.clear()
    durations = []
    for _ in range(calls):
        started = time.perf_counter()
        actor = core.authenticate(raw)
        durations.append(time.perf_counter() - started)
        if actor is None:
            raise SystemExit("the benchmark key did not authenticate")
    return durations


async def time_async(raw: str, calls: int) -> list[float]:
    from api_keys import core

    core._verified.clear()
    durations = []
    for _ in range(calls):
        started = time.perf_counter()
        actor = await core.aauthenticate(raw)
        durations.append(time.perf_counter() - started)
        if actor is None:
            raise SystemExit("the benchmark key did not authenticate")
    return durations


def time_bcrypt(runs: int) -> list[float]:
    import bcrypt

    secret = secrets.token_urlsafe(32).encode()
    hashed = bcrypt.hashpw(secret, bcrypt.gensalt(BCRYPT_ROUNDS))
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        bcrypt.checkpw(secret, hashed)
        durations.append(time.perf_counter() - started)
    return durations


def report(label: str, durations: list[float], bcrypt_ms: float) -> bool:
    ms = [d * 1000 for d in durations]
    mean = statistics.fmean(ms)
    steady = ms[1:] or ms
    ratio = bcrypt_ms / mean
    ok = mean < GOAL_MEAN_MS and ratio > GOAL_RATIO
    print(f"{label}: {len(ms)} calls, total {sum(ms):.1f} ms")
    print(f"  mean per call (first call included) {mean:.4f} ms")
    print(f"  first call (cache miss, runs bcrypt) {ms[0]:.2f} ms")
    print(
        f"  cached calls: mean {statistics.fmean(steady):.4f} ms, median {statistics.median(steady):.4f} ms, "
        f"p99 {sorted(steady)[int(len(steady) * 0.99) - 1]:.4f} ms"
    )
    print(f"  ratio bcrypt / mean verify: {ratio:.0f}x")
    print(
        f"  goals: mean < {GOAL_MEAN_MS:g} ms {'yes' if mean < GOAL_MEAN_MS else 'NO'}; "
        f"> {GOAL_RATIO:g}x cheaper than bcrypt {'yes' if ratio > GOAL_RATIO else 'NO'}"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--bcrypt-runs", type=int, default=5)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="oda-bench-keys-", ignore_cleanup_errors=True) as var_dir:
        setup_django(environment(var_dir, API_KEY_BCRYPT_ROUNDS=str(BCRYPT_ROUNDS)))
        from django.db import connections

        raw = create_key()
        bcrypt_ms = statistics.fmean(time_bcrypt(options.bcrypt_runs)) * 1000
        sync_durations = time_sync(raw, options.calls)
        async_durations = asyncio.run(time_async(raw, options.calls))

        import django

        print(
            f"API-key verification (Django {django.__version__}, Python {sys.version.split()[0]}, "
            f"SQLite in {var_dir}, bcrypt cost {BCRYPT_ROUNDS}, {os.cpu_count()} CPUs)"
        )
        print(
            f"bcrypt.checkpw at cost {BCRYPT_ROUNDS}: mean {bcrypt_ms:.1f} ms over {options.bcrypt_runs} runs"
        )
        sync_ok = report("authenticate (sync)", sync_durations, bcrypt_ms)
        async_ok = report("aauthenticate (async, one event loop)", async_durations, bcrypt_ms)
        print(f"All goals met: {'yes' if sync_ok and async_ok else 'NO'}")
        connections.close_all()


if __name__ == "__main__":
    main()
