"""Demo data: realistic, and the same for the same seed and reference date."""

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from sandbox.demo.generator import generate
from sandbox.demo.loader import seed_store
from tests.sandbox.conftest import REFERENCE, Api, make_store


def _snapshot(api: Api) -> dict:
    """Everything a client can read, minus the timing."""

    def strip(body: dict) -> dict:
        return {k: v for k, v in body.items() if k not in ("execution_time", "message")}

    return {
        "store": strip(api.get("store").json()),
        "orders": strip(api.get("orders", limit="500", get_order_history="1").json()),
        "inventory": strip(api.get("inventory-items", limit="500").json()),
    }


@pytest.fixture
def demo(demo_api) -> dict:
    return _snapshot(demo_api)


def test_it_generates_the_same_data_for_the_same_seed_and_date():
    assert generate(seed=5, reference=REFERENCE, orders=30) == generate(
        seed=5, reference=REFERENCE, orders=30
    )


def test_it_generates_different_data_for_another_seed_or_date():
    base = generate(seed=5, reference=REFERENCE, orders=30)

    assert generate(seed=6, reference=REFERENCE, orders=30) != base
    assert generate(seed=5, reference=REFERENCE + timedelta(days=1), orders=30) != base


def test_it_reproduces_a_store_exactly_when_reseeded_with_the_same_seed(demo_api, demo):
    seed_store(demo_api.store, orders=12, seed=99, reference=REFERENCE)
    assert _snapshot(demo_api) != demo

    seed_store(demo_api.store, orders=40, seed=7, reference=REFERENCE)

    assert _snapshot(demo_api) == demo


def test_it_seeds_the_default_folders(demo):
    assert sorted(demo["store"]["store"]["folders"].values()) == sorted(
        ["New", "Prepared", "Shipped", "Closed", "Canceled"]
    )


def test_it_spreads_orders_over_the_last_thirty_days(demo):
    orders = demo["orders"]["orders"]
    days = {datetime.strptime(o["date_added"], "%Y-%m-%d %H:%M:%S").date() for o in orders}

    assert len(orders) == 40
    assert min(days) >= REFERENCE - timedelta(days=30)
    assert max(days) < REFERENCE
    assert len(days) > 10


def test_it_gives_orders_several_items_drawn_from_the_inventory(demo):
    codes = {item["code"] for item in demo["inventory"]["inventory_items"]}
    orders = demo["orders"]["orders"]

    assert all(order["order_items"] for order in orders)
    assert any(len(order["order_items"]) >= 3 for order in orders)
    assert all(item["code"] in codes for order in orders for item in order["order_items"])


def test_it_keeps_totals_consistent(demo):
    for order in demo["orders"]["orders"]:
        product = sum(item["price"] * item["quantity"] for item in order["order_items"])
        expected = (
            product
            + order["shipping_total"]
            + order["handling_total"]
            + order["tax_total"]
            - order["discount_total"]
        )
        assert order["product_total"] == pytest.approx(product)
        assert order["order_total"] == pytest.approx(expected)


def test_it_varies_sources_payments_and_addresses(demo):
    orders = demo["orders"]["orders"]

    assert len({o["source_name"] for o in orders}) >= 4
    assert len({o["payment_status"] for o in orders}) >= 2
    assert any(o["shipping"]["first_name"] != o["customer"]["first_name"] for o in orders)
    assert any(int(o["email_count"]) > 1 for o in orders)
    assert any(o["discount_list"] for o in orders)
    assert any(o["tax_total"] > 0 for o in orders)
    assert all(o["email"].endswith(("example.com", "example.net", "example.org")) for o in orders)


def test_it_puts_shipped_orders_in_shipped_or_closed_with_plausible_shipments(demo):
    folders = {int(k): v for k, v in demo["store"]["store"]["folders"].items()}
    orders = demo["orders"]["orders"]

    for order in orders:
        folder = folders[order["folder_id"]]
        assert bool(order["order_shipments"]) == (folder in ("Shipped", "Closed")), folder
        for shipment in order["order_shipments"]:
            assert shipment["carrier_code"] in ("USPS", "UPS", "FedEx")
            assert shipment["tracking_url"].startswith("https://")
            if shipment["carrier_code"] == "UPS":
                assert shipment["tracking_number"].startswith("1Z") and len(shipment["tracking_number"]) == 18
    assert {folders[o["folder_id"]] for o in orders} >= {"New", "Shipped", "Closed"}


def test_it_leaves_some_orders_from_last_week_unshipped(demo):
    folders = {int(k): v for k, v in demo["store"]["store"]["folders"].items()}
    last_week = [
        o
        for o in demo["orders"]["orders"]
        if 3 <= (REFERENCE - date.fromisoformat(o["date_added"][:10])).days <= 7
    ]

    assert any(folders[o["folder_id"]] in ("New", "Prepared") for o in last_week)


def test_it_writes_order_history_and_some_notes(demo):
    orders = demo["orders"]["orders"]

    assert all(o["order_history"][0]["note"] == f"Order imported from {o['source_name']}" for o in orders)
    assert all(o["date_updated"] >= o["date_added"] for o in orders)
    assert any(o["order_notes"] for o in orders) or any(o["checkout_data"] for o in orders)


def test_it_stocks_a_few_hundred_items_with_some_low_and_some_out(demo):
    items = demo["inventory"]["inventory_items"]
    stock = [item["stock"] for item in items]

    assert len(items) == 250
    assert len({item["code"] for item in items}) == 250
    assert 0 in stock
    assert any(1 <= s <= 5 for s in stock)
    assert Counter(s <= 5 for s in stock)[True] < 60


def test_it_varies_folder_ids_between_seeds_but_not_names():
    first, second = (
        generate(seed=1, reference=REFERENCE, orders=1),
        generate(seed=2, reference=REFERENCE, orders=1),
    )

    assert [name for _, name in first.folders] == [name for _, name in second.folders]
    assert first.folders != second.folders


def test_it_loads_a_store_with_no_orders(client, acme):
    store, key = make_store(acme)

    seed_store(store, orders=0, seed=3, reference=REFERENCE)

    body = Api(client, store, key).get("orders").json()
    assert body["total_records"] == 0 and body["orders"] == []
