"""Order item and shipment operations against an in-memory OrderDesk."""

import pytest

from kernel.errors import Conflict, InvalidInput, NotFound
from orders import services
from orders.services import shipments as shipment_services
from tests.helpers import run


@pytest.fixture
def order(od):
    return od.add_order()


def call(service, actor, **kwargs):
    return run(service, tenant=actor.tenant, actor=actor, **kwargs)


# --- items -------------------------------------------------------------------------------------------------


def test_it_adds_an_item_and_returns_it_with_its_id(od, acme_store, alice_actor, order):
    item = call(
        services.order_items_add,
        alice_actor,
        order_id=order["id"],
        item_data={"name": "Gadget", "price": "3.5"},
    )
    assert item.id and item.name == "Gadget" and item.price == 3.5
    assert od.calls[-1] == ("POST", f"/orders/{order['id']}/order-items", {"name": "Gadget", "price": "3.5"})


def test_it_finds_the_new_item_when_orderdesk_does_not_echo_it(od, acme_store, alice_actor, order):
    original = od._post_orders

    def without_echo(rest, body):
        answer = original(rest, body)
        answer.pop("order_item", None)
        return answer

    od._post_orders = without_echo
    item = call(services.order_items_add, alice_actor, order_id=order["id"], item_data={"code": "G-1"})
    assert item.code == "G-1" and item.id == od.orders[order["id"]]["order_items"][-1]["id"]


@pytest.mark.parametrize(
    ("item_data", "field"),
    [
        ({"price": 3}, "item_data"),
        ({"name": "A", "quantity": -1}, "item_data.quantity"),
        ({"name": "A", "id": "5"}, "item_data.id"),
        ({"name": "A", "variation_list": "Large"}, "item_data.variation_list"),
    ],
)
def test_it_checks_an_item_before_adding_it(od, acme_store, alice_actor, order, item_data, field):
    with pytest.raises(InvalidInput) as exc:
        call(services.order_items_add, alice_actor, order_id=order["id"], item_data=item_data)
    assert exc.value.field == field
    assert od.calls == []


def test_it_says_which_order_is_missing_when_adding_an_item(od, acme_store, alice_actor):
    with pytest.raises(NotFound) as exc:
        call(services.order_items_add, alice_actor, order_id="31337", item_data={"name": "A"})
    assert exc.value.message == "Order 31337 not found in store 'Acme Main'."


def test_it_updates_an_item_by_merging_into_the_whole_item(od, acme_store, alice_actor, order):
    item_id = order["order_items"][0]["id"]
    od.orders[order["id"]]["order_items"][0]["variation_list"] = {"Size": "L", "Color": "Red"}
    updated = call(
        services.order_items_update,
        alice_actor,
        order_id=order["id"],
        item_id=item_id,
        changes={"quantity": 5, "variation_list": {"Color": None, "Fit": "Slim"}},
    )
    sent = next(data for method, _, data in od.calls if method == "PUT")
    assert sent == {
        "id": item_id, "name": "Widget", "code": "W-1", "price": "10", "quantity": 5,
        "variation_list": {"Size": "L", "Fit": "Slim"}, "metadata": [],
    }  # fmt: skip
    assert updated.quantity == 5 and updated.variation_list == {"Size": "L", "Fit": "Slim"}


def test_it_reapplies_an_item_update_when_the_order_moved(od, acme_store, alice_actor, order):
    item_id = order["order_items"][0]["id"]
    seen = []

    def someone_else_edits(method, path, data):
        if method == "GET":
            seen.append(path)
            if len(seen) == 1:
                od.orders[order["id"]]["order_items"][0]["price"] = "12"
                od.touch(order["id"])

    od.on_call = someone_else_edits
    updated = call(
        services.order_items_update,
        alice_actor,
        order_id=order["id"],
        item_id=item_id,
        changes={"quantity": 7},
    )
    assert (updated.quantity, updated.price) == (7, 12.0)


def test_it_gives_up_an_item_update_after_five_moves(od, acme_store, alice_actor, order):
    od.on_call = lambda method, path, data: od.touch(order["id"]) if method == "GET" else None
    with pytest.raises(Conflict):
        call(
            services.order_items_update,
            alice_actor,
            order_id=order["id"],
            item_id=order["order_items"][0]["id"],
            changes={"quantity": 7},
        )
    assert od.count("PUT") == 0


def test_it_says_which_item_was_not_found(od, acme_store, alice_actor, order):
    with pytest.raises(NotFound) as exc:
        call(
            services.order_items_update,
            alice_actor,
            order_id=order["id"],
            item_id="1",
            changes={"quantity": 2},
        )
    assert exc.value.field == "item_id" and f"Item 1 not found on order {order['id']}" in exc.value.message


def test_it_refuses_to_leave_an_item_without_name_and_code(od, acme_store, alice_actor, order):
    with pytest.raises(InvalidInput):
        call(
            services.order_items_update,
            alice_actor,
            order_id=order["id"],
            item_id=order["order_items"][0]["id"],
            changes={"name": None, "code": None},
        )
    assert od.count("PUT") == 0


def test_it_deletes_an_item(od, acme_store, alice_actor, order):
    item_id = order["order_items"][0]["id"]
    result = call(services.order_items_delete, alice_actor, order_id=order["id"], item_id=item_id)
    assert result.deleted and result.id == item_id
    assert od.orders[order["id"]]["order_items"] == []


def test_it_does_not_delete_an_unknown_item(od, acme_store, alice_actor, order):
    with pytest.raises(NotFound):
        call(services.order_items_delete, alice_actor, order_id=order["id"], item_id="777")
    assert od.count("DELETE") == 0


# --- shipments ---------------------------------------------------------------------------------------------


def test_it_adds_a_shipment(od, acme_store, alice_actor, order):
    shipment = call(
        services.shipments_add,
        alice_actor,
        order_id=order["id"],
        shipment_data={"tracking_number": "1Z999", "carrier_code": "UPS", "shipment_method": "Ground"},
    )
    assert shipment.id and shipment.tracking_number == "1Z999" and shipment.order_id == order["id"]
    assert od.calls[-1] == (
        "POST",
        f"/orders/{order['id']}/shipments",
        {"tracking_number": "1Z999", "carrier_code": "UPS", "shipment_method": "Ground"},
    )


def test_it_explains_orderdesks_shipment_not_added(od, acme_store, alice_actor, order):
    call(
        services.shipments_add, alice_actor, order_id=order["id"], shipment_data={"tracking_number": "1Z999"}
    )
    with pytest.raises(InvalidInput) as exc:
        call(
            services.shipments_add,
            alice_actor,
            order_id=order["id"],
            shipment_data={"tracking_number": "1Z999"},
        )
    assert exc.value.field == "shipment_data.tracking_number"
    assert "Shipment Not Added" in exc.value.message and "1Z999" in exc.value.message


@pytest.mark.parametrize(
    "shipment_data",
    [{"carrier_code": "UPS"}, {"tracking_number": ""}, {"tracking_number": "1Z", "colour": "red"}],
)
def test_it_checks_shipment_data_before_sending(od, acme_store, alice_actor, order, shipment_data):
    with pytest.raises(InvalidInput) as exc:
        call(services.shipments_add, alice_actor, order_id=order["id"], shipment_data=shipment_data)
    assert exc.value.field == "shipment_data"
    assert od.calls == []


def test_it_updates_a_shipment_keeping_its_other_fields(od, acme_store, alice_actor, order):
    added = call(
        services.shipments_add,
        alice_actor,
        order_id=order["id"],
        shipment_data={"tracking_number": "1Z1", "carrier_code": "UPS", "shipment_method": "Ground"},
    )
    updated = call(
        services.shipments_update,
        alice_actor,
        order_id=order["id"],
        shipment_id=added.id,
        changes={"tracking_number": "1Z2", "shipment_method": None},
    )
    sent = next(data for method, _, data in od.calls if method == "PUT")
    assert sent == {"tracking_number": "1Z2", "carrier_code": "UPS"}
    assert (updated.tracking_number, updated.carrier_code, updated.shipment_method) == ("1Z2", "UPS", "")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"order_id": "1"}, "changes.order_id"),
        ({"label_image": "x"}, "changes.label_image"),
        ({"cost": "free"}, "changes.cost"),
    ],
)
def test_it_refuses_shipment_changes_it_cannot_make(od, acme_store, alice_actor, order, changes, field):
    with pytest.raises(InvalidInput) as exc:
        call(services.shipments_update, alice_actor, order_id=order["id"], shipment_id="1", changes=changes)
    assert exc.value.field == field
    assert od.calls == []


def test_it_says_which_shipment_was_not_found(od, acme_store, alice_actor, order):
    with pytest.raises(NotFound) as exc:
        call(
            services.shipments_update,
            alice_actor,
            order_id=order["id"],
            shipment_id="55",
            changes={"status": "x"},
        )
    assert exc.value.field == "shipment_id" and "Shipment 55" in exc.value.message


def test_it_deletes_a_shipment(od, acme_store, alice_actor, order):
    added = call(
        services.shipments_add, alice_actor, order_id=order["id"], shipment_data={"tracking_number": "1Z1"}
    )
    result = call(services.shipments_delete, alice_actor, order_id=order["id"], shipment_id=added.id)
    assert result.deleted and od.orders[order["id"]]["order_shipments"] == []


def test_it_adds_shipments_in_chunks_with_progress(od, acme_store, alice_actor, monkeypatch):
    monkeypatch.setattr(shipment_services, "BATCH_CHUNK", 2)
    orders = [od.add_order() for _ in range(5)]
    od.orders[orders[1]["id"]]["order_shipments"].append({"id": "1", "tracking_number": "T1"})
    reports = []

    async def progress(done, total=None, message=None):
        reports.append((done, total))

    result = call(
        services.shipments_add_batch,
        alice_actor,
        shipments=[
            {"order_id": o["id"], "tracking_number": f"T{n}", "carrier_code": "UPS"}
            for n, o in enumerate(orders)
        ]
        + [{"order_id": "999", "tracking_number": "T9"}],
        progress=progress,
    )
    assert od.count("POST", "/batch-shipments") == 3
    assert reports == [(2, 6), (4, 6), (6, 6)]
    assert (result.added, result.already_added, result.failed) == (4, 1, 1)
    statuses = [(r.order_id, r.status) for r in result.results]
    assert statuses[1] == (orders[1]["id"], "already_added") and statuses[-1] == ("999", "failed")
    assert od.calls[0][2][0] == {"order_id": orders[0]["id"], "tracking_number": "T0", "carrier_code": "UPS"}
