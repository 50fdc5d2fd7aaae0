"""The audit page names operations and links their traces, filters by dates and text, and exports."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kernel import context
from tenants.audit import Action, audit
from tenants.models import AuditEvent
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

PAGE = reverse("tenants:audit")
EXPORT = reverse("tenants:audit-export")
TRACE_ID = str(uuid.uuid4())


def _event(tenant, action, *, request_id="", source="web", **fields):
    with context.bind(context.RequestContext(source=source, request_id=request_id)):
        return audit(action, tenant=tenant, **fields)


@pytest.fixture
def events(acme, globex, alice):
    return {
        "traced": _event(
            acme,
            Action.OPERATION,
            user=alice,
            source="console",
            request_id="req-traced",
            target_type="store",
            target_label="Main shop",
            detail={"operation": "orders_update", "trace": TRACE_ID},
        ),
        "untraced": _event(
            acme,
            Action.OPERATION,
            source="mcp",
            request_id="req-lost",
            target_type="operation",
            target_id="orders_create",
            detail={"operation": "orders_create"},
        ),
        # Written as an old row would have been (the log is append-only: no moving it back afterwards).
        "login": AuditEvent.objects.create(
            tenant=acme,
            actor_user=alice,
            actor_label=alice.email,
            action=Action.LOGIN_SUCCEEDED,
            request_id="req-web",
            source="web",
            created_at=timezone.now() - timedelta(days=40),
        ),
        "other_tenant": _event(
            globex,
            Action.OPERATION,
            source="console",
            request_id="req-traced",
            target_label="Main shop",
            detail={"operation": "orders_update", "trace": str(uuid.uuid4())},
        ),
    }


def shown(response) -> set:
    return {event.pk for event in response.context["page_obj"]}


def test_rows_name_the_operation_and_link_its_trace(client, alice, events):
    page = sign_in(client, alice).get(PAGE).content.decode()
    assert "orders_update" in page and "orders_create" in page
    assert reverse("mcp_bridge:trace-detail", args=[TRACE_ID]) in page
    # An operation whose trace was not saved: the trace list searched by its request id.
    assert f"{reverse('mcp_bridge:trace-list')}?request_id=req-lost" in page
    # A web sign-in runs no operation: nothing to link.
    assert "?request_id=req-web" not in page


def test_the_page_reads_a_constant_number_of_queries(client, alice, acme, django_assert_max_num_queries):
    for n in range(60):
        _event(acme, Action.OPERATION, source="mcp", request_id=f"r{n}", detail={"operation": "orders_get"})
    signed_in = sign_in(client, alice)
    signed_in.get(PAGE)
    with django_assert_max_num_queries(10):
        assert signed_in.get(PAGE).status_code == 200
    with django_assert_max_num_queries(10):
        assert signed_in.get(PAGE, {"q": "orders", "page": "2"}).status_code == 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("main SHOP", {"traced"}),  # target label, any case
        ("alice@acme", {"traced", "login"}),  # actor
        ("login.succ", {"login"}),  # action
        ("orders_create", {"untraced"}),  # target id
        ("req-lost", {"untraced"}),  # request id
    ],
)
def test_the_text_filter_matches_actor_target_action_and_request(client, alice, events, text, expected):
    response = sign_in(client, alice).get(PAGE, {"q": text})
    assert shown(response) == {events[name].pk for name in expected}


def test_the_date_range_narrows_the_events(client, alice, events):
    signed_in = sign_in(client, alice)
    recent = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert shown(signed_in.get(PAGE, {"date_from": recent})) == {events["traced"].pk, events["untraced"].pk}
    assert shown(signed_in.get(PAGE, {"date_to": recent})) == {events["login"].pk}


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        ({"date_to": "9999-12-31"}, 3),
        ({"date_from": "9999-12-31"}, 0),
        ({"date_from": "0001-01-01"}, 3),
        ({"date_to": "0001-01-01"}, 0),
    ],
)
def test_audit_filter_with_a_far_future_date_does_not_crash(client, alice, events, filters, count):
    response = sign_in(client, alice).get(PAGE, filters)
    assert response.status_code == 200
    assert len(shown(response)) == count


def test_an_impossible_date_range_is_reported(client, alice, events):
    response = sign_in(client, alice).get(PAGE, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "The end date is before the start date." in response.content.decode()


def test_no_filter_shows_another_tenants_events(client, charlie, events):
    response = sign_in(client, charlie).get(PAGE, {"q": "Main shop"})
    assert shown(response) == {events["other_tenant"].pk}


def test_it_exports_the_filtered_events_as_csv(client, alice, events):
    response = sign_in(client, alice).get(EXPORT, {"q": "orders", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="audit-{today}.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row["operation"] for row in rows) == ["orders_create", "orders_update"]
    assert {row["request_id"] for row in rows} == {"req-traced", "req-lost"}


def test_it_exports_the_filtered_events_as_json_lines(client, alice, events):
    response = sign_in(client, alice).get(EXPORT, {"action": "login.succeeded"})
    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [row["action"] for row in rows] == ["login.succeeded"]


def test_an_export_holds_only_the_tenants_events(client, charlie, events):
    response = sign_in(client, charlie).get(EXPORT, {"format": "jsonl"})
    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [row["detail"]["trace"] for row in rows] == [events["other_tenant"].detail["trace"]]


def test_exporting_the_audit_log_is_itself_audited(client, alice, acme, events):
    sign_in(client, alice).get(EXPORT, {"q": "orders", "format": "jsonl"})
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.tenant == acme and event.actor_user == alice
    assert event.detail == {"format": "jsonl", "filters": {"q": "orders"}}


def test_the_page_links_its_export_with_the_same_filters(client, alice, events):
    page = sign_in(client, alice).get(PAGE, {"q": "orders"}).content.decode()
    assert f"{EXPORT}?q=orders&amp;format=csv" in page
