"""Saving a call's trace: whole with its spans, an audit row for a write, and a refused trace reported
without spoiling anything else the database was doing."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kernel.tracing import SpanRecord, TraceRecorder
from operations import recording
from operations.models import Span, Trace
from operations.registry import REGISTRY
from tenants.models import AuditEvent


def save(op_name, actor, recorder=None, error=None):
    return recording._save(
        op=REGISTRY.get(op_name),
        actor=actor,
        source="web",
        arguments={"order_id": "5"},
        recorder=recorder or TraceRecorder(),
        result={"id": "5"},
        error=error,
        duration_ms=1.0,
    )


def span():
    return SpanRecord(method="GET", path="/orders/5", started_at=timezone.now(), duration_ms=2.0, status=200)


@pytest.fixture
def refused_trace(monkeypatch):
    def refuse(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_for_traces")
        raise AssertionError("the database accepted a query on a missing table")

    monkeypatch.setattr(recording, "_create_trace", refuse)


@pytest.mark.django_db(transaction=True)  # outside any transaction, as under /mcp
def test_a_read_is_traced_with_its_spans_and_audited_nowhere(alice_actor):
    with_spans = TraceRecorder(spans=[span(), span()])

    trace = save("orders_get", alice_actor, with_spans)
    bare = save("orders_get", alice_actor)

    assert Span.objects.filter(trace=trace).count() == 2
    assert Trace.objects.filter(pk__in=[trace.pk, bare.pk]).count() == 2
    assert not AuditEvent.objects.filter(action="operation").exists()


def test_a_write_is_traced_and_audited(alice_actor):
    trace = save("orders_add_note", alice_actor)

    assert AuditEvent.objects.get(action="operation").detail["trace"] == str(trace.pk)


@pytest.mark.usefixtures("refused_trace")
@pytest.mark.parametrize("operation", ["orders_get", "orders_add_note"])
def test_a_refused_trace_is_reported_and_leaves_the_callers_transaction_usable(alice_actor, operation):
    with transaction.atomic():
        with pytest.raises(recording.TraceNotRecorded):
            save(operation, alice_actor)
        assert AuditEvent.objects.filter(action="operation").count() == (operation == "orders_add_note")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("refused_trace")
def test_a_refused_read_trace_outside_a_transaction_is_reported(alice_actor):
    with pytest.raises(recording.TraceNotRecorded) as raised:
        save("orders_get", alice_actor)
    assert isinstance(raised.value.__cause__, DatabaseError)
