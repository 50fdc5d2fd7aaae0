"""orders_summary counts canceled orders apart: they are not waiting for a shipment."""

import pytest

from orders import services
from tests.helpers import WIDE, run

RANGE = {"search_start_date": "2025-03-01", "search_end_date": "2025-03-07"}


def summary(actor):
    return run(services.orders_summary, tenant=actor.tenant, actor=actor, **RANGE)


def test_canceled_orders_are_not_counted_as_unshipped(od, acme_store, alice_actor):
    od.add_order(folder_id=1001, order_total=10, date_added="2025-03-02 10:00:00")
    od.add_order(folder_id=1005, order_total=30, date_added="2025-03-01 09:00:00")  # the Canceled folder
    od.add_order(
        folder_id=1003, order_total=20, order_shipments=[{"id": "1"}], date_added="2025-03-03 10:00:00"
    )
    result = summary(alice_actor)
    assert (result.orders, result.unshipped, result.canceled, result.canceled_total) == (3, 1, 1, 30.0)
    assert result.oldest_unshipped_date == "2025-03-02 10:00:00"  # not the canceled order's date
    by_name = {f.folder_name: f for f in result.folders}
    assert (by_name["Canceled"].orders, by_name["Canceled"].unshipped, by_name["Canceled"].canceled) == (
        1,
        0,
        1,
    )
    assert sum(f.unshipped for f in result.folders) == result.unshipped
    assert sum(f.canceled for f in result.folders) == result.canceled


def test_a_voided_payment_counts_as_canceled_wherever_the_order_is(od, acme_store, alice_actor):
    od.add_order(folder_id=1001, order_total=12, payment_status="Voided", date_added="2025-03-02 10:00:00")
    od.add_order(folder_id=1001, order_total=8, payment_status="Captured", date_added="2025-03-02 11:00:00")
    result = summary(alice_actor)
    assert (result.canceled, result.canceled_total, result.unshipped) == (1, 12.0, 1)


def test_a_folder_spelled_cancelled_is_canceled_too(od, acme_store, alice_actor, monkeypatch):
    from tests.orders import fake

    monkeypatch.setitem(fake.FOLDERS, 1005, "Cancelled")
    od.add_order(folder_id=1005, date_added="2025-03-02 10:00:00")
    assert summary(alice_actor).canceled == 1


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_demo_canceled_orders_are_counted_apart(sandbox, alice_actor):
    result = run(services.orders_summary, tenant=alice_actor.tenant, actor=alice_actor, **WIDE)
    by_name = {f.folder_name: f for f in result.folders}
    assert result.canceled >= by_name["Canceled"].orders
    assert by_name["Canceled"].unshipped == 0
    assert sum(f.unshipped for f in result.folders) == result.unshipped
    assert result.unshipped + result.canceled <= result.orders
