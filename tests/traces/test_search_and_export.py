"""Searching the trace list (request id, order id, error code, text) and exporting what it shows."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mcp_bridge import selectors
from operations.models import TraceOutcome
from operations.recording import order_reference
from tenants.models import AuditEvent
from tests.helpers import sign_in
from tests.traces.factories import SpanFactory, TraceFactory

pytestmark = pytest.mark.django_db

LIST = reverse("mcp_bridge:trace-list")
EXPORT = reverse("mcp_bridge:trace-export")


@pytest.fixture
def found(acme, globex):
    """Acme's traces to search among, and Globex traces that share every searchable value."""
    traces = {
        "by_request": TraceFactory(tenant=acme, request_id="req-findme", operation="orders_list"),
        "by_order": TraceFactory(tenant=acme, order_id="5150", operation="orders_get"),
        "failed": TraceFactory(
            tenant=acme,
            operation="orders_update",
            outcome=TraceOutcome.ERROR,
            error_code="upstream_rejected",
            error_message="OrderDesk said: Shipping Method Is Invalid",
        ),
        "old_failure": TraceFactory(
            tenant=acme,
            outcome=TraceOutcome.ERROR,
            error_code="upstream_rejected",
            error_message="Shipping method is invalid, a month ago",
            started_at=timezone.now() - timedelta(days=30),
        ),
        "other": TraceFactory(tenant=acme, operation="products_list"),
    }
    for value in ("req-findme", "5150"):
        TraceFactory(
            tenant=globex,
            request_id=value,
            order_id=value,
            error_code="upstream_rejected",
            error_message="Shipping method is invalid",
        )
    return traces


def listed(acme, **filters) -> set:
    return {t.pk for t in selectors.trace_list(tenant=acme, filters=filters)}


def test_the_search_box_finds_a_trace_by_request_id(acme, found):
    assert listed(acme, q="req-findme") == {found["by_request"].pk}
    assert listed(acme, request_id="req-findme") == {found["by_request"].pk}


def test_the_search_box_finds_the_calls_about_an_order(acme, found):
    assert listed(acme, q=" 5150 ") == {found["by_order"].pk}
    assert listed(acme, order_id="5150") == {found["by_order"].pk}


def test_the_search_box_finds_traces_by_error_code(acme, found):
    both = {found["failed"].pk, found["old_failure"].pk}
    assert listed(acme, q="upstream_rejected") == both
    assert listed(acme, error_code="upstream_rejected") == both


def test_text_is_matched_in_error_messages_of_the_last_week_in_any_case(acme, found):
    assert listed(acme, q="shipping METHOD") == {found["failed"].pk}


def test_text_reaches_further_back_from_a_chosen_start_date(acme, found):
    start = (timezone.now() - timedelta(days=60)).date().isoformat()
    assert listed(acme, q="shipping method", date_from=start) == {found["failed"].pk, found["old_failure"].pk}


def test_a_search_that_matches_nothing_lists_nothing(acme, found):
    assert listed(acme, q="no-such-thing") == set()


def test_a_search_never_lists_another_tenants_traces(client, charlie, found):
    response = sign_in(client, charlie).get(LIST, {"q": "req-findme"})
    assert response.status_code == 200
    assert str(found["by_request"].pk) not in response.content.decode()
    assert len(response.context["page_obj"]) == 1  # Globex's own trace with that request id


def test_the_page_has_one_search_box_with_a_plain_placeholder(client, alice, found):
    page = sign_in(client, alice).get(LIST, {"q": "req-findme"}).content.decode()
    assert 'placeholder="request id, order id, error code or text"' in page
    assert 'value="req-findme"' in page


def test_the_order_id_is_recorded_from_the_arguments_or_the_created_order():
    assert order_reference({"order_id": 1001}, None) == "1001"
    assert order_reference({"folder": "x"}, {"id": "2002", "email": "a@b.c"}) == "2002"
    assert order_reference({}, {"order_id": "3003"}) == "3003"
    assert order_reference({"order_id": True}, ["not", "a", "dict"]) == ""


def test_the_count_stops_at_its_cap_and_says_so(client, alice, acme, monkeypatch):
    monkeypatch.setattr(selectors.CappedPaginator, "cap", 3)
    for _ in range(5):
        TraceFactory(tenant=acme)
    page = sign_in(client, alice).get(LIST).content.decode()
    assert "More than 3 traces" in page
    assert len(TraceFactory._meta.model.objects.all()) == 5


# --- Export ---------------------------------------------------------------------------------------------


def test_it_exports_the_filtered_traces_as_json_lines(client, alice, acme, found):
    response = sign_in(client, alice).get(EXPORT, {"error_code": "upstream_rejected", "format": "jsonl"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("application/x-ndjson")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="traces-{today}.jsonl"'
    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert {row["id"] for row in rows} == {str(found["failed"].pk), str(found["old_failure"].pk)}
    assert rows[0]["error_message"] == "OrderDesk said: Shipping Method Is Invalid"  # newest first


def test_it_exports_the_filtered_traces_as_csv(client, alice, acme, found):
    response = sign_in(client, alice).get(EXPORT, {"q": "5150", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["order_id"] for row in rows] == ["5150"]
    assert json.loads(rows[0]["arguments"]) == {"order_id": "1001"}
    assert rows[0]["operation"] == "orders_get"


def test_an_export_never_holds_another_tenants_traces(client, charlie, found):
    body = b"".join(sign_in(client, charlie).get(EXPORT, {"format": "jsonl"}).streaming_content).decode()
    rows = [json.loads(line) for line in body.splitlines()]
    assert len(rows) == 2
    assert not {str(t.pk) for t in found.values()} & {row["id"] for row in rows}


def test_a_capped_export_says_it_stopped(client, alice, acme, monkeypatch):
    monkeypatch.setattr(selectors, "TRACE_EXPORT_CAP", 2)
    for _ in range(3):
        TraceFactory(tenant=acme)
    body = b"".join(sign_in(client, alice).get(EXPORT).streaming_content).decode()
    lines = [json.loads(line) for line in body.splitlines()]
    assert len(lines) == 3 and lines[-1]["capped"] is True and lines[-1]["rows"] == 2
    assert "narrow the filters" in lines[-1]["note"]


def test_an_export_of_exactly_the_cap_is_not_called_cut(client, alice, acme, monkeypatch):
    monkeypatch.setattr(selectors, "TRACE_EXPORT_CAP", 2)
    for _ in range(2):
        TraceFactory(tenant=acme)
    body = b"".join(sign_in(client, alice).get(EXPORT, {"format": "csv"}).streaming_content).decode()
    assert len(body.splitlines()) == 3 and "Export stopped" not in body


def test_a_csv_cell_that_looks_like_a_formula_is_kept_as_text(client, alice, acme):
    TraceFactory(tenant=acme, outcome=TraceOutcome.ERROR, error_message="=HYPERLINK('http://evil')")
    body = b"".join(sign_in(client, alice).get(EXPORT, {"format": "csv"}).streaming_content).decode()
    assert next(iter(csv.DictReader(io.StringIO(body))))["error_message"] == "'=HYPERLINK('http://evil')"


def test_an_export_is_audited_with_its_filters(client, alice, acme, found):
    sign_in(client, alice).get(EXPORT, {"q": "5150", "format": "csv"})
    event = AuditEvent.objects.get(action="traces.exported")
    assert event.tenant == acme and event.actor_user == alice
    assert event.detail == {"format": "csv", "filters": {"q": "5150"}}


def test_the_list_links_its_export_with_the_same_filters(client, alice, found):
    page = sign_in(client, alice).get(LIST, {"error_code": "upstream_rejected"}).content.decode()
    assert f"{EXPORT}?error_code=upstream_rejected&amp;format=csv" in page


# --- Query counts ----------------------------------------------------------------------------------------


def test_the_list_reads_a_constant_number_of_queries(client, alice, acme, django_assert_max_num_queries):
    for _ in range(60):
        TraceFactory(tenant=acme)
    signed_in = sign_in(client, alice)
    signed_in.get(LIST)  # warm the session
    with django_assert_max_num_queries(12):
        assert signed_in.get(LIST, {"q": "req-1"}).status_code == 200
    with django_assert_max_num_queries(12):
        assert signed_in.get(LIST, {"page": "2"}).status_code == 200


def test_a_trace_page_reads_a_constant_number_of_queries(client, alice, acme, django_assert_max_num_queries):
    trace = TraceFactory(tenant=acme, upstream_calls=20)
    for seq in range(20):
        SpanFactory(trace=trace, seq=seq + 1)
    signed_in = sign_in(client, alice)
    with django_assert_max_num_queries(10):
        assert signed_in.get(reverse("mcp_bridge:trace-detail", args=[trace.pk])).status_code == 200
