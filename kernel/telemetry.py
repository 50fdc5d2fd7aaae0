"""Optional OpenTelemetry spans: one per operation run and one per OrderDesk attempt.

Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set and the `otel` extra is installed; then `configure()`
(called when Django starts) exports them over OTLP/HTTP. While off, `operation_span` is a shared
no-op context manager and `attempt_span` returns at once: nothing from OpenTelemetry is imported.

Spans carry names, ids, statuses and timings only, never arguments, bodies, headers or keys. The
app keeps a tracer provider of its own rather than installing a global one, so only these spans (whose
attributes are chosen here) are exported, whatever other libraries in the process would record.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

logger = logging.getLogger(__name__)

_tracer: Any = None  # an opentelemetry Tracer while exporting


def available() -> bool:
    return importlib.util.find_spec("opentelemetry.sdk") is not None


def configure(endpoint: str) -> bool:
    """Export spans to the OTLP/HTTP collector at `endpoint` when the `otel` extra is installed;
    returns whether spans are now exported."""
    if not endpoint:
        return False
    if not available():
        logger.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but the otel extra is not installed; no spans")
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "orderdesk-admin"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # reads the OTEL_* variables
    use_provider(provider)
    return True


def use_provider(provider: Any | None) -> None:
    """Record spans with `provider` (an SDK TracerProvider), or stop recording with None."""
    global _tracer
    _tracer = provider.get_tracer("orderdesk_admin") if provider is not None else None


@contextlib.contextmanager
def _operation_span(name: str, attributes: dict[str, Any]) -> Iterator[Any]:
    with _tracer.start_as_current_span(f"operation {name}", attributes=attributes) as span:
        yield span


def operation_span(name: str, **attributes: Any) -> contextlib.AbstractContextManager[Any]:
    """A span around one operation run (the attempts' spans become its children)."""
    if _tracer is None:
        return contextlib.nullcontext()
    return _operation_span(name, {"operation": name, **attributes})


def end_operation_span(span: Any, outcome: str) -> None:
    if span is not None:
        span.set_attribute("outcome", outcome)


def attempt_span(
    *, method: str, store_id: str, status: int | None, failure: str, attempt: int, retry_reason: str,
    started_at: datetime, duration_ms: float,
) -> None:  # fmt: skip
    """Record one finished OrderDesk attempt (its timing is known once it is over)."""
    if _tracer is None:
        return
    start_ns = int(started_at.timestamp() * 1e9)
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "store.id": store_id,
        "attempt": attempt,
    }
    if status is not None:
        attributes["http.response.status_code"] = status
    if failure:
        attributes["error.type"] = failure
    if retry_reason:
        attributes["retry.reason"] = retry_reason
    span = _tracer.start_span(f"orderdesk {method}", start_time=start_ns, attributes=attributes)
    span.end(end_time=start_ns + int(duration_ms * 1e6))
