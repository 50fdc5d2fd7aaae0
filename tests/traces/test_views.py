import pytest
from django.urls import reverse
from pytest_django.asserts import assertTemplateUsed

from operations.registry import REGISTRY
from tests.helpers import sign_in
from tests.traces.factories import SpanFactory, TraceFactory

LIST = reverse("mcp_bridge:trace-list")


def detail(trace):
    return reverse("mcp_bridge:trace-detail", args=[trace.pk])


@pytest.fixture
def update_trace(acme, acme_store):
    trace = TraceFactory(
        tenant=acme,
        operation="orders_update",
        store_id=acme_store.pk,
        store_name=acme_store.name,
        actor_label="key agent (odk_k1_ab)",
        arguments={"order_id": "1001", "changes": {"email": "new@x.test"}},
        result_summary={"id": "1001", "email": "new@x.test"},
        before={"id": "1001", "email": "old@x.test", "shipping": {"city": "Oslo"}},
        after={"id": "1001", "email": "new@x.test", "shipping": {"city": "Oslo"}, "note": "hi"},
        upstream_calls=3,
        request_id="req-abc",
    )
    SpanFactory(trace=trace, seq=1, method="GET", path="/orders/1001", response_body='{"status":"success"}')
    SpanFactory(trace=trace, seq=2, method="PUT", path="/orders/1001", status=429, retry_reason="429")
    SpanFactory(
        trace=trace,
        seq=3,
        method="PUT",
        path="/orders/1001",
        attempt=2,
        request_body='{"email":"new@x.test"}',
    )
    return trace


def test_it_lists_the_tenants_traces(client, alice, update_trace):
    response = sign_in(client, alice).get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="trace-{update_trace.pk}"' in body and "orders_update" in body and "Acme Main" in body
    assert 'id="trace-rows"' in body


def test_it_renders_only_the_table_for_htmx(client, alice, update_trace):
    params = {"outcome": "ok", "operation": "", "source": ""}
    response = sign_in(client, alice).get(LIST, params, headers={"HX-Request": "true"})
    assertTemplateUsed(response, "trace-results")
    assert b"<html" not in response.content and b"orders_update" in response.content
    assert response["HX-Push-Url"] == "/traces/?outcome=ok"  # empty filters stay out of the address bar


def test_it_filters_the_list(client, alice, acme, update_trace):
    TraceFactory(tenant=acme, operation="orders_list", outcome="error", source="console")
    sign_in(client, alice)
    body = client.get(LIST, {"outcome": "error"}).content.decode()
    assert "orders_list</code>" in body and "orders_update</code>" not in body
    body = client.get(LIST, {"source": "mcp", "operation": "orders_update"}).content.decode()
    assert "orders_update</code>" in body and "orders_list</code>" not in body


def test_it_reports_an_impossible_date_range(client, alice, update_trace):
    body = sign_in(client, alice).get(LIST, {"date_from": "2025-05-02", "date_to": "2025-05-01"}).content
    assert b"The end date is before the start date." in body


def test_it_keeps_filters_in_the_page_links(client, alice, acme):
    for _ in range(55):
        TraceFactory(tenant=acme, operation="orders_get")
    body = sign_in(client, alice).get(LIST, {"operation": "orders_get"}).content.decode()
    assert 'href="/traces/?operation=orders_get&amp;page=2"' in body
    assert 'hx-get="/traces/?operation=orders_get&amp;page=2"' in body


def test_it_connects_the_live_tail_with_the_filters(client, alice, update_trace):
    sign_in(client, alice)
    assert b"ws-connect" not in client.get(LIST).content
    body = client.get(
        LIST, {"live": "on", "outcome": "error"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'hx-ext="ws" ws-connect="/ws/traces/?outcome=error"' in body


def test_it_never_lists_another_tenants_traces(client, charlie, update_trace):
    sign_in(client, charlie)
    for params in ({}, {"operation": "orders_update"}, {"store": str(update_trace.store_id)}):
        body = client.get(LIST, params).content.decode()
        assert str(update_trace.pk) not in body and "orders_update</code>" not in body


def test_it_shows_a_trace_with_its_spans_and_diff(client, alice, update_trace):
    body = sign_in(client, alice).get(detail(update_trace)).content.decode()
    assert "req-abc" in body and "key agent (odk_k1_ab)" in body and "Acme Main" in body
    assert body.count("<details") == 3
    assert "retried: 429" in body and "attempt 2" in body
    assert "&quot;status&quot;: &quot;success&quot;" in body  # pretty-printed response body
    diff = body.split('id="trace-diff"')[1].split("</table>")[0]
    assert (
        "<code>email</code>" in diff and "&quot;old@x.test&quot;" in diff and "&quot;new@x.test&quot;" in diff
    )
    assert "<code>note</code>" in diff and "shipping.city" not in diff
    assert "1 changed · 1 added · 0 removed · 2 unchanged fields" in body


def test_it_offers_to_open_a_registered_operation_in_the_console(client, alice, acme):
    name = "orders_update"
    assert name in {op.name for op in REGISTRY}
    trace = TraceFactory(tenant=acme, operation=name)
    body = sign_in(client, alice).get(detail(trace)).content.decode()
    assert f'href="/console/{name}/?trace={trace.pk}"' in body


def test_it_does_not_offer_replay_of_an_unknown_operation(client, alice, acme):
    trace = TraceFactory(tenant=acme, operation="orders_retired")
    assert b"Open in console" not in sign_in(client, alice).get(detail(trace)).content


def test_it_renders_only_the_detail_for_htmx(client, alice, update_trace):
    response = sign_in(client, alice).get(detail(update_trace), headers={"HX-Request": "true"})
    assertTemplateUsed(response, "trace-detail")
    assert b"<html" not in response.content


def test_it_hides_another_tenants_trace(client, charlie, update_trace):
    sign_in(client, charlie)
    assert client.get(detail(update_trace)).status_code == 404
    assert client.get(detail(update_trace), headers={"HX-Request": "true"}).status_code == 404


def test_it_lets_viewers_read_traces(client, vera, update_trace):
    assert sign_in(client, vera).get(detail(update_trace)).status_code == 200


def test_it_asks_for_a_signed_in_member(client, update_trace):
    assert client.get(LIST).status_code == 302
    assert client.get(detail(update_trace)).status_code == 302


def test_it_renders_the_whole_trace_list_for_an_htmx_history_restore(client, alice, update_trace):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = sign_in(client, alice).get(LIST, {"outcome": "ok"}, headers=headers)
    assert b"<html" in response.content and b'id="trace-filters"' in response.content
    assert b"orders_update" in response.content
