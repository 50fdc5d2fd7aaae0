"""Unknown folders are refused with the store's folders; moving orders that do not exist says so."""

import pytest

from kernel.errors import InvalidInput, NotFound
from orders import services
from tests.helpers import run


def call(service, actor, **kwargs):
    return run(service, tenant=actor.tenant, actor=actor, **kwargs)


# --- orders_list folder filters ------------------------------------------------------------------------


def test_an_unknown_folder_name_is_an_error_listing_the_folders_not_an_empty_list(
    od, acme_store, alice_actor
):
    od.add_order()
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_list, alice_actor, folder_name="Archive")
    assert exc.value.field == "folder_name"
    assert "'Archive'" in exc.value.message and "New (1001)" in exc.value.message
    assert "Canceled (1005)" in exc.value.message
    assert od.count("GET", "/orders") == 0


def test_an_unknown_folder_id_is_an_error_listing_the_folders(od, acme_store, alice_actor):
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_list, alice_actor, folder_id="1001, 4242")
    assert exc.value.field == "folder_id"
    assert "4242" in exc.value.message and "Shipped (1003)" in exc.value.message
    assert od.count("GET", "/orders") == 0


def test_a_folder_name_in_another_case_lists_that_folder(od, acme_store, alice_actor):
    od.add_order(folder_id=1003)
    page = call(services.orders_list, alice_actor, folder_name="shipped")
    assert od.calls[-1][2]["folder_name"] == "Shipped"
    assert page.returned == 0 or all(o.folder_name == "Shipped" for o in page.orders)


def test_folders_are_not_checked_when_the_store_cannot_say_which_it_has(od, acme_store, alice_actor):
    from kernel.errors import UpstreamError

    od.fail[("GET", "/store")] = [UpstreamError("OrderDesk is down (HTTP 503).", status=503)] * 5
    call(services.orders_list, alice_actor, folder_name="Archive")
    assert next(c for c in od.calls if c[1] == "/orders")[2]["folder_name"] == "Archive"


# --- orders_move of orders that do not exist -------------------------------------------------------------


def test_moving_a_missing_order_is_not_found_instead_of_moved_zero(od, acme_store, alice_actor):
    with pytest.raises(NotFound) as exc:
        call(services.orders_move, alice_actor, order_id="4242", folder="Closed")
    assert exc.value.field == "order_id" and "4242" in exc.value.message


def test_moving_several_orders_names_those_not_found(od, acme_store, alice_actor):
    order = od.add_order()
    result = call(services.orders_move, alice_actor, order_ids=[order["id"], "4242", "4343"], folder="Closed")
    assert result.moved == 1
    assert result.not_found == ["4242", "4343"]
    assert "4242" in result.message and "4343" in result.message


def test_moving_several_orders_none_of_which_exist_is_not_found(od, acme_store, alice_actor):
    with pytest.raises(NotFound) as exc:
        call(services.orders_move, alice_actor, order_ids=["4242", "4343"], folder="Closed")
    assert exc.value.field == "order_ids"
    assert "4242" in exc.value.message and "4343" in exc.value.message
