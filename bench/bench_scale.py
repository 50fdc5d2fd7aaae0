"""Load benchmark: many MCP agents against 1, 2 and 4 uvicorn worker processes.

    .venv/bin/python bench/bench_scale.py [--quick] [--postgres URL] [--redis URL]

A loopback load test with the SDK client (`mcp.Client` over streamable HTTP, one connection per
agent, all agents as asyncio tasks in a load-generator process of their own, so its CPU is measured
apart from the app's). Each agent loops, without think time, over a mix of:

  70 %  hot reads     orders_get of its store's hot order, or orders_list of its store's first page
                      (the same ones again and again: the read cache answers)
  20 %  cold reads    orders_get of an order not read lately (cache miss: one sandbox call)
  10 %  writes        orders_add_note on an order (two sandbox calls; that order's cached reads and the
                      store's cached lists are dropped)

with 20 and 100 agents, on `uvicorn --workers 1, 2, 4` with PostgreSQL + Redis (`--postgres`,
`--redis`; default: DATABASE_URL and REDIS_URL from the environment; the benchmark creates and drops
a database of its own, `<name>_scale`, and leaves only short-lived keys in Redis), and on one worker
with the SQLite default. Per configuration: calls/s, p50/p95/p99, errors the app caused vs upstream
refusals (OrderDesk's 429 or the governor's "try later"), upstream calls, the app's and the load
generator's CPU, and peak RSS (VmHWM) of the uvicorn master and of each worker.

The keys are hashed with 10 bcrypt rounds instead of 12 to shorten the warm-up (verification is
cached per process, so the measured steady state is the same). The machine is shared, so the table
also says how much CPU the app got and how long its threads waited for one, and the app's CPU per
call, which depends least on the neighbours.

Upstream is a separate one-worker uvicorn serving the built-in sandbox (SANDBOX_BASE_URL), so the
emulated OrderDesk's own work is not counted as the app's. Every sandbox store keeps OrderDesk's
bucket (20 requests, 3/s) and the app paces itself to it, so the agents are spread over STORES teams,
each with its own sandbox store and key: the app is measured, not the emulated bucket.

Goals: 0 app errors; p95 < 300 ms at 20 agents; 2 workers >= 1.6x the throughput of 1; RSS < 300 MB
per process. Each configuration is measured for `--seconds` (15; 4 with --quick), from `--warm`
seconds after every agent has made its first call (connected, key verified once per process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _harness import ROOT, environment, free_port, manage

STORES = (
    50  # teams, each with one sandbox store (60 demo orders) and one key; agent i works in team i % STORES
)
# The sandbox buckets refill (20 requests at 3/s) between configurations, as after a quiet spell.
REFILL_SECONDS = 7.0
HOT_SHARE, COLD_SHARE = 0.70, 0.20  # the rest are writes
CORES = os.cpu_count() or 1


# --- provisioning (a subprocess with the benchmark's Django environment) -----------------------------


def provision(stores: int) -> None:
    """Create `stores` teams with a seeded sandbox store and a read_write key each; print them as JSON."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command

    from sandbox.models import SandboxOrder
    from sandbox.provisioning import tenant_sandbox
    from tenants.models import Tenant

    teams = []
    for n in range(stores):
        email = f"scale{n}@example.test"
        tenant_id = StringIO()
        call_command("create_tenant", "--email", email, stdout=tenant_id)
        raw = StringIO()
        key_options = ["--email", email, "--name", "scale", "--scope", "read_write"]
        call_command("create_api_key", *key_options, stdout=raw, stderr=StringIO())
        sandbox = tenant_sandbox(Tenant.objects.get(pk=tenant_id.getvalue().strip()))
        ids = list(
            SandboxOrder.objects.filter(store=sandbox).order_by("order_id").values_list("order_id", flat=True)
        )
        teams.append({"key": raw.getvalue().strip(), "orders": [str(i) for i in ids]})
    print(json.dumps(teams))


# --- the load generator (a subprocess: agents as asyncio tasks) --------------------------------------


def classify(text: str) -> str:
    """An error result's kind: "upstream" when OrderDesk (or our pacing of it) refused, else "app"."""
    lowered = text.lower()
    if "429" in lowered or "rate limit" in lowered or "rate_limited" in lowered or "try again" in lowered:
        return "upstream"
    return "app"


async def agent(number: int, url: str, team: dict, shared: dict, window: dict, out: dict):
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    rng = random.Random(number)
    orders = team["orders"]
    hot = orders[0]
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {team['key']}"}, timeout=60) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        while (now := time.monotonic()) < window["stop"]:
            draw = rng.random()
            if draw < HOT_SHARE:
                kind = "hot"
                tool, arguments = (
                    ("orders_get", {"order_id": hot}) if draw < HOT_SHARE / 2 else ("orders_list", {})
                )
            elif draw < HOT_SHARE + COLD_SHARE:
                # One cycle per store, shared by its agents: each cold read asks for an order not read
                # for a whole cycle (longer than the read cache's lifetime).
                kind, tool = "cold", "orders_get"
                arguments = {"order_id": orders[1 + next(shared["cold"]) % (len(orders) - 1)]}
            else:
                kind, tool = "write", "orders_add_note"
                note = f"scale check {number}-{next(shared['notes'])}"
                arguments = {"order_id": orders[1 + rng.randrange(len(orders) - 1)], "note": note}
            started = time.monotonic()
            try:
                result = await client.call_tool(tool, arguments)
                error = classify(result.content[0].text) if result.is_error else None
                detail = result.content[0].text[:200] if result.is_error else ""
            except Exception as exc:  # a transport failure is the app's (nothing else is in between)
                error, detail = "app", f"{type(exc).__name__}: {exc}"[:200]
            window["warmed"].add(number)
            if len(window["warmed"]) == window["agents"]:
                window["all_warmed"].set()
            if now < window["start"]:
                continue
            out["calls"].append((kind, time.monotonic() - started))
            if error:
                out["errors"][error] += 1
                out["samples"].setdefault(error, detail)


async def measure_window(window: dict, warm_s: float, seconds: float, marker: str) -> None:
    """Open the measured window `warm_s` after every agent has finished its first call (connected,
    key verified once per process), and tell the parent process through `marker`."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(120):
            await window["all_warmed"].wait()
    await asyncio.sleep(warm_s)
    window["start"] = time.monotonic()
    window["stop"] = window["start"] + seconds
    await asyncio.to_thread(Path(marker).touch)


async def load(spec: dict) -> dict:
    teams, agents = spec["teams"], spec["agents"]
    shared = [{"cold": itertools.count(), "notes": itertools.count()} for _ in teams]
    out: dict = {"calls": [], "errors": {"app": 0, "upstream": 0}, "samples": {}}
    window: dict = {
        "start": math.inf,
        "stop": math.inf,
        "warmed": set(),
        "agents": agents,
        "all_warmed": asyncio.Event(),
    }
    tasks = [
        agent(n, spec["url"], teams[n % len(teams)], shared[n % len(teams)], window, out)
        for n in range(agents)
    ]
    opening = measure_window(window, spec["warm_s"], spec["seconds"], spec["marker"])
    *finished, _ = await asyncio.gather(*tasks, opening, return_exceptions=True)
    for failure in finished:
        if isinstance(failure, BaseException):  # an agent that could not even connect
            out["errors"]["app"] += 1
            out["samples"].setdefault("app", repr(failure)[:200])
    out["seconds"] = spec["seconds"]
    return out


def load_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    result = asyncio.run(load(spec))
    Path(spec["result"]).write_text(json.dumps(result))


# --- processes: uvicorn, /proc sampling ---------------------------------------------------------------


def proc_tree(pid: int) -> list[int]:
    """`pid` and its children: uvicorn's master and its workers (not multiprocessing's resource tracker)."""
    pids = [pid]
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split():
                with contextlib.suppress(OSError):
                    if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                        pids.append(int(child))
    return pids


def cpu_and_wait(pid: int) -> tuple[float, float]:
    """Seconds `pid`'s live threads have run on a CPU, and waited for one while runnable (schedstat)."""
    run = wait = 0
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError):
                fields = Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()
                run, wait = run + int(fields[0]), wait + int(fields[1])
    return run / 1e9, wait / 1e9


def peak_rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def uvicorn(env: dict[str, str], port: int, workers: int) -> Iterator[subprocess.Popen]:
    command = [
        sys.executable, "-m", "uvicorn", "orderdesk_admin.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--lifespan", "on", "--no-proxy-headers", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(proc_tree(server.pid)) < 1 + (workers if workers > 1 else 0) or not healthy(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"uvicorn --workers {workers} did not start")
            time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def upstream_calls(env: dict[str, str]) -> tuple[int, int]:
    """(spans recorded so far: one per HTTP attempt to the sandbox, those answered 429)."""
    code = (
        "import django; django.setup(); from operations.models import Span; "
        "print(Span.objects.count(), Span.objects.filter(status=429).count())"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    spans, refused = (done.stdout.split() or ["0", "0"])[:2]
    return int(spans), int(refused)


# --- one configuration ---------------------------------------------------------------------------------


def run_config(label: str, env: dict, teams: list[dict], workers: int, agents: int, args, tmp: str) -> dict:
    port = free_port()
    env = {**env, "SITE_URL": f"http://127.0.0.1:{port}"}
    with uvicorn(env, port, workers) as server:
        spans_before = upstream_calls(env)
        pids = proc_tree(server.pid)
        spec = {
            "url": f"http://127.0.0.1:{port}/mcp",
            "teams": teams,
            "agents": agents,
            "warm_s": args.warm,
            "seconds": args.seconds,
            "result": f"{tmp}/result.json",
            "marker": f"{tmp}/measuring",
        }
        Path(spec["marker"]).unlink(missing_ok=True)
        Path(f"{tmp}/spec.json").write_text(json.dumps(spec))
        generator = subprocess.Popen(
            [sys.executable, __file__, "--load", f"{tmp}/spec.json"], cwd=ROOT, env=env
        )
        started = time.monotonic()
        while not Path(spec["marker"]).exists():
            if generator.poll() is not None:
                raise SystemExit(f"the load generator failed ({generator.returncode})")
            time.sleep(0.05)  # the app's CPU is counted from the end of the warm-up
        measured_from = time.monotonic()
        sched_before = [cpu_and_wait(p) for p in pids]
        load_before = os.getloadavg()[0]
        _, status, usage = os.wait4(generator.pid, 0)
        wall = time.monotonic() - started
        measured = time.monotonic() - measured_from
        generator.returncode = os.waitstatus_to_exitcode(status)
        if generator.returncode:
            raise SystemExit(f"the load generator failed ({generator.returncode})")
        pids = proc_tree(server.pid)
        sched_after = [cpu_and_wait(p) for p in pids]
        app_cpu = sum(c for c, _ in sched_after) - sum(c for c, _ in sched_before)
        app_wait = sum(w for _, w in sched_after) - sum(w for _, w in sched_before)
        rss = [peak_rss_mb(p) for p in pids]
        spans_after = upstream_calls(env)
        spans, refused = (after - before for after, before in zip(spans_after, spans_before, strict=True))
    result = json.loads(Path(spec["result"]).read_text())
    latencies = sorted(latency for _, latency in result["calls"])
    by_kind = {k: sorted(lat for kind, lat in result["calls"] if kind == k) for k in ("hot", "cold", "write")}
    kinds = {
        k: (len(lats), lats[len(lats) // 2] * 1000, lats[int(0.95 * len(lats))] * 1000)
        if lats
        else (0, 0.0, 0.0)
        for k, lats in by_kind.items()
    }

    def pct(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
        )

    return {
        "label": label,
        "workers": workers,
        "agents": agents,
        "calls": len(latencies),
        "rate": len(latencies) / result["seconds"],
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "app_errors": result["errors"]["app"],
        "upstream_errors": result["errors"]["upstream"],
        "samples": result["samples"],
        "kinds": kinds,
        "spans": spans,
        "refused": refused,
        # CPU shares in cores: the app's over the measured seconds, the generator's over its whole run.
        "app_cores": app_cpu / measured,
        "cpu_ms_per_call": app_cpu * 1000 / max(1, len(latencies)),
        "gen_cores": (usage.ru_utime + usage.ru_stime) / wall,
        # Time the app's threads were runnable but had no CPU (the machine is shared), in cores.
        "app_starved": app_wait / measured,
        "load": max(load_before, os.getloadavg()[0]),
        "master_rss": rss[0],
        "worker_rss": rss[1:],
    }


def row(r: dict) -> str:
    workers_rss = "/".join(f"{mb:.0f}" for mb in r["worker_rss"]) or "(the master serves)"
    return (
        f"{r['label']:<10} {r['workers']:>2} {r['agents']:>4} {r['calls']:>6} {r['rate']:>7.1f} "
        f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['p99']:>7.1f} {r['app_errors']:>4} {r['upstream_errors']:>4} "
        f"{r['spans']:>6} {r['refused']:>4} {r['app_cores']:>5.2f} {r['cpu_ms_per_call']:>5.1f} "
        f"{r['app_starved']:>5.2f} {r['gen_cores']:>5.2f} {r['load']:>5.1f} {r['master_rss']:>6.0f}  "
        f"{workers_rss}"
    )


def kinds_line(r: dict) -> str:
    return "  ".join(
        f"{k} {n} calls p50 {p50:.0f} p95 {p95:.0f} ms" for k, (n, p50, p95) in r["kinds"].items()
    )


HEADER = (
    f"{'database':<10} {'wk':>2} {'agts':>4} {'calls':>6} {'calls/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
    f"{'p99 ms':>7} {'eapp':>4} {'eup':>4} {'upstr':>6} {'429s':>4} {'appC':>5} {'ms/c':>5} {'appW':>5} "
    f"{'genC':>5} {'load':>5} {'mstRSS':>6}  worker RSS MB"
)


# --- databases --------------------------------------------------------------------------------------------


def scale_database(url: str) -> str:
    """A fresh database next to `url`'s, named `<name>_scale` (dropped first if a run left it)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_scale"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def backend(label: str, overrides: dict, workers_list: list[int], args, results: list[dict]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        sandbox_port = free_port()
        env = environment(
            tmp,
            sandbox_port,
            MCP_TOOL_CALLS_PER_MINUTE="1000000",  # the per-key limit is not what is measured
            API_KEY_BCRYPT_ROUNDS="10",  # a shorter warm-up: verification is cached per process
            SANDBOX_BASE_URL=f"http://127.0.0.1:{sandbox_port}/sandbox/api/v2",
            **overrides,
        )
        print(f"[{label}] migrating and provisioning {STORES} teams in {tmp} ...", flush=True)
        manage(env, "migrate", "--noinput")
        done = subprocess.run(
            [sys.executable, __file__, "--provision", str(STORES)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"provisioning failed:\n{done.stderr[-3000:]}")
        teams = json.loads(done.stdout.strip().splitlines()[-1])
        with uvicorn(env, sandbox_port, 1) as sandbox:
            for n, (workers, agents) in enumerate(itertools.product(workers_list, args.agents)):
                if n:
                    time.sleep(REFILL_SECONDS)
                r = run_config(label, env, teams, workers, agents, args, tmp)
                r["sandbox_rss"] = peak_rss_mb(sandbox.pid)
                results.append(r)
                print(row(r), flush=True)
                print("    " + kinds_line(r), flush=True)
                for kind, sample in r["samples"].items():
                    print(f"    first {kind} error: {sample}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="4 s per configuration, 20 agents, 1 and 2 workers"
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per configuration")
    parser.add_argument(
        "--warm", type=float, default=3.0, help="unmeasured seconds after every agent's first call"
    )
    parser.add_argument(
        "--postgres", default=os.environ.get("DATABASE_URL", ""), help="PostgreSQL server URL"
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", ""), help="Redis URL")
    parser.add_argument("--workers", help="comma-separated worker counts for PostgreSQL (default 1,2,4)")
    parser.add_argument("--agents", help="comma-separated agent counts (default 20,100)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite configuration")
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--provision", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        return load_main(args.load)
    if args.provision:
        return provision(args.provision)
    workers_list = [int(n) for n in (args.workers or ("1,2" if args.quick else "1,2,4")).split(",")]
    args.agents = [int(n) for n in (args.agents or ("20" if args.quick else "20,100")).split(",")]
    if args.quick:
        args.seconds, args.warm = 4.0, 2.0
    print(
        f"{STORES} teams, one sandbox store each (OrderDesk's bucket: 20 requests, 3/s, kept; agents spread "
        f"over the stores); mix {HOT_SHARE:.0%} hot reads, {COLD_SHARE:.0%} cold reads, "
        f"{1 - HOT_SHARE - COLD_SHARE:.0%} writes; {args.seconds:g} s per configuration, from "
        f"{args.warm:g} s after every agent's first call; {CORES} cores\n",
        flush=True,
    )
    results: list[dict] = []
    started = time.monotonic()
    if not args.no_sqlite:
        backend("sqlite", {}, [1], args, results)
    if args.postgres and args.redis:
        database = scale_database(args.postgres)
        try:
            backend(
                "postgres", {"DATABASE_URL": database, "REDIS_URL": args.redis}, workers_list, args, results
            )
        finally:
            drop_database(database)
    else:
        print("PostgreSQL + Redis skipped: give --postgres and --redis (or DATABASE_URL and REDIS_URL)")
    report(results, time.monotonic() - started)


def report(results: list[dict], elapsed: float) -> None:
    print(f"\n{HEADER}")
    for r in results:
        print(row(r))
    print(
        "\neapp: errors the app caused; eup: upstream refusals (429 / paced out); upstr: sandbox calls "
        "(spans); 429s: of those,\nrefused by the sandbox and retried; appC/genC: CPU cores used by the app "
        "processes / the load generator;\nms/c: app CPU ms per call; appW: cores' worth of time the app's "
        "threads were runnable but waited for a CPU;\nload: 1-min load average of the machine; "
        "RSS = VmHWM, MB"
    )
    print(f"sandbox (upstream) process peak RSS: {max(r['sandbox_rss'] for r in results):.0f} MB")
    by = {(r["label"], r["workers"], r["agents"]): r for r in results}
    for agents in sorted({r["agents"] for r in results}):
        one, two = by.get(("postgres", 1, agents)), by.get(("postgres", 2, agents))
        if one and two:
            print(
                f"{agents} agents: 2 workers / 1 worker throughput = "
                f"{two['rate'] / one['rate']:.2f}x (goal >= 1.6x)"
            )
    app_errors = sum(r["app_errors"] for r in results)
    worst_p95 = max((r["p95"] for r in results if r["agents"] == 20), default=float("nan"))
    peak = max(max([r["master_rss"], *r["worker_rss"]]) for r in results)
    print(f"app errors: {app_errors} (goal 0); worst p95 at 20 agents: {worst_p95:.0f} ms (goal < 300)")
    print(f"peak RSS of any app process: {peak:.0f} MB (goal < 300); total {elapsed:.0f} s")


if __name__ == "__main__":
    main()
