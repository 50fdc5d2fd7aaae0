"""Benchmark: what metrics, JSON logs and OpenTelemetry spans add to an operation run.

    .venv/bin/python bench/bench_observability.py [--calls 300] [--warmup 30]

Standalone, like bench_service_overhead.py: a fresh temporary VAR_DIR and SQLite database, a tenant and
its sandbox store, and the whole app under uvicorn serving the sandbox (its bucket off, this process's
governor unlimited). Each call is `run_operation(orders_get)` as the store's owner, the way every face
runs an operation: permission and argument checks, the service, the OrderDesk client, the trace
written to the database. Warm (the order in the read cache) and cold (the cache invalidated first, so
one sandbox GET), in three set-ups interleaved round by round so that they share server conditions:

* baseline: the metric calls replaced by no-ops, the operation's log line below the log level;
* on:       Prometheus metrics counted, and the operation's JSON line formatted (with the context
            and redaction filters) and written to /dev/null, as LOG_FORMAT=json does;
* on+otel:  the same plus an OpenTelemetry span per run and per attempt, into an in-memory exporter
            (needs the `otel` extra).

It prints mean and p50 per call and the ratio of each set-up to the baseline. Figures only.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time

from _harness import environment, free_port, sandbox_owner_and_store, serve, setup_django

COUNTERS = ("count_operation", "count_upstream", "count_cache_lookup", "count_governor_wait")
LOGGERS = ("kernel.access", "operations.calls")


class Switches:
    """Turns metrics, JSON logging and spans on and off between calls."""

    def __init__(self):
        from kernel import metrics
        from kernel.logging import ContextFilter, JsonFormatter, RedactSecretsFilter

        self.metrics = metrics
        self.real = {name: getattr(metrics, name) for name in COUNTERS}
        self.sink = open(os.devnull, "w")  # noqa: SIM115 (closed in close())
        self.handler = logging.StreamHandler(self.sink)
        self.handler.setFormatter(JsonFormatter())
        self.handler.addFilter(ContextFilter())
        self.handler.addFilter(RedactSecretsFilter())
        for name in LOGGERS:
            logger = logging.getLogger(name)
            logger.handlers, logger.propagate = [self.handler], False
        self.provider = self._otel_provider()

    @staticmethod
    def _otel_provider():
        try:
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import SimpleSpanProcessor
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        except ImportError:
            return None
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
        return provider

    def set(self, variant: str) -> None:
        from kernel import telemetry

        on = variant != "baseline"
        for name, real in self.real.items():
            setattr(self.metrics, name, real if on else (lambda *args, **kwargs: None))
        for name in LOGGERS:
            logging.getLogger(name).setLevel(logging.INFO if on else logging.WARNING)
        telemetry.use_provider(self.provider if variant == "on+otel" else None)

    def close(self) -> None:
        self.set("on")
        self.sink.close()


async def measure(actor, store, variants: list[str], calls: int, warmup: int) -> dict[str, list[float]]:
    import httpx

    from operations.registry import REGISTRY
    from operations.runner import run_operation
    from stores.breaker import CircuitBreaker
    from stores.cache import invalidate
    from stores.client import OrderDeskClient, override_client
    from stores.governor import LocalGovernor
    from stores.upstream.target import request_headers

    creds = await asyncio.to_thread(store.credentials)
    async with httpx.AsyncClient(headers=request_headers(creds, has_body=False)) as http:
        listing = await http.get(f"{creds.base_url}/orders", params={"limit": 1})
    order_id = str(listing.json()["orders"][0]["id"])
    op = REGISTRY.get("orders_get")
    client = OrderDeskClient(
        governor=LocalGovernor(capacity=1_000_000, refill_per_second=1_000_000), breaker=CircuitBreaker()
    )
    switches = Switches()
    times: dict[str, list[float]] = {f"{v} {kind}": [] for v in variants for kind in ("cold", "warm")}
    try:
        with override_client(client):
            for round_number in range(warmup + calls):
                for variant in variants:
                    switches.set(variant)
                    await invalidate(actor.tenant.pk, store.pk, "orders")
                    for kind in ("cold", "warm"):
                        started = time.perf_counter()
                        await run_operation(op, {"order_id": order_id}, actor=actor)
                        if round_number >= warmup:
                            times[f"{variant} {kind}"].append((time.perf_counter() - started) * 1000)
    finally:
        switches.close()
        await client.aclose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="oda-bench-obs-", ignore_cleanup_errors=True) as var_dir:
        port = free_port()
        env = environment(var_dir, port)
        setup_django(env)
        actor, store = sandbox_owner_and_store("Observability Bench")
        variants = ["baseline", "on"] + (["on+otel"] if Switches._otel_provider() else [])
        with serve(env, port):
            times = asyncio.run(measure(actor, store, variants, args.calls, args.warmup))

    print(f"run_operation(orders_get): {args.calls} calls per set-up and cache state ({args.warmup} warm-up)")
    for kind in ("warm", "cold"):
        base_mean = statistics.fmean(times[f"baseline {kind}"])
        base_p50 = statistics.median(times[f"baseline {kind}"])
        for variant in variants:
            ms = times[f"{variant} {kind}"]
            mean, p50 = statistics.fmean(ms), statistics.median(ms)
            print(
                f"  {kind} {variant:<9} mean {mean:7.3f} ms   p50 {p50:7.3f} ms   "
                f"ratio to baseline {mean / base_mean:5.3f} (mean) {p50 / base_p50:5.3f} (p50)"
            )
    if "on+otel" not in variants:
        print("  (install the otel extra to measure the OpenTelemetry spans too)")


if __name__ == "__main__":
    main()
