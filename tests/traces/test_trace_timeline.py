"""The trace detail page shows where the time went: attempts and the waits between them."""

from datetime import timedelta

from django.urls import reverse

from mcp_bridge.timeline import trace_timeline
from operations.models import Span
from tests.helpers import sign_in
from tests.traces.factories import TraceFactory


def _span(trace, seq, offset_ms, duration_ms, status, attempt=1, retry_reason=""):
    return Span.objects.create(
        trace=trace, seq=seq, method="GET", path="/orders", status=status, attempt=attempt,
        duration_ms=duration_ms, retry_reason=retry_reason,
        started_at=trace.started_at + timedelta(milliseconds=offset_ms),
    )  # fmt: skip


def test_a_slow_trace_with_fast_spans_shows_the_back_off_between_them(client, alice, acme):
    trace = TraceFactory(tenant=acme, duration_ms=1200.0, upstream_calls=2)
    _span(trace, 1, 10, 7, 503, retry_reason="503")
    _span(trace, 2, 1190, 6, 200, attempt=2)
    timeline = trace_timeline(trace, list(trace.spans.all()))
    kinds = [row.kind for row in timeline.rows]
    assert kinds == ["wait", "call", "wait", "call"]
    back_off = timeline.rows[2]
    assert back_off.label.startswith("back-off before attempt 2") and round(back_off.duration_ms) == 1173
    assert timeline.calling_ms == 13 and round(timeline.waited_ms) == 1173
    body = sign_in(client, alice).get(reverse("mcp_bridge:trace-detail", args=[trace.pk])).content.decode()
    assert "Timeline" in body and "back-off before attempt 2 after 503" in body
    assert body.count("<rect ") == 4 and 'href="#span-2"' in body


def test_a_trace_without_upstream_calls_has_no_timeline(client, alice, acme):
    trace = TraceFactory(tenant=acme, upstream_calls=0)
    assert trace_timeline(trace, []) is None
    body = sign_in(client, alice).get(reverse("mcp_bridge:trace-detail", args=[trace.pk])).content.decode()
    assert "trace-timeline-title" not in body
