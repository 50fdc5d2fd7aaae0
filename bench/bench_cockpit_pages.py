"""Benchmark: the operator's pages over a large trace history.

    .venv/bin/python bench/bench_cockpit_pages.py [--traces 1000000] [--spans-per-trace 3]
        [--recent 60000] [--small 10000] [--runs 30]
    DATABASE_URL=postgres://…/any .venv/bin/python bench/bench_cockpit_pages.py   # on PostgreSQL

Standalone. On SQLite (the default) it uses a fresh file in a temporary VAR_DIR. With DATABASE_URL it
creates a database of its own on that server (`bench_cockpit_<pid>`), and drops it at the end: the
database named in the URL is only used to connect, never written. Redis settings are ignored.

It generates, for one tenant, `--traces` traces (`--recent` of them in the last 24 hours, the rest
spread over 90 days, 5% failed) with `--spans-per-trace` spans each, by COPY on PostgreSQL and
executemany on SQLite; and `--small` traces for a second tenant, the baseline measured in the same run:
a page that costs the same for both tenants does not grow with the history. Then, through Django's
test client as a signed-in owner, `--runs` times each: the trace list's first page; a filtered page
deep in history; a search by request id, by order id (box and field), by error code and by text; one
trace with its spans; the dashboard; the audit page. It prints p50/p95 in ms, the queries per page, and
the ratio of each p95 to the small tenant's. The goals: p95 under 100 ms on PostgreSQL with the same
query count for both tenants, the dashboard under 200 ms. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from _harness import environment, setup_django

GOAL_P95_MS = 100.0
GOAL_DASHBOARD_MS = 200.0
HISTORY_DAYS = 90
OPERATIONS = (
    "orders_get",
    "orders_list",
    "orders_update",
    "orders_create",
    "orders_add_note",
    "products_list",
    "products_update",
    "shipments_add",
    "stores_list",
    "inventory_get",
)
ERRORS = (
    ("not_found", "OrderDesk has no order with that id."),
    ("upstream_rejected", "OrderDesk said: Shipping Method Is Invalid"),
    ("rate_limited", "OrderDesk rate limit reached; retried 3 times."),
    ("timeout", "OrderDesk did not answer within 20 s."),
)
TRACE_COLUMNS = (
    "id", "tenant_id", "operation", "source", "store_id", "store_name", "actor_user_id", "actor_key_id",
    "actor_label", "arguments", "outcome", "error_code", "error_message", "result_summary", "before",
    "after", "duration_ms", "upstream_calls", "request_id", "order_id", "started_at",
)  # fmt: skip
SPAN_COLUMNS = (
    "trace_id", "seq", "method", "path", "query", "status", "attempt", "duration_ms", "tokens_remaining",
    "retry_reason", "request_body", "response_body", "error", "started_at",
)  # fmt: skip


# --- The database -----------------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(url: str | None) -> Iterator[str | None]:
    """A PostgreSQL database made for this run on `url`'s server (dropped afterwards), or None."""
    if not url:
        yield None
        return
    import psycopg

    name = f"bench_cockpit_{os.getpid()}"
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def trace_rows(tenant_id: uuid.UUID, count: int, recent: int, seed: int) -> Iterator[tuple]:
    """`count` traces of one tenant, newest first: `recent` in the last 24 hours, the rest older."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    store_id = uuid.uuid4()
    older_span = (HISTORY_DAYS - 1) * 86400 / max(count - recent, 1)
    recent_span = 86000 / max(recent, 1)
    for i in range(count):
        ago = 60 + i * recent_span if i < recent else 86400 + (i - recent) * older_span
        operation = OPERATIONS[i % len(OPERATIONS)]
        order_id = str(100_000 + rng.randrange(200_000)) if operation.startswith("orders_") else ""
        roll = rng.random()
        if roll < 0.95:
            outcome, code, message = "ok", "", ""
        elif roll < 0.99:
            outcome, (code, message) = "error", ERRORS[i % len(ERRORS)]
        else:
            outcome, code, message = "crash", "crash", f"Unexpected error (request b{seed}-{i:08x})"
        arguments = json.dumps({"order_id": order_id} if order_id else {"limit": 20})
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4), tenant_id, operation, "mcp", store_id,
            "Main shop", None, "k1", "key agent (odk_ab12)", arguments, outcome, code, message, None,
            None, None, round(rng.uniform(20, 400), 2), 3, f"b{seed}-{i:08x}", order_id,
            now - timedelta(seconds=ago),
        )  # fmt: skip


def span_rows(traces: list[tuple], per_trace: int) -> Iterator[tuple]:
    for trace in traces:
        for seq in range(1, per_trace + 1):
            yield (
                trace[0], seq, "GET", "/orders/1001", "", 200, 1, 40.0, 19, "", "",
                '{"order": {"id": "1001"}}', "", trace[-1] + timedelta(milliseconds=5 * seq),
            )  # fmt: skip


def insert(traces: list[tuple], spans_per_trace: int) -> None:
    from django.db import connection

    trace_sql, span_sql = (
        _insert_sql("mcp_bridge_trace", TRACE_COLUMNS),
        _insert_sql("mcp_bridge_span", SPAN_COLUMNS),
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY mcp_bridge_trace ({', '.join(TRACE_COLUMNS)}) FROM STDIN") as copy:
                for row in traces:
                    copy.write_row(row)
            with cursor.cursor.copy(f"COPY mcp_bridge_span ({', '.join(SPAN_COLUMNS)}) FROM STDIN") as copy:
                for row in span_rows(traces, spans_per_trace):
                    copy.write_row(row)
        else:
            cursor.executemany(trace_sql, [_sqlite(row) for row in traces])
            cursor.executemany(span_sql, (_sqlite(row) for row in span_rows(traces, spans_per_trace)))


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)})"


def _sqlite(row: tuple) -> tuple:
    # As Django stores them on SQLite: UUIDs as 32 hex digits, moments as naive UTC text.
    return tuple(
        v.hex if isinstance(v, uuid.UUID) else str(v.replace(tzinfo=None)) if isinstance(v, datetime) else v
        for v in row
    )


def generate(tenant_id: uuid.UUID, count: int, recent: int, spans: int, seed: int) -> tuple[float, Any]:
    """Insert the traces in batches of 100,000 (one transaction each); the seconds it took and a
    sample of (request id, order id, trace id) to look up later."""
    from django.db import transaction

    started, batch, sample = time.perf_counter(), [], None
    for index, row in enumerate(trace_rows(tenant_id, count, recent, seed)):
        batch.append(row)
        if len(batch) == 100_000:
            with transaction.atomic():
                insert(batch, spans)
            batch = []
        if sample is None and index >= count // 2 and row[19]:  # an order call halfway back
            sample = (row[18], row[19], row[0])
    if batch:
        with transaction.atomic():
            insert(batch, spans)
    return time.perf_counter() - started, sample


# --- Measuring --------------------------------------------------------------------------------------


def measure(client: Any, url: str, runs: int) -> dict[str, Any]:
    from django.db import connection

    for _ in range(2):  # warm the caches of the database and the templates
        assert client.get(url).status_code == 200, url
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):  # a wrapper outlives the per-request reset of the query log
        response = client.get(url)
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(durations, n=20, method="inclusive")
    return {"p50": statistics.median(durations), "p95": cuts[18], "queries": len(queries), "status": response}


def pages(sample: tuple[str, str, uuid.UUID]) -> dict[str, str]:
    request_id, order_id, trace_id = sample
    deep = (datetime.now(UTC) - timedelta(days=60)).date().isoformat()
    return {
        "trace list, first page": "/traces/",
        "trace list, page 100": "/traces/?page=100",
        "filtered, deep in history": f"/traces/?operation=orders_get&date_to={deep}&page=5",
        "search box: request id": f"/traces/?q={request_id}",
        "search box: order id": f"/traces/?q={order_id}",
        "field: order id": f"/traces/?order_id={order_id}",
        "search box: error code": "/traces/?q=upstream_rejected",
        "search box: text (7 days)": "/traces/?q=shipping+method",
        "trace detail (3 spans)": f"/traces/{trace_id}/",
        "dashboard": "/",
        "audit log": "/audit/",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--traces", type=int, default=int(os.environ.get("BENCH_TRACES", 1_000_000)))
    parser.add_argument("--spans-per-trace", type=int, default=3)
    parser.add_argument("--recent", type=int, default=60_000, help="traces in the last 24 hours")
    parser.add_argument("--small", type=int, default=10_000, help="the baseline tenant's traces")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")

    with tempfile.TemporaryDirectory() as var_dir, bench_database(url) as bench_url:
        extra = {"DATABASE_URL": bench_url} if bench_url else {}
        setup_django(environment(var_dir, ALLOWED_HOSTS="testserver", **extra))
        run(args, engine="PostgreSQL" if bench_url else "SQLite")


def run(args: argparse.Namespace, engine: str) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from tenants.models import Membership, Role, Tenant, User

    # PostgreSQL connections come from the settings' pool, as in production.
    # Static URLs without a collected manifest (the pages are measured, not the static files).
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    call_command("migrate", verbosity=0)
    big, small = Tenant.objects.create(name="Big Inc"), Tenant.objects.create(name="Small Inc")
    clients = {}
    for tenant in (big, small):
        user = User.objects.create_user(f"owner@{tenant.name.split()[0].lower()}.test")
        Membership.objects.create(tenant=tenant, user=user, role=Role.OWNER)
        clients[tenant.pk] = Client()
        clients[tenant.pk].force_login(user)

    spans = args.spans_per_trace
    print(f"{engine}: generating {args.traces:,} traces and {args.traces * spans:,} spans …", flush=True)
    seconds, big_sample = generate(big.pk, args.traces, min(args.recent, args.traces), spans, seed=1)
    small_recent = min(args.small, args.recent * args.small // max(args.traces, 1) or 1)
    _, small_sample = generate(small.pk, args.small, small_recent, spans, seed=2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  generated in {seconds:.1f} s ({args.traces / seconds:,.0f} traces/s)\n")

    head = f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}"
    print(f"{head} | {'small p95':>9} {'ratio':>6} {'queries':>8}")
    misses = []
    big_pages, small_pages = pages(big_sample), pages(small_sample)
    for name, path in big_pages.items():
        result = measure(clients[big.pk], path, args.runs)
        base = measure(clients[small.pk], small_pages[name], args.runs)
        ratio = result["p95"] / base["p95"] if base["p95"] else float("nan")
        print(
            f"{name:<28} {result['p50']:8.1f} {result['p95']:8.1f} {result['queries']:8d} | "
            f"{base['p95']:9.1f} {ratio:6.2f} {base['queries']:8d}",
            flush=True,
        )
        goal = GOAL_DASHBOARD_MS if name == "dashboard" else GOAL_P95_MS
        if result["p95"] >= goal or result["queries"] != base["queries"]:
            misses.append(
                f"{name} (p95 {result['p95']:.0f} ms, goal {goal:.0f}; queries {result['queries']})"
            )
    print(f"\nGoals (p95 < {GOAL_P95_MS:.0f} ms, dashboard < {GOAL_DASHBOARD_MS:.0f} ms, same queries):")
    print("  all met" if not misses else "  missed: " + "; ".join(misses))


if __name__ == "__main__":
    sys.exit(main())
