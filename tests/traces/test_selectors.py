from datetime import timedelta

import pytest
from django.utils import timezone

from kernel.errors import NotFound
from mcp_bridge import selectors
from mcp_bridge.filters import LIVE_FILTERS
from tests.factories import ApiKeyFactory, StoreFactory
from tests.traces.factories import TraceFactory, hours_ago


def names(traces):
    return [t.operation for t in traces]


@pytest.fixture
def traces(acme, alice, acme_store):
    key = ApiKeyFactory(id="k1", tenant=acme, prefix="odk_k1_ab")
    return {
        "old": TraceFactory(tenant=acme, operation="orders_list", started_at=hours_ago(72)),
        "by_alice": TraceFactory(tenant=acme, operation="orders_get", source="console", actor_user=alice),
        "by_key": TraceFactory(
            tenant=acme,
            operation="orders_update",
            actor_key_id=key.pk,
            outcome="error",
            store_id=acme_store.pk,
        ),
        "crash": TraceFactory(tenant=acme, operation="orders_move", outcome="crash", started_at=hours_ago(1)),
        "key": key,
    }


def test_it_lists_the_tenants_traces_newest_first(acme, globex, traces):
    TraceFactory(tenant=globex, operation="globex_only")
    assert names(selectors.trace_list(tenant=acme)) == [
        "orders_update",
        "orders_get",
        "orders_move",
        "orders_list",
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"operation": "orders_get"}, ["orders_get"]),
        ({"outcome": "crash"}, ["orders_move"]),
        ({"outcome": "error"}, ["orders_update"]),
        ({"source": "console"}, ["orders_get"]),
        ({"actor": "key:k1"}, ["orders_update"]),
        ({"operation": "orders_get", "outcome": "error"}, []),
    ],
)
def test_it_filters_traces(acme, traces, filters, expected):
    assert names(selectors.trace_list(tenant=acme, filters=filters)) == expected


@pytest.mark.parametrize(
    "filters",
    [
        {"actor": "user:notanumber"},
        {"store": "not-a-uuid"},
        {"operation": "globex_only"},
        {"outcome": "maybe"},
        {"date_from": "yesterday"},
    ],
)
def test_it_reports_and_ignores_a_value_it_does_not_offer(acme, globex, traces, filters):
    TraceFactory(tenant=globex, operation="globex_only")
    trace_filters = selectors.trace_filters(tenant=acme, data=filters)
    assert not trace_filters.is_valid() and set(trace_filters.errors) == set(filters)
    assert len(trace_filters.qs) == 4


def test_it_refuses_another_tenants_store_and_member(acme, globex, charlie, traces):
    globex_store = StoreFactory(tenant=globex)
    for value in ({"store": str(globex_store.pk)}, {"actor": f"user:{charlie.pk}"}):
        assert not selectors.trace_filters(tenant=acme, data=value).is_valid()


def test_it_filters_by_user_store_and_date_range(acme, alice, acme_store, traces):
    assert names(selectors.trace_list(tenant=acme, filters={"actor": f"user:{alice.pk}"})) == ["orders_get"]
    assert names(selectors.trace_list(tenant=acme, filters={"store": str(acme_store.pk)})) == [
        "orders_update"
    ]
    three_days_ago = (timezone.now() - timedelta(hours=72)).date()
    only_old = {"date_from": three_days_ago, "date_to": three_days_ago}
    assert names(selectors.trace_list(tenant=acme, filters=only_old)) == ["orders_list"]
    since_today = {"date_from": timezone.now().date().isoformat()}
    assert "orders_list" not in names(selectors.trace_list(tenant=acme, filters=since_today))


def test_it_ignores_an_end_date_before_the_start_date(acme, traces):
    three_days_ago = (timezone.now() - timedelta(hours=72)).date()
    backwards = {"date_from": three_days_ago, "date_to": three_days_ago - timedelta(days=1)}
    trace_filters = selectors.trace_filters(tenant=acme, data=backwards)
    assert trace_filters.errors["date_to"] == ["The end date is before the start date."]
    assert names(trace_filters.qs) == ["orders_update", "orders_get", "orders_move", "orders_list"]


def test_it_paginates(acme):
    for _ in range(selectors.TRACES_PER_PAGE + 3):
        TraceFactory(tenant=acme)
    page = selectors.trace_page(filters=selectors.trace_filters(tenant=acme), page=2)
    assert page.number == 2 and len(page) == 3


def test_it_finds_a_trace_only_in_its_tenant(acme, globex, traces):
    trace = traces["by_alice"]
    assert selectors.trace_get(tenant=acme, trace_id=trace.pk) == trace
    with pytest.raises(NotFound):
        selectors.trace_get(tenant=globex, trace_id=trace.pk)
    with pytest.raises(NotFound):
        selectors.trace_get(tenant=acme, trace_id="nonsense")


def test_it_offers_filter_choices_from_the_tenant_only(acme, globex, alice, charlie, traces):
    TraceFactory(tenant=globex, operation="globex_only")
    choices = selectors.trace_filter_choices(tenant=acme, operation_names=["stores_list"])
    assert "globex_only" not in choices["operations"]
    assert {"stores_list", "orders_get"} <= set(choices["operations"])
    assert (f"user:{alice.pk}", "alice@acme.test") in choices["actors"]
    assert ("key:k1", "key agent (odk_k1_ab)") in choices["actors"]
    assert all("globex" not in label for _, label in choices["actors"])


def test_it_flattens_nested_json_to_dotted_paths():
    value = {"id": 1, "shipping": {"city": "Oslo", "lines": ["a", "b"]}, "items": [{"sku": "X"}], "tags": []}
    assert selectors.flatten(value) == {
        "id": 1,
        "shipping.city": "Oslo",
        "shipping.lines.0": "a",
        "shipping.lines.1": "b",
        "items.0.sku": "X",
        "tags": [],
    }


def test_it_diffs_changed_added_and_removed_fields():
    before = {"id": 1, "email": "a@x.test", "shipping": {"city": "Oslo", "zip": "0150"}, "items": [{"q": 1}]}
    after = {
        "id": 1,
        "email": "b@x.test",
        "shipping": {"city": "Oslo"},
        "items": [{"q": 1}, {"q": 2}],
        "note": "hi",
    }
    diff = selectors.diff(before, after)
    assert [(r.path, r.change, r.before, r.after) for r in diff.rows] == [
        ("email", "changed", "a@x.test", "b@x.test"),
        ("items.1.q", "added", None, 2),
        ("note", "added", None, "hi"),
        ("shipping.zip", "removed", "0150", None),
    ]
    assert diff.unchanged == 3
    assert diff.counts == {"changed": 1, "added": 2, "removed": 1}


def test_it_treats_a_type_change_as_a_change():
    assert [r.change for r in selectors.diff({"qty": 1}, {"qty": "1"}).rows] == ["changed"]


def test_it_diffs_creates_and_deletes():
    assert [r.change for r in selectors.diff(None, {"id": 1, "a": 2}).rows] == ["added", "added"]
    assert [r.change for r in selectors.diff({"id": 1}, None).rows] == ["removed"]


def test_it_has_no_diff_without_snapshots(acme):
    assert selectors.trace_diff(TraceFactory(tenant=acme)) is None


def test_it_replays_arguments_only_for_the_same_operation_and_tenant(acme, globex, traces):
    trace = traces["by_alice"]
    assert selectors.replay_arguments(tenant=acme, trace_id=trace.pk, operation="orders_get") == {
        "order_id": "1001"
    }
    with pytest.raises(NotFound):
        selectors.replay_arguments(tenant=acme, trace_id=trace.pk, operation="orders_list")
    with pytest.raises(NotFound):
        selectors.replay_arguments(tenant=globex, trace_id=trace.pk, operation="orders_get")


def test_it_matches_live_filters():
    meta = {"operation": "orders_get", "outcome": "ok", "source": "mcp", "store": "s1", "actor": "key:k1"}
    assert selectors.matches_live_filters({}, meta)
    assert selectors.matches_live_filters({"outcome": "ok", "actor": "key:k1"}, meta)
    assert not selectors.matches_live_filters({"outcome": "error"}, meta)


def test_it_gives_the_live_tail_the_valid_list_filters_but_not_the_dates(acme, traces):
    data = {
        "outcome": "error",
        "actor": "key:k1",
        "operation": "nope",
        "date_from": "2025-01-01",
        "live": "on",
    }
    trace_filters = selectors.trace_filters(tenant=acme, data=data)
    assert trace_filters.is_live
    assert trace_filters.live_query() == "outcome=error&actor=key%3Ak1"
    assert not selectors.trace_filters(tenant=acme, data={"outcome": "error"}).is_live


def test_it_matches_a_live_row_on_the_values_the_list_filters_by(acme, traces):
    trace = traces["by_key"]
    meta = selectors.trace_row_meta(trace)
    # The search box ("q") matches on the others and on the error message.
    assert set(meta) == (set(LIVE_FILTERS) - {"q"}) | {"error_message"}
    for name, value in meta.items():
        if value and name != "error_message":
            assert trace in selectors.trace_list(tenant=acme, filters={name: value}), name
