"""Dates at the calendar's edges in the trace list's filters: an answer, never a crash."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mcp_bridge import selectors
from tests.helpers import sign_in
from tests.traces.factories import TraceFactory

LIST = reverse("mcp_bridge:trace-list")


@pytest.mark.parametrize(
    "filters",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_to": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_trace_filter_with_a_far_future_date_does_not_crash(client, alice, acme, filters):
    TraceFactory(tenant=acme, operation="orders_get")
    response = sign_in(client, alice).get(LIST, filters)
    assert response.status_code == 200
    # An edge of the calendar is no bound at all on that side.
    expected = [] if filters in ({"date_from": "9999-12-31"}, {"date_to": "0001-01-01"}) else ["orders_get"]
    assert [t.operation for t in selectors.trace_list(tenant=acme, filters=filters)] == expected


@pytest.mark.parametrize("filters", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_edge_dates_hold_in_a_time_zone_away_from_utc(acme, filters):
    TraceFactory(tenant=acme, operation="orders_get")
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        with timezone.override(zone):
            assert len(selectors.trace_list(tenant=acme, filters=filters)) == 1
