"""The Prometheus metrics of the app, defined once, and the calls that count them.

The layers that see an event count it with one call of a function here (the runner, the OrderDesk
client, the read cache, the circuit breaker, the request log); `/metrics` prints them (`exposition`).
Labels are kept few and bounded: a route *name*, never a raw path; an operation name; a status class;
a store's id for the breaker only (one series per store that ever failed).

Several worker processes each hold their own counters. With PROMETHEUS_MULTIPROC_DIR set (before the
process starts), prometheus_client keeps them in files there and `exposition` adds up every
process's, so any worker answers for all of them.
"""

from __future__ import annotations

import os
from collections.abc import Hashable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

_PREFIX = "orderdesk_admin"
# Seconds: an in-process cache hit takes well under 5 ms, an OrderDesk round trip 100 ms to seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

http_requests = Counter(
    f"{_PREFIX}_http_requests", "HTTP requests answered, by method, route name and status.",
    ["method", "route", "status"],
)  # fmt: skip
http_request_seconds = Histogram(
    f"{_PREFIX}_http_request_duration_seconds", "Time to answer an HTTP request, by route name.",
    ["method", "route"], buckets=_LATENCY_BUCKETS,
)  # fmt: skip
operation_calls = Counter(
    f"{_PREFIX}_operation_calls",
    "Operation runs (MCP tool calls, console and page runs), by operation, face and outcome "
    "(ok, or the error's code).",
    ["operation", "source", "outcome"],
)
operation_seconds = Histogram(
    f"{_PREFIX}_operation_duration_seconds", "Time an operation run took, by operation.",
    ["operation"], buckets=_LATENCY_BUCKETS,
)  # fmt: skip
upstream_requests = Counter(
    f"{_PREFIX}_upstream_requests",
    "HTTP attempts to OrderDesk, by method and status class (2xx, 4xx, 429, 5xx, or the network failure).",
    ["method", "status"],
)
upstream_retries = Counter(
    f"{_PREFIX}_upstream_retries", "OrderDesk attempts that were retried, by reason.", ["reason"]
)
read_cache = Counter(
    f"{_PREFIX}_read_cache_lookups", "Read-cache lookups, by resource and result (hit or miss).",
    ["resource", "result"],
)  # fmt: skip
governor_waits = Histogram(
    f"{_PREFIX}_governor_wait_seconds",
    "Waits imposed by the OrderDesk rate governor before an attempt (only attempts that waited).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
)
governor_refusals = Counter(
    f"{_PREFIX}_governor_refusals", "Attempts refused because the store's budget was in use too long."
)
breaker_open = Gauge(
    f"{_PREFIX}_breaker_open", "1 while a store's circuit breaker is open or half-open, else 0.",
    ["store"], multiprocess_mode="livemax",
)  # fmt: skip
breaker_opens = Counter(f"{_PREFIX}_breaker_opens", "Times a store's circuit breaker opened.")


# Any client can send any method: the others are counted together, so they cannot add series.
_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in _HTTP_METHODS else "other"
    http_requests.labels(method, route, str(status)).inc()
    http_request_seconds.labels(method, route).observe(seconds)


def count_operation(operation: str, source: str, outcome: str, seconds: float) -> None:
    operation_calls.labels(operation, source, outcome).inc()
    operation_seconds.labels(operation).observe(seconds)


def upstream_status_class(status: int | None, failure: str) -> str:
    """429 apart from the other 4xx (it is OrderDesk's pacing, not a bad request)."""
    if status is None:
        return failure  # timeout, connect, network
    return "429" if status == 429 else f"{status // 100}xx"


def count_upstream(method: str, status: int | None, failure: str, retry_reason: str) -> None:
    upstream_requests.labels(method, upstream_status_class(status, failure)).inc()
    if retry_reason:
        upstream_retries.labels(retry_reason).inc()


def count_cache_lookup(resource: str, hit: bool) -> None:
    read_cache.labels(resource, "hit" if hit else "miss").inc()


def count_governor_wait(seconds: float) -> None:
    governor_waits.observe(seconds)


def count_governor_refusal() -> None:
    governor_refusals.inc()


def _store_label(key: Hashable) -> str:
    # Breaker keys are (tenant id, store id); a store's id is unique on its own.
    return str(key[-1]) if isinstance(key, tuple) and key else str(key)


def breaker_changed(key: Hashable, is_open: bool) -> None:
    breaker_open.labels(_store_label(key)).set(1 if is_open else 0)
    if is_open:
        breaker_opens.inc()


def exposition(multiprocess_dir: str = "") -> tuple[bytes, str]:
    """The text /metrics answers and its content type: this process's metrics, or every process's
    when they share a multiprocess directory."""
    if multiprocess_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def forget_this_process() -> None:
    """At exit, in multiprocess mode: a "live" gauge of a process that has ended must stop counting
    (its counters stay in the sums). A killed process is forgotten when the directory is emptied."""
    multiprocess.mark_process_dead(os.getpid())
