import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertTemplateUsed

from mcp_bridge import selectors
from stores.models import Store
from tests.helpers import sign_in
from tests.traces.factories import TraceFactory

URL = reverse("dashboard")


def bars(body: str) -> dict[str, tuple[int, int]]:
    found = re.findall(r'data-hour="(\d\d:\d\d)" data-ok="(\d+)" data-errors="(\d+)"', body)
    return {hour: (int(ok), int(errors)) for hour, ok, errors in found}


@pytest.fixture
def now():
    return timezone.now().replace(minute=30, second=0, microsecond=0)


def test_it_counts_calls_and_latency_per_hour(acme, globex, now):
    for duration in (10, 20, 30, 40, 1000):
        TraceFactory(tenant=acme, started_at=now - timedelta(hours=2), duration_ms=duration)
    TraceFactory(tenant=acme, started_at=now - timedelta(hours=2), outcome="error", duration_ms=5)
    TraceFactory(tenant=acme, started_at=now - timedelta(minutes=10), outcome="crash", duration_ms=7)
    TraceFactory(tenant=acme, started_at=now - timedelta(hours=30))  # outside the window
    TraceFactory(tenant=globex, started_at=now - timedelta(hours=2))  # another tenant
    hours = selectors.hourly_activity(tenant=acme, now=now)
    assert len(hours) == 24 and hours[-1].start == now.replace(minute=0)
    two_hours_ago = hours[-3]
    assert (two_hours_ago.ok, two_hours_ago.errors) == (5, 1)
    assert two_hours_ago.p50 == 25 and two_hours_ago.p95 == pytest.approx(760)
    assert (hours[-1].ok, hours[-1].errors) == (0, 1)
    assert sum(h.total for h in hours) == 7


def test_it_computes_percentiles():
    assert selectors.percentile([], 0.5) is None
    assert selectors.percentile([7.0], 0.95) == 7.0
    assert selectors.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


def test_it_shows_stores_recent_traces_and_charts(client, alice, acme, acme_sandbox, acme_store):
    Store.objects.filter(pk=acme_store.pk).update(last_test_ok=False, last_test_message="401")
    start = (timezone.now() - timedelta(hours=1)).replace(minute=30, second=0)  # all in one hour
    for i in range(12):
        TraceFactory(tenant=acme, operation=f"op_{i:02d}", started_at=start + timedelta(seconds=i))
    TraceFactory(tenant=acme, operation="op_err", outcome="error", started_at=start + timedelta(seconds=20))
    response = sign_in(client, alice).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'Acme sandbox</a> <span class="badge">sandbox</span>' in body
    assert "Acme Main" in body and "test failed" in body
    recent = body.split('id="dashboard-recent-rows"')[1].split("</tbody>")[0]
    assert recent.count("<tr ") == 10 and "op_err" in recent and "op_00" not in recent
    hour = start.strftime("%H:00")
    assert bars(body)[hour] == (12, 1)
    assert len(bars(body)) == 24
    chart = body.split('id="chart-volume"')[1].split('<g class="chart-legend"')[0]
    assert chart.count('<rect class="bar"') == 1 and chart.count('<rect class="bar err"') == 1
    assert '<polyline class="line p50"' in body and '<polyline class="line p95"' in body
    assert "Nothing has run yet" not in body


def test_it_draws_no_inline_styles(client, alice, acme):
    TraceFactory(tenant=acme)
    body = sign_in(client, alice).get(URL).content.decode()
    assert "style=" not in body and "<script>" not in body


def test_it_points_a_new_tenant_at_the_sandbox_and_the_console(client, alice, acme_sandbox):
    body = sign_in(client, alice).get(URL).content.decode()
    empty = body.split('id="dashboard-empty"')[1].split("</section>")[0]
    assert "Acme sandbox" in empty
    assert reverse("mcp_bridge:console") in empty
    assert reverse("stores:detail", args=[acme_sandbox.pk]) in empty
    assert "No traces yet." in body


def test_it_offers_key_creation_to_owners_only(client, alice, bob):
    key_form = reverse("keys:list") + "#key-panel"
    assert key_form in sign_in(client, alice).get(URL).content.decode()
    client.logout()
    body = sign_in(client, bob).get(URL).content.decode()
    assert key_form not in body and reverse("stores:add") in body


def test_it_refreshes_only_the_activity_for_htmx(client, alice, acme):
    response = sign_in(client, alice).get(URL, headers={"HX-Request": "true"})
    assertTemplateUsed(response, "dashboard-activity")
    body = response.content.decode()
    assert "<html" not in body and 'id="chart-volume"' in body and 'hx-trigger="every 60s"' in body


def test_it_shows_nothing_of_another_tenant(client, charlie, acme, acme_sandbox):
    TraceFactory(tenant=acme, operation="acme_secret_op")
    body = sign_in(client, charlie).get(URL).content.decode()
    assert "acme_secret_op" not in body and "Acme sandbox" not in body
    assert sum(ok + errors for ok, errors in bars(body).values()) == 0


def test_it_sends_visitors_to_sign_in(client, db):
    assert client.get(URL).status_code == 302


def test_it_interpolates_percentiles_of_unsorted_values():
    assert selectors.percentile([1000.0, 5.0, 40.0, 10.0, 30.0, 20.0], 0.95) == pytest.approx(760)
    assert selectors.percentile([10.0, 20.0], 0.95) == pytest.approx(19.5)


@pytest.mark.parametrize("fraction", [0, 1.0, 0.955])
def test_it_refuses_a_percentile_that_is_not_a_whole_percent_from_1_to_99(fraction):
    with pytest.raises(ValueError):
        selectors.percentile([1.0, 2.0], fraction)


def test_it_counts_calls_errors_and_p95_per_operation(client, alice, acme, globex, now):
    for duration in (10, 20, 30, 40, 1000):
        TraceFactory(
            tenant=acme, operation="orders_list", started_at=now - timedelta(hours=1), duration_ms=duration
        )
    TraceFactory(tenant=acme, operation="orders_update", outcome="error", started_at=now - timedelta(hours=3))
    TraceFactory(tenant=acme, operation="orders_get", started_at=now - timedelta(hours=30))  # outside
    TraceFactory(tenant=globex, operation="products_list", started_at=now - timedelta(hours=1))
    operations = selectors.recent_activity(tenant=acme, now=now).operations
    assert [(op.name, op.total, op.errors) for op in operations] == [
        ("orders_list", 5, 0),
        ("orders_update", 1, 1),
    ]
    assert operations[0].p95 == pytest.approx(808) and operations[1].error_percent == 100
    body = sign_in(client, alice).get(URL).content.decode()
    assert "By operation" in body and "<code>orders_update</code>" in body and "products_list" not in body


def test_chart_text_is_legible(client, alice, acme):
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    assert ".chart text { font-size: 11px;" in css and "min-width: 720px" in css
    assert "prefers-color-scheme: dark" in css


def test_a_trace_on_an_hour_boundary_counts_in_the_hour_it_starts(acme, now):
    first = now.replace(minute=0) - timedelta(hours=23)
    TraceFactory(tenant=acme, started_at=first + timedelta(hours=5))
    TraceFactory(tenant=acme, started_at=first + timedelta(hours=5) - timedelta(milliseconds=1))
    hours = selectors.hourly_activity(tenant=acme, now=now)
    assert (hours[4].total, hours[5].total) == (1, 1)
