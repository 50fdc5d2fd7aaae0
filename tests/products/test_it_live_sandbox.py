"""Every inventory operation over real HTTP against the sandbox emulator (pytest-django's live server),
through the real OrderDesk client."""

import pytest

from kernel.errors import Forbidden, NotFound
from products import services as inventory
from tests.helpers import actor_for, run

pytestmark = pytest.mark.django_db(transaction=True)


def call(service, actor, **kwargs):
    return run(service, tenant=actor.tenant, actor=actor, **kwargs)


def test_it_manages_sandbox_inventory(sandbox, alice_actor):
    page = call(inventory.products_list, alice_actor, limit=10)
    assert page.returned == 10 and page.has_more
    first = page.products[0]
    assert (
        isinstance(first.id, int)
        and call(inventory.products_get, alice_actor, product_id=first.id).code == first.code
    )
    assert call(inventory.products_list, alice_actor, code=first.code).products[0].id == first.id

    low = call(inventory.products_low_stock, alice_actor, threshold=5)
    assert low.complete and low.products and all(p.stock <= 5 for p in low.products)
    assert [p.stock for p in low.products] == sorted(p.stock for p in low.products)

    created = call(
        inventory.products_create,
        alice_actor,
        product_data={"name": "Live Mug", "code": "LIVE-MUG", "stock": 1},
    )
    updated = call(
        inventory.products_update, alice_actor, product_id=created.id, changes={"stock": 25, "location": "B7"}
    )
    assert (updated.stock, updated.location, updated.name) == (25, "B7", "Live Mug")
    batch = call(
        inventory.products_update_batch,
        alice_actor,
        updates=[
            {"code": "LIVE-MUG", "changes": {"stock": 40}},
            {"product_id": first.id, "changes": {"price": 12.5}},
        ],
    )
    assert batch.updated == 2
    assert call(inventory.products_get, alice_actor, product_id=created.id).stock == 40
    refreshed = call(inventory.products_get, alice_actor, product_id=first.id)
    assert (refreshed.price, refreshed.code, refreshed.stock) == (12.5, first.code, first.stock)
    call(inventory.products_delete, alice_actor, product_id=created.id)
    with pytest.raises(NotFound):
        call(inventory.products_get, alice_actor, product_id=created.id)


def test_a_viewer_cannot_change_sandbox_inventory(sandbox, vera):
    viewer = actor_for(vera)
    product = call(inventory.products_list, viewer, limit=1).products[0]
    with pytest.raises(Forbidden):
        call(inventory.products_update, viewer, product_id=product.id, changes={"stock": 0})
    assert call(inventory.products_get, viewer, product_id=product.id).stock == product.stock


def test_it_moves_sandbox_stock_by_a_delta_and_skips_a_change_that_changes_nothing(sandbox, alice_actor):
    created = call(
        inventory.products_create,
        alice_actor,
        product_data={"name": "Delta Mug", "code": "DELTA-MUG", "stock": 3},
    )
    restocked = call(
        inventory.products_update, alice_actor, product_id=created.id, changes={"stock_delta": 10}
    )
    assert (restocked.stock, restocked.changed) == (13, True)
    same = call(inventory.products_update, alice_actor, product_id=created.id, changes={"stock": 13})
    assert same.changed is False and same.date_updated == restocked.date_updated
    batch = call(
        inventory.products_update_batch,
        alice_actor,
        updates=[{"code": "DELTA-MUG", "changes": {"stock_delta": -4}}],
    )
    assert (batch.updated, batch.results[0].stock) == (1, 9)
    assert call(inventory.products_get, alice_actor, product_id=created.id).stock == 9
