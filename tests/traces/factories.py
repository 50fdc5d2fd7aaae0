"""Factories for traces and their spans."""

from datetime import timedelta

import factory
from django.utils import timezone

from operations.models import Span, Trace, TraceOutcome, TraceSource
from tests.factories import TenantFactory


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
