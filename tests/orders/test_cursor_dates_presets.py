"""Cursors, date arguments and field presets (no OrderDesk involved)."""

import json

import pytest
from django.core import signing

from kernel.errors import InvalidInput
from orders.services import dates
from orders.services.presets import project
from orders.types import Order, OrderPage, OrderStandard, OrderSummary
from records import cursor
from tests.orders.fake import FOLDERS, FakeOrderDesk

SCOPE = {"tenant": "t1", "store": "s1", "email": "ada@example.com"}


def test_it_round_trips_an_offset():
    token = cursor.make_cursor("orders_list", SCOPE, 50)
    assert cursor.read_cursor("orders_list", SCOPE, token) == 50


def test_it_starts_at_zero_without_a_cursor():
    assert cursor.read_cursor("orders_list", SCOPE, None) == 0


def test_it_rejects_a_tampered_cursor():
    token = cursor.make_cursor("orders_list", SCOPE, 50)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(InvalidInput) as exc:
        cursor.read_cursor("orders_list", SCOPE, tampered)
    assert exc.value.field == "cursor"


def test_it_rejects_a_forged_cursor_with_a_chosen_offset():
    forged = signing.dumps({"o": 10_000, "b": "whatever"}, salt="another-salt")
    with pytest.raises(InvalidInput):
        cursor.read_cursor("orders_list", SCOPE, forged)


@pytest.mark.parametrize(
    ("operation", "scope"),
    [
        ("orders_list", {**SCOPE, "email": "bob@example.com"}),
        ("orders_list", {**SCOPE, "folder_id": "1001"}),
        ("orders_list", {**SCOPE, "store": "s2"}),
        ("orders_list", {**SCOPE, "tenant": "t2"}),
        ("products_list", SCOPE),
    ],
)
def test_it_rejects_a_cursor_reused_with_other_filters(operation, scope):
    token = cursor.make_cursor("orders_list", SCOPE, 25)
    with pytest.raises(InvalidInput) as exc:
        cursor.read_cursor(operation, scope, token)
    assert "other filters" in exc.value.message


def test_it_rejects_an_expired_cursor(monkeypatch):
    token = cursor.make_cursor("orders_list", SCOPE, 25)
    monkeypatch.setattr(cursor, "MAX_AGE_SECONDS", -1)
    with pytest.raises(InvalidInput) as exc:
        cursor.read_cursor("orders_list", SCOPE, token)
    assert "expired" in exc.value.message


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        ("2025-01-31", False, "2025-01-31 00:00:00"),
        ("2025-01-31", True, "2025-01-31 23:59:59"),
        ("2025-01-31 08:30:00", False, "2025-01-31 08:30:00"),
        ("2025-01-31T08:30:00Z", False, "2025-01-31 08:30:00"),
        ("2025-01-31T08:30:00.000Z", False, "2025-01-31 08:30:00"),
        ("2025-01-31T10:30:00+02:00", False, "2025-01-31 08:30:00"),
    ],
)
def test_it_accepts_the_date_formats_orderdesk_clients_use(value, end, expected):
    assert dates.parse_date(value, field="x", end=end).strftime(dates.ORDERDESK_FORMAT) == expected


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "31/01/2025", "2025-01-31 25:00:00"])
def test_it_names_the_field_of_a_bad_date(value):
    with pytest.raises(InvalidInput) as exc:
        dates.date_range({"modified_start_date": value}, [])
    assert exc.value.field == "modified_start_date"
    assert "modified_start_date" in exc.value.message


def test_it_refuses_an_end_before_the_start():
    with pytest.raises(InvalidInput) as exc:
        dates.date_range(
            {"search_start_date": "2025-02-01", "search_end_date": "2025-01-01"},
            [("search_start_date", "search_end_date")],
        )
    assert exc.value.field == "search_end_date"


def test_it_accepts_a_single_day_range_given_as_bare_dates():
    result = dates.date_range(
        {"search_start_date": "2025-02-01", "search_end_date": "2025-02-01"},
        [("search_start_date", "search_end_date")],
    )
    assert result == {"search_start_date": "2025-02-01 00:00:00", "search_end_date": "2025-02-01 23:59:59"}


def test_it_refuses_an_offset_on_local_dates():
    with pytest.raises(InvalidInput) as exc:
        dates.date_range(
            {"search_start_date_local": "2025-01-31T08:00:00Z"},
            [],
            local_fields=frozenset({"search_start_date_local"}),
        )
    assert exc.value.field == "search_start_date_local"


def _raw_order():
    fake = FakeOrderDesk()
    return fake.add_order(
        order_shipments=[{"id": "9", "tracking_number": "1Z"}],
        order_items=[{"id": "1", "name": "A", "code": "A", "price": "2.5", "quantity": "3"}],
        surprise_field={"kept": True},
    )


def test_it_projects_the_summary_preset_with_derived_fields():
    row = project(_raw_order(), "summary", FOLDERS)
    assert type(row) is OrderSummary
    data = row.model_dump()
    assert set(data) == {
        "id", "source_id", "email", "customer_name", "folder_id", "folder_name", "order_total", "date_added",
        "shipping_country", "shipping_state", "item_count", "shipped",
    }  # fmt: skip
    assert data["customer_name"] == "Ada Lovelace"
    assert data["folder_name"] == "New"
    assert data["order_total"] == 21.17
    assert data["item_count"] == 3
    assert data["shipped"] is True
    assert data["shipping_country"] == "GB"


def test_it_projects_the_standard_preset_without_metadata():
    row = project(_raw_order(), "standard", FOLDERS)
    assert type(row) is OrderStandard
    data = row.model_dump()
    assert {"shipping", "customer", "order_items", "order_shipments", "shipping_total"} <= set(data)
    assert "order_metadata" not in data and "surprise_field" not in data
    assert data["order_items"][0] == {"id": "1", "code": "A", "name": "A", "quantity": 3, "price": 2.5}


def test_it_keeps_unknown_upstream_fields_in_the_full_preset():
    row = project(_raw_order(), "full", FOLDERS)
    assert type(row) is Order
    data = row.model_dump()
    assert data["surprise_field"] == {"kept": True}
    assert data["checkout_data"] == {}  # PHP's [] decoded as a map
    assert data["email_count"] == 3
    assert data["folder_id"] == 1001 and isinstance(data["id"], str)


def test_it_keeps_a_summary_page_of_25_orders_small():
    fake = FakeOrderDesk()
    rows = []
    for n in range(25):
        rows.append(
            project(
                fake.add_order(
                    email=f"customer.with.a.long.address.{n}@example-shop.com",
                    shipping={
                        "first_name": "Maximilian",
                        "last_name": "Featherstonehaugh",
                        "country": "US",
                        "state": "CA",
                    },
                    source_id=f"#SHOP-{100000 + n}",
                ),
                "summary",
                FOLDERS,
            )
        )
    page = OrderPage(
        orders=rows,
        next_cursor=cursor.make_cursor("orders_list", SCOPE, 25),
        has_more=True,
        total_records=500,
        returned=25,
    )
    assert len(page.model_dump_json().encode()) < 12 * 1024


def test_it_has_valid_json_schemas_for_its_results():
    schema = OrderPage.model_json_schema()
    json.dumps(schema)
    assert schema["properties"]["orders"]["items"]["anyOf"]


def test_it_still_reads_a_cursor_issued_before_the_shared_canonical_json():
    # The binding the cursor module wrote with its own json.dumps(sort_keys, default=str) encoding.
    scope = {
        "tenant": "7",
        "store": "12",
        "email": "zoë@example.com",
        "search_start_date": "2025-01-01 00:00:00",
        "get_order_history": 1,
        "order": "ASC",
    }
    issued = signing.dumps({"o": 25, "b": "90b04e69d58aa1b0ef7b8e8b"}, salt=cursor._SALT, compress=True)
    assert cursor.read_cursor("orders_list", scope, issued) == 25
