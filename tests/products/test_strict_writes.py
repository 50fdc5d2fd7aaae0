"""Inventory writes that cannot silently lose anything: unknown fields are refused with a suggestion,
a change that changes nothing sends nothing, and stock can move by a delta applied to the freshest item."""

import pytest

from kernel.errors import InvalidInput
from products import services
from tests.helpers import run


def call(service, actor, **kwargs):
    return run(service, tenant=actor.tenant, actor=actor, **kwargs)


@pytest.fixture
def mug(od):
    return od.add_product(name="Mug", code="MUG", stock=3, metadata={"colour": "blue"})


def refused(service, actor, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        call(service, actor, **kwargs)
    return exc.value


def test_an_unknown_product_quantity_field_is_refused_suggesting_stock(od, acme_store, alice_actor, mug):
    error = refused(services.products_update, alice_actor, product_id=mug["id"], changes={"quantity": 5})
    assert error.message == "unknown field changes.quantity; did you mean stock?"
    assert error.field == "changes.quantity"
    assert od.calls == []


def test_an_unknown_field_in_a_batch_entry_is_refused_with_its_path(od, acme_store, alice_actor, mug):
    error = refused(
        services.products_update_batch, alice_actor, updates=[{"code": "MUG", "changes": {"stok": 5}}]
    )
    assert error.message == "unknown field updates[0].changes.stok; did you mean stock?"
    assert od.count("PUT") == 0


def test_an_unknown_field_in_new_product_data_is_refused(od, acme_store, alice_actor):
    error = refused(
        services.products_create, alice_actor, product_data={"name": "Cup", "code": "CUP", "qty": 4}
    )
    assert error.message == "unknown field product_data.qty; did you mean stock?"
    assert od.calls == []


def test_metadata_keeps_the_shops_own_keys(od, acme_store, alice_actor, mug):
    updated = call(
        services.products_update, alice_actor, product_id=mug["id"], changes={"metadata": {"anything": 1}}
    )
    assert updated.metadata == {"colour": "blue", "anything": 1}


def test_a_product_update_that_changes_nothing_says_so_and_sends_no_put(od, acme_store, alice_actor, mug):
    result = call(
        services.products_update,
        alice_actor,
        product_id=mug["id"],
        changes={"stock": 3, "price": "9.50", "metadata": {"colour": "blue"}},
    )
    assert result.changed is False and "nothing was sent" in result.message
    assert od.count("PUT") == 0


def test_restock_by_a_delta_after_a_concurrent_sale_keeps_the_sale(od, acme_store, alice_actor, mug):
    gets = []

    def sold_one_meanwhile(method, path, data):
        if method == "GET":
            gets.append(path)
            if len(gets) == 1:  # after our first read, before the check: a sale of one
                od.inventory[mug["id"]].update(stock=2, date_updated=od.stamp())

    od.on_call = sold_one_meanwhile
    updated = call(services.products_update, alice_actor, product_id=mug["id"], changes={"stock_delta": 10})
    assert updated.stock == 12  # 3 - 1 sold + 10
    sent = next(data for method, _, data in od.calls if method == "PUT")
    assert sent["stock"] == 12 and "stock_delta" not in sent


def test_stock_and_stock_delta_together_are_refused(od, acme_store, alice_actor, mug):
    error = refused(
        services.products_update, alice_actor, product_id=mug["id"], changes={"stock": 4, "stock_delta": 1}
    )
    assert error.field == "changes.stock_delta"
    assert od.calls == []


def test_a_stock_delta_below_zero_stock_is_refused(od, acme_store, alice_actor, mug):
    error = refused(services.products_update, alice_actor, product_id=mug["id"], changes={"stock_delta": -5})
    assert error.field == "changes.stock_delta"
    assert "only 3" in error.message
    assert od.count("PUT") == 0


def test_a_batch_stock_delta_applies_to_the_item_as_it_is_right_before_the_put(
    od, acme_store, alice_actor, mug
):
    def sold_one_after_the_first_read(method, path, data):
        if method == "GET" and od.count("GET") == 1:
            od.inventory[mug["id"]].update(stock=2, date_updated=od.stamp())

    od.on_call = sold_one_after_the_first_read
    result = call(
        services.products_update_batch, alice_actor, updates=[{"code": "MUG", "changes": {"stock_delta": 4}}]
    )
    assert result.results[0].status == "updated" and result.results[0].stock == 6
    assert od.inventory[mug["id"]]["stock"] == 6


def test_a_batch_entry_whose_delta_would_go_below_zero_is_invalid(od, acme_store, alice_actor, mug):
    result = call(
        services.products_update_batch, alice_actor, updates=[{"code": "MUG", "changes": {"stock_delta": -4}}]
    )
    assert result.results[0].status == "invalid" and "only 3" in result.results[0].message
    assert od.count("PUT") == 0


def test_a_batch_entry_that_changes_nothing_is_unchanged_and_not_sent(od, acme_store, alice_actor, mug):
    other = od.add_product(name="Cup", code="CUP", stock=1)
    result = call(
        services.products_update_batch,
        alice_actor,
        updates=[{"code": "MUG", "changes": {"stock": 3}}, {"code": "CUP", "changes": {"stock": 4}}],
    )
    assert [(r.code, r.status) for r in result.results] == [("MUG", "unchanged"), ("CUP", "updated")]
    assert (result.updated, result.unchanged, result.failed) == (1, 1, 0)
    sent = next(data for method, _, data in od.calls if method == "PUT")
    assert [item["code"] for item in sent] == ["CUP"] and od.inventory[other["id"]]["stock"] == 4
