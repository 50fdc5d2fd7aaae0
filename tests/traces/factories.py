"""Factories for traces, spans and stores, and a helper that signs a test client in."""

from datetime import timedelta

import factory
from django.utils import timezone

from mcp_bridge.models import Span, Trace, TraceOutcome, TraceSource
from stores.models import Store
from tests.factories import TenantFactory


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    orderdesk_store_id = factory.Sequence(lambda n: str(10_000 + n))
    is_sandbox = False

    @factory.post_generation
    def api_key(obj, create, extracted, **kwargs):
        obj.set_api_key(extracted or "test-orderdesk-api-key-1234")
        if create:
            obj.save()


class TraceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trace

    tenant = factory.SubFactory(TenantFactory)
    operation = "orders_get"
    source = TraceSource.MCP
    outcome = TraceOutcome.OK
    arguments = factory.LazyFunction(lambda: {"order_id": "1001"})
    duration_ms = 120.0
    upstream_calls = 0
    request_id = factory.Sequence(lambda n: f"req-{n}")
    started_at = factory.LazyFunction(timezone.now)


class SpanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Span

    trace = factory.SubFactory(TraceFactory)
    seq = factory.Sequence(lambda n: n + 1)
    method = "GET"
    path = "/orders/1001"
    status = 200
    duration_ms = 80.0
    tokens_remaining = 19
    started_at = factory.LazyFunction(timezone.now)


def hours_ago(hours: float):
    return timezone.now() - timedelta(hours=hours)
