"""OpenTelemetry export (optional): a span per operation run and per OrderDesk attempt, no secrets."""

from __future__ import annotations

import os

import pytest
from asgiref.sync import sync_to_async
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kernel import telemetry
from kernel.errors import NotFound
from operations.registry import REGISTRY
from operations.runner import run_operation
from tests.helpers import run_python

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPT_ATTRIBUTES = {
    "http.request.method", "http.response.status_code", "store.id", "attempt", "error.type", "retry.reason",
}  # fmt: skip


@pytest.fixture
def exported():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.use_provider(provider)
    yield exporter
    telemetry.use_provider(None)
    provider.shutdown()


async def test_an_operation_run_exports_its_span_and_its_attempts(sandbox, alice_actor, exported):
    await run_operation(REGISTRY.get("orders_list"), {"limit": 3}, actor=alice_actor)
    with pytest.raises(NotFound):
        await run_operation(REGISTRY.get("orders_get"), {"order_id": "999999999"}, actor=alice_actor)

    spans = exported.get_finished_spans()
    operations = {span.name: span for span in spans if span.name.startswith("operation ")}
    assert set(operations) == {"operation orders_list", "operation orders_get"}
    listed = operations["operation orders_list"]
    assert dict(listed.attributes) == {"operation": "orders_list", "source": "cli", "outcome": "ok"}
    assert operations["operation orders_get"].attributes["outcome"] == "not_found"

    attempts = [span for span in spans if span.name.startswith("orderdesk ")]
    assert attempts and all(span.parent is not None for span in attempts)
    listing = [span for span in attempts if span.parent.span_id == listed.context.span_id]
    assert listing, "the attempts of a run are children of its span"
    first = listing[0]
    assert first.name == "orderdesk GET"
    assert first.attributes["store.id"] == str(sandbox.pk)
    assert first.attributes["http.response.status_code"] == 200 and first.attributes["attempt"] == 1
    assert first.end_time > first.start_time
    assert any(span.attributes.get("http.response.status_code") == 404 for span in attempts)

    api_key = (await sync_to_async(sandbox.credentials)()).api_key
    for span in spans:
        if span.name.startswith("orderdesk "):
            assert set(span.attributes) <= ATTEMPT_ATTRIBUTES
        assert all(api_key not in str(value) for value in span.attributes.values())


def test_it_is_off_and_loads_no_exporter_without_an_endpoint():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["DJANGO_SETTINGS_MODULE"] = "orderdesk_admin.settings"
    code = (
        "import django, sys; django.setup();"
        "from kernel import telemetry; import contextlib;"
        "print('opentelemetry.exporter.otlp.proto.http' in sys.modules, telemetry._tracer is None,"
        " isinstance(telemetry.operation_span('x'), contextlib.nullcontext))"
    )
    done = run_python(code, env)
    assert done.stdout.split() == ["False", "True", "True"]


def test_an_endpoint_switches_the_export_on(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    try:
        assert telemetry.configure("http://127.0.0.1:9") is True
        assert telemetry._tracer is not None
    finally:
        telemetry.use_provider(None)
    assert telemetry.configure("") is False
