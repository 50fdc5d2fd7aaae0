"""Inventory operations against an in-memory OrderDesk."""

import asyncio

import pytest
from asgiref.sync import async_to_sync

from kernel import tracing
from kernel.errors import Conflict, InvalidInput, NotFound
from products import services
from tests.helpers import run


def call(service, actor, **kwargs):
    return run(service, tenant=actor.tenant, actor=actor, **kwargs)


@pytest.fixture
def mug(od):
    return od.add_product(name="Mug", code="MUG", stock=3, metadata={"colour": "blue"})


def test_it_lists_products_with_search_and_codes(od, acme_store, alice_actor, mug):
    od.add_product(name="Plate", code="PLATE")
    page = call(services.products_list, alice_actor, search="mu")
    assert [p.code for p in page.products] == ["MUG"]
    call(services.products_list, alice_actor, code="MUG, PLATE")
    assert od.calls[-1][2] == {"code": "MUG,PLATE", "limit": 25, "offset": 0}


def test_it_pages_products_with_a_cursor(od, acme_store, alice_actor):
    for _ in range(5):
        od.add_product()
    first = call(services.products_list, alice_actor, limit=2)
    assert first.has_more and first.total_records == 5
    second = call(services.products_list, alice_actor, limit=2, cursor=first.next_cursor)
    third = call(services.products_list, alice_actor, limit=2, cursor=second.next_cursor)
    assert len({p.id for page in (first, second, third) for p in page.products}) == 5
    assert not third.has_more
    with pytest.raises(InvalidInput) as exc:
        call(services.products_list, alice_actor, limit=2, search="x", cursor=first.next_cursor)
    assert exc.value.field == "cursor"


def test_it_distrusts_a_wrong_inventory_count(od, acme_store, alice_actor):
    for _ in range(3):
        od.add_product()
    original = od._get_inventory_items

    def wrong_count(rest, params):
        return {**original(rest, params), "total_records": "0"}

    od._get_inventory_items = wrong_count
    page = call(services.products_list, alice_actor, limit=3)
    assert page.total_records is None and page.returned == 3 and page.has_more


def test_it_gets_a_product_typed_as_orderdesk_sends_it(od, acme_store, alice_actor, mug):
    product = call(services.products_get, alice_actor, product_id=mug["id"])
    assert product.id == mug["id"] and product.price == 9.5 and product.stock == 3
    assert product.variation_list == {}  # PHP's [] as a map


def test_it_says_which_product_was_not_found(od, acme_store, alice_actor):
    with pytest.raises(NotFound) as exc:
        call(services.products_get, alice_actor, product_id=404)
    assert exc.value.message == "Inventory item 404 not found in store 'Acme Main'."
    assert exc.value.field == "product_id"


def test_it_creates_a_product(od, acme_store, alice_actor):
    product = call(
        services.products_create, alice_actor, product_data={"name": "Bowl", "code": "BOWL", "stock": 4}
    )
    assert product.id in od.inventory and product.code == "BOWL"


@pytest.mark.parametrize(
    ("product_data", "field"),
    [
        ({"name": "Bowl"}, "product_data.code"),
        ({"code": "BOWL"}, "product_data.name"),
        ({"name": "Bowl", "code": "BOWL", "stock": 1.5}, "product_data.stock"),
        ({"name": "Bowl", "code": "BOWL", "price": -1}, "product_data.price"),
        ({"name": "Bowl", "code": "BOWL", "id": 5}, "product_data.id"),
    ],
)
def test_it_checks_a_new_product_before_creating_it(od, acme_store, alice_actor, product_data, field):
    with pytest.raises(InvalidInput) as exc:
        call(services.products_create, alice_actor, product_data=product_data)
    assert exc.value.field == field
    assert od.calls == []


def test_it_reports_orderdesks_refusal_of_a_duplicate_code(od, acme_store, alice_actor, mug):
    with pytest.raises(InvalidInput) as exc:
        call(services.products_create, alice_actor, product_data={"name": "Mug 2", "code": "MUG"})
    assert "Duplicate code" in exc.value.message


def test_it_updates_a_product_by_merging_into_the_whole_item(od, acme_store, alice_actor, mug):
    updated = call(
        services.products_update,
        alice_actor,
        product_id=mug["id"],
        changes={"stock": 12, "metadata": {"shelf": "B2"}, "location": None},
    )
    sent = next(data for method, _, data in od.calls if method == "PUT")
    assert sent["name"] == "Mug" and sent["code"] == "MUG" and sent["price"] == 9.5
    assert sent["metadata"] == {"colour": "blue", "shelf": "B2"} and "location" not in sent
    assert updated.stock == 12


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_updated": "x"}, "changes.date_updated"),
        ({"name": ""}, "changes.name"),
        ({"code": None}, "changes.code"),
    ],
)
def test_it_refuses_product_changes_it_cannot_make(od, acme_store, alice_actor, mug, changes, field):
    with pytest.raises(InvalidInput) as exc:
        call(services.products_update, alice_actor, product_id=mug["id"], changes=changes)
    assert exc.value.field == field
    assert od.calls == []


def test_it_reapplies_a_product_update_when_it_changed_meanwhile(od, acme_store, alice_actor, mug):
    gets = []

    def restocked_elsewhere(method, path, data):
        if method == "GET":
            gets.append(path)
            if len(gets) == 1:
                od.inventory[mug["id"]].update(price=11.0, date_updated=od.stamp())

    od.on_call = restocked_elsewhere
    updated = call(services.products_update, alice_actor, product_id=mug["id"], changes={"stock": 20})
    assert (updated.stock, updated.price) == (20, 11.0)


def test_it_gives_up_a_product_update_after_five_changes(od, acme_store, alice_actor, mug):
    od.on_call = lambda method, path, data: od.inventory[mug["id"]].update(date_updated=od.stamp())
    with pytest.raises(Conflict):
        call(services.products_update, alice_actor, product_id=mug["id"], changes={"stock": 20})
    assert od.count("PUT") == 0


def test_two_concurrent_product_updates_keep_both_changes(od, acme_store, alice_actor, mug):
    async def both():
        await asyncio.gather(
            services.products_update(
                tenant=alice_actor.tenant, actor=alice_actor, product_id=mug["id"], changes={"stock": 50}
            ),
            services.products_update(
                tenant=alice_actor.tenant, actor=alice_actor, product_id=mug["id"], changes={"price": 12}
            ),
        )

    async_to_sync(both)()
    assert (od.inventory[mug["id"]]["stock"], od.inventory[mug["id"]]["price"]) == (50, 12)


def test_it_records_before_and_after_of_a_product_update(od, acme_store, alice_actor, mug):
    async def traced():
        with tracing.recording() as recorder:
            await services.products_update(
                tenant=alice_actor.tenant, actor=alice_actor, product_id=mug["id"], changes={"stock": 9}
            )
        return recorder

    recorder = async_to_sync(traced)()
    assert (recorder.before["stock"], recorder.after["stock"]) == (3, 9)


def test_it_invalidates_inventory_reads_after_a_write(od, acme_store, alice_actor, mug):
    assert call(services.products_get, alice_actor, product_id=mug["id"]).stock == 3
    call(services.products_update, alice_actor, product_id=mug["id"], changes={"stock": 8})
    assert call(services.products_get, alice_actor, product_id=mug["id"]).stock == 8
    assert call(services.products_list, alice_actor).products[0].stock == 8


def test_it_deletes_a_product(od, acme_store, alice_actor, mug):
    result = call(services.products_delete, alice_actor, product_id=mug["id"])
    assert result.deleted and mug["id"] not in od.inventory


def test_it_updates_a_batch_by_id_and_code_in_chunks(od, acme_store, alice_actor, mug, monkeypatch):
    monkeypatch.setattr(services, "BATCH_CHUNK", 2)
    plate = od.add_product(name="Plate", code="PLATE", stock=1)
    bowl = od.add_product(name="Bowl", code="BOWL", stock=0)
    reports = []

    async def progress(done, total=None, message=None):
        reports.append((done, total))

    result = call(
        services.products_update_batch,
        alice_actor,
        updates=[
            {"product_id": mug["id"], "changes": {"stock": 30}},
            {"code": "PLATE", "changes": {"stock": 40, "metadata": {"x": 1}}},
            {"code": "BOWL", "changes": {"price": 2}},
            {"code": "NOPE", "changes": {"stock": 1}},
        ],
        progress=progress,
    )
    assert (result.updated, result.failed) == (3, 1)
    assert {r.code: r.status for r in result.results} == {
        "MUG": "updated",
        "PLATE": "updated",
        "BOWL": "updated",
        "NOPE": "not_found",
    }
    assert od.inventory[mug["id"]]["stock"] == 30 and od.inventory[plate["id"]]["name"] == "Plate"
    assert od.inventory[bowl["id"]]["price"] == 2 and od.inventory[bowl["id"]]["stock"] == 0
    assert od.count("PUT", "/batch-inventory-items") == 2
    # 2 lookups of (up to) 2 codes, 1 item fetched by id, then per chunk of 2 items a re-read and a PUT
    assert reports == [(n, 7) for n in range(1, 8)]


def test_it_keeps_a_change_made_while_a_batch_runs(od, acme_store, alice_actor, mug):
    plate = od.add_product(name="Plate", code="PLATE", stock=5)

    def sale_while_the_plate_is_fetched(method, path, data):
        if method == "GET" and path == f"/inventory-items/{plate['id']}":
            od.inventory[mug["id"]].update(stock=2, date_updated=od.stamp())

    od.on_call = sale_while_the_plate_is_fetched
    result = call(
        services.products_update_batch,
        alice_actor,
        updates=[
            {"product_id": mug["id"], "changes": {"price": 12}},
            {"product_id": plate["id"], "changes": {"price": 20}},
        ],
    )
    assert (result.updated, result.failed) == (2, 0)
    assert od.inventory[mug["id"]]["price"] == 12 and od.inventory[mug["id"]]["stock"] == 2
    assert {r.code: r.stock for r in result.results} == {"MUG": 2, "PLATE": 5}


def test_it_skips_a_batch_item_deleted_while_the_batch_runs(od, acme_store, alice_actor, mug):
    plate = od.add_product(name="Plate", code="PLATE", stock=5)

    def deleted_while_the_plate_is_fetched(method, path, data):
        if method == "GET" and path == f"/inventory-items/{plate['id']}":
            od.inventory.pop(mug["id"], None)

    od.on_call = deleted_while_the_plate_is_fetched
    result = call(
        services.products_update_batch,
        alice_actor,
        updates=[
            {"product_id": mug["id"], "changes": {"price": 12}},
            {"product_id": plate["id"], "changes": {"price": 20}},
        ],
    )
    assert {r.code: r.status for r in result.results} == {"MUG": "failed", "PLATE": "updated"}
    assert mug["id"] not in od.inventory
    assert [item["id"] for item in od.calls[-1][2]] == [plate["id"]]


def test_it_refuses_a_batch_naming_an_item_twice(od, acme_store, alice_actor, mug):
    with pytest.raises(InvalidInput):
        call(
            services.products_update_batch,
            alice_actor,
            updates=[{"code": "MUG", "changes": {"stock": 1}}, {"code": "MUG", "changes": {"stock": 2}}],
        )
    assert od.calls == []


def test_it_refuses_a_batch_entry_with_both_or_neither_reference(od, acme_store, alice_actor):
    with pytest.raises(InvalidInput) as exc:
        call(
            services.products_update_batch,
            alice_actor,
            updates=[{"product_id": 1, "code": "MUG", "changes": {"stock": 1}}],
        )
    assert exc.value.field == "updates[0]"


def test_it_lists_low_stock_lowest_first(od, acme_store, alice_actor, monkeypatch):
    monkeypatch.setattr(services, "PAGE_SIZE", 3)
    for code, stock in [("A", 9), ("B", 0), ("C", 5), ("D", 2), ("E", 6), ("F", -1), ("G", 5)]:
        od.add_product(code=code, stock=stock)
    result = call(services.products_low_stock, alice_actor, limit=3)
    assert [p.code for p in result.products] == ["F", "B", "D"]
    assert (result.total_low, result.has_more, result.scanned, result.complete) == (5, True, 7, True)
    assert od.count("GET", "/inventory-items") == 3
    assert call(services.products_low_stock, alice_actor, threshold=0).total_low == 2
