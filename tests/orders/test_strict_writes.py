"""Writes that cannot silently lose anything: unknown fields are refused with a suggestion, a change
that changes nothing sends nothing, and order_items merge by id instead of replacing the list."""

import pytest

from kernel.errors import InvalidInput
from orders import services
from tests.helpers import run


@pytest.fixture
def order(od):
    return od.add_order()


def call(service, actor, **kwargs):
    return run(service, tenant=actor.tenant, actor=actor, **kwargs)


def refused(service, actor, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        call(service, actor, **kwargs)
    return exc.value


# --- unknown fields ----------------------------------------------------------------------------------------


def test_an_unknown_order_status_field_is_refused_instead_of_silently_dropped(
    od, acme_store, alice_actor, order
):
    error = refused(services.orders_update, alice_actor, order_id=order["id"], changes={"status": "shipped"})
    assert error.field == "changes.status"
    assert error.message.startswith("unknown field changes.status;")
    assert "orders_move" in error.message  # an order's status is its folder
    assert od.count("PUT") == 0


def test_an_unknown_shipping_zip_is_refused_suggesting_postal_code(od, acme_store, alice_actor, order):
    error = refused(
        services.orders_update, alice_actor, order_id=order["id"], changes={"shipping": {"zip": "75001"}}
    )
    assert error.message == "unknown field changes.shipping.zip; did you mean postal_code?"
    assert error.field == "changes.shipping.zip"
    assert od.calls == []


def test_a_misspelt_field_inside_an_order_item_entry_is_refused_with_its_path(
    od, acme_store, alice_actor, order
):
    item_id = order["order_items"][0]["id"]
    error = refused(
        services.orders_update,
        alice_actor,
        order_id=order["id"],
        changes={"order_items": [{"id": item_id, "quantitty": 3}]},
    )
    assert error.message == "unknown field changes.order_items[0].quantitty; did you mean quantity?"
    assert od.calls == []


def test_a_flat_address_alias_on_update_is_refused_pointing_to_the_nested_field(
    od, acme_store, alice_actor, order
):
    error = refused(
        services.orders_update, alice_actor, order_id=order["id"], changes={"shipping_city": "Paris"}
    )
    assert error.message == "unknown field changes.shipping_city; did you mean shipping.city?"


def test_free_form_maps_keep_the_shops_own_keys(od, acme_store, alice_actor, order):
    updated = call(
        services.orders_update,
        alice_actor,
        order_id=order["id"],
        changes={"checkout_data": {"Gift Message": "Hi"}, "order_metadata": {"any_key": 1}},
    )
    assert updated.checkout_data == {"Gift Message": "Hi"}
    assert updated.order_metadata["any_key"] == 1


def test_an_unknown_item_field_qty_is_refused_instead_of_silently_dropped(od, acme_store, alice_actor, order):
    item_id = order["order_items"][0]["id"]
    error = refused(
        services.order_items_update, alice_actor, order_id=order["id"], item_id=item_id, changes={"qty": 5}
    )
    assert error.message == "unknown field changes.qty; did you mean quantity?"
    assert od.calls == []


def test_an_unknown_field_in_new_order_data_is_refused(od, acme_store, alice_actor):
    error = refused(
        services.orders_create,
        alice_actor,
        order_data={
            "shipping": {"first_name": "Ada", "zip_code": "1"},
            "order_items": [{"name": "Widget"}],
        },
    )
    assert error.message == "unknown field order_data.shipping.zip_code; did you mean postal_code?"
    assert od.calls == []


def test_an_unknown_field_in_new_item_data_is_refused(od, acme_store, alice_actor, order):
    error = refused(
        services.order_items_add, alice_actor, order_id=order["id"], item_data={"name": "Cup", "sku": "C-1"}
    )
    assert error.message == "unknown field item_data.sku; did you mean code?"


# --- changes that change nothing ----------------------------------------------------------------------------


def test_an_order_update_that_changes_nothing_says_so_and_sends_no_put(od, acme_store, alice_actor, order):
    result = call(
        services.orders_update,
        alice_actor,
        order_id=order["id"],
        changes={"email": order["email"], "shipping": {"city": "London"}, "shipping_total": "5.00"},
    )
    assert result.changed is False
    assert "nothing was sent" in result.message
    assert od.count("PUT") == 0
    assert result.email == order["email"]


def test_an_order_update_that_changes_something_says_changed(od, acme_store, alice_actor, order):
    result = call(
        services.orders_update, alice_actor, order_id=order["id"], changes={"email": "n@example.com"}
    )
    assert result.changed is True and result.message == ""
    assert od.count("PUT") == 1


def test_an_item_update_that_changes_nothing_sends_no_put(od, acme_store, alice_actor, order):
    item = order["order_items"][0]
    result = call(
        services.order_items_update,
        alice_actor,
        order_id=order["id"],
        item_id=item["id"],
        changes={"quantity": item["quantity"], "price": 10},
    )
    assert result.changed is False
    assert od.count("PUT") == 0


# --- order_items merge by id --------------------------------------------------------------------------------


def test_an_item_list_from_a_stale_read_keeps_an_item_added_meanwhile(od, acme_store, alice_actor, order):
    seen = order["order_items"][0]
    # Someone adds an item after the caller read the order; the caller then sends the list it saw.
    call(
        services.order_items_add, alice_actor, order_id=order["id"], item_data={"name": "Cup", "code": "C-1"}
    )
    call(
        services.orders_update,
        alice_actor,
        order_id=order["id"],
        changes={"order_items": [{**seen, "quantity": 5}]},
    )
    items = od.orders[order["id"]]["order_items"]
    assert [(i["code"], i["quantity"]) for i in items] == [("W-1", 5), ("C-1", 1)]


def test_order_items_without_id_are_added_and_delete_true_removes_one(od, acme_store, alice_actor, order):
    first = order["order_items"][0]["id"]
    call(
        services.orders_update,
        alice_actor,
        order_id=order["id"],
        changes={"order_items": [{"id": first, "delete": True}, {"name": "Cup", "code": "C-1", "price": 4}]},
    )
    items = od.orders[order["id"]]["order_items"]
    assert [i["code"] for i in items] == ["C-1"]


def test_an_order_items_entry_naming_an_item_not_on_the_order_is_refused(od, acme_store, alice_actor, order):
    error = refused(
        services.orders_update,
        alice_actor,
        order_id=order["id"],
        changes={"order_items": [{"id": "999999", "quantity": 2}]},
    )
    assert error.field == "changes.order_items[0].id"
    assert "999999" in error.message
    assert od.count("PUT") == 0


def test_null_order_items_is_refused_rather_than_removing_every_item(od, acme_store, alice_actor, order):
    error = refused(services.orders_update, alice_actor, order_id=order["id"], changes={"order_items": None})
    assert error.field == "changes.order_items"
    assert "delete" in error.message
