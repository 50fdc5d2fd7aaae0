"""Killing an app process (SIGKILL) in the middle of a burst of writes loses nothing it reported as
done and leaves nothing half-written.

A burst of concurrent `orders_add_note` calls goes to one uvicorn process over /mcp (the sandbox it
writes to is served by that same process); once some have answered, the process is killed outright,
then started again. What the app promises, checked in the database afterwards:
- every call answered as a success has its note in the order's history, its Trace and the audit event
  of that write (the trace, its spans and the audit row are one transaction);
- no trace lacks any of its spans, no write's trace lacks its audit event, and no audit event of a
  write points at a trace that is not there;
- the restarted process serves writes again.

On PostgreSQL (needs DATABASE_URL) and on SQLite in WAL mode with IMMEDIATE transactions (a file of
its own, migrated by a subprocess; runs in the default suite).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from django.db import connection

from sandbox.models import SandboxOrder
from sandbox.provisioning import provision_sandbox_store
from tests.factories import ApiKeyFactory
from tests.reliability.servers import (
    AppProcess,
    process_env,
    shared_backends_missing,
    sqlite_app,
    start_app_process,
    stop_app_process,
    wait_until_healthy,
)

WRITES = 40
ORDERS = 4
KILL_AFTER = 8  # successes seen before the kill: the rest are queued or in flight

Query = Callable[[str], list[tuple]]


def _tool_call(name: str, arguments: dict) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


def _result_of(response: httpx.Response) -> dict | None:
    """The tools/call result carried by a 200 (JSON or one SSE event), or None."""
    if response.status_code != 200:
        return None
    text = response.text
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        lines = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
        text = lines[-1] if lines else ""
    try:
        return json.loads(text).get("result")
    except ValueError:
        return None


async def _burst(server: AppProcess, raw_key: str, store: str, order_ids: list[int]) -> set[str]:
    """WRITES concurrent notes; SIGKILL the process after KILL_AFTER successes. The notes answered
    as added."""
    headers = {
        "Authorization": f"Bearer {raw_key}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    done: set[str] = set()
    killed = asyncio.Event()

    async def write(http: httpx.AsyncClient, index: int) -> None:
        note = f"burst note {index}"
        arguments = {"store": store, "order_id": order_ids[index % len(order_ids)], "note": note}
        try:
            response = await http.post(f"{server.url}/mcp", json=_tool_call("orders_add_note", arguments))
        except httpx.TransportError:
            return  # cut off by the kill: the outcome is unknown to the caller, so nothing is promised
        result = _result_of(response)
        if result is not None and not result.get("isError"):
            done.add(note)
            if len(done) >= KILL_AFTER and not killed.is_set():
                killed.set()
                os.kill(server.proc.pid, signal.SIGKILL)

    limits = httpx.Limits(max_connections=WRITES)
    async with httpx.AsyncClient(headers=headers, timeout=120, limits=limits) as http:
        await asyncio.gather(*(write(http, index) for index in range(WRITES)))
    assert killed.is_set(), f"only {len(done)} writes succeeded: the process was never killed"
    return done


def _one_write_succeeds(server: AppProcess, raw_key: str, store: str, order_id: int) -> bool:
    headers = {
        "Authorization": f"Bearer {raw_key}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    body = _tool_call("orders_add_note", {"store": store, "order_id": order_id, "note": "after restart"})
    result = _result_of(httpx.post(f"{server.url}/mcp", json=body, headers=headers, timeout=60))
    return result is not None and not result.get("isError")


def _id(value) -> str:
    """A UUID as both databases give it back (SQLite: bare hex; PostgreSQL and JSON: dashed)."""
    return str(value).replace("-", "")


def _json(value) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _check_nothing_lost_or_half_written(query: Query, done: set[str]) -> None:
    traces = {
        _id(trace_id): (operation, outcome, upstream_calls, _json(arguments))
        for trace_id, operation, outcome, upstream_calls, arguments in query(
            "SELECT id, operation, outcome, upstream_calls, arguments FROM mcp_bridge_trace"
        )
    }
    spans: dict[str, int] = {}
    for (trace_id,) in query("SELECT trace_id FROM mcp_bridge_span"):
        spans[_id(trace_id)] = spans.get(_id(trace_id), 0) + 1
    audited: dict[str, int] = {}
    for (detail,) in query("SELECT detail FROM tenants_auditevent WHERE action = 'operation'"):
        trace_id = _id((_json(detail) or {}).get("trace", ""))
        audited[trace_id] = audited.get(trace_id, 0) + 1
    history = [
        entry for (raw,) in query("SELECT order_history FROM sandbox_sandboxorder") for entry in _json(raw)
    ]
    notes_kept = {entry.get("note") for entry in history if isinstance(entry, dict)}

    ok_notes = {
        args.get("note")
        for operation, outcome, _calls, args in traces.values()
        if operation == "orders_add_note" and outcome == "ok"
    }
    assert done <= ok_notes, f"answered as done but without a trace: {sorted(done - ok_notes)}"
    assert done <= notes_kept, f"answered as done but not in the order: {sorted(done - notes_kept)}"
    half_traces = [t for t, (_op, _o, calls, _a) in traces.items() if spans.get(t, 0) != calls]
    assert not half_traces, f"traces missing spans: {half_traces}"
    unaudited = [
        t for t, (op, _o, _c, _a) in traces.items() if op == "orders_add_note" and audited.get(t) != 1
    ]
    assert not unaudited, f"write traces without exactly one audit event: {unaudited}"
    dangling = sorted(set(audited) - set(traces))
    assert not dangling, f"audit events pointing at traces that are not there: {dangling}"


def _kill_restart_and_check(
    env: dict[str, str], tmp_path: Path, raw_key: str, store: str, orders: list[int], query
):
    server = start_app_process(env, tmp_path / "uvicorn-killed.log")
    try:
        wait_until_healthy(server)
        done = asyncio.run(_burst(server, raw_key, store, orders))
        assert server.proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        stop_app_process(server)
    restarted = start_app_process(env, tmp_path / "uvicorn-restarted.log")
    try:
        wait_until_healthy(restarted)
        assert _one_write_succeeds(restarted, raw_key, store, orders[0]), restarted.log()[-3000:]
    finally:
        stop_app_process(restarted)
    _check_nothing_lost_or_half_written(query, done)
    return done


@pytest.mark.django_db(transaction=True)
def test_sigkill_during_writes_on_postgresql_loses_nothing_reported_done(acme, tmp_path):
    reason = shared_backends_missing(redis=False)
    if reason:
        pytest.skip(reason)
    store = provision_sandbox_store(tenant=acme, orders=ORDERS, seed=21)
    orders = list(SandboxOrder.objects.filter(store__store=store).values_list("order_id", flat=True))
    raw_key = ApiKeyFactory(tenant=acme, scope="read_write").raw

    def query(sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    _kill_restart_and_check(process_env(redis=False), tmp_path, raw_key, store.name, orders, query)


def test_sigkill_during_writes_on_sqlite_wal_loses_nothing_reported_done(tmp_path):
    app = sqlite_app(tmp_path)
    store = app.query("SELECT name FROM stores_store WHERE is_sandbox")[0][0]
    orders = [order_id for (order_id,) in app.query("SELECT order_id FROM sandbox_sandboxorder ORDER BY id")]
    _kill_restart_and_check(app.env, tmp_path, app.raw_key, store, orders[:ORDERS], app.query)

    assert app.query("PRAGMA journal_mode") == [("wal",)]
    assert app.query("PRAGMA integrity_check") == [("ok",)]
