"""Order operations against an in-memory OrderDesk: arguments, merges, conflicts, cache, moves, notes."""

import pytest
from asgiref.sync import async_to_sync

from kernel import tracing
from kernel.errors import Conflict, InvalidInput, NotFound, UpstreamError
from orders import services
from records.update import MAX_ATTEMPTS
from tests.helpers import run


@pytest.fixture
def order(od):
    return od.add_order()


def call(service, actor, **kwargs):
    return run(service, tenant=actor.tenant, actor=actor, **kwargs)


# --- orders_list -------------------------------------------------------------------------------------------

ALL_FILTERS = {
    "folder_id": "1001,1002",
    "folder_name": "New",
    "source_id": "SHOP-1",
    "source_name": "Shopify",
    "email": "ada@example.com",
    "customer_id": "C-9",
    "customer_first_name": "Ada",
    "customer_last_name": "Lovelace",
    "customer_company": "Engines Ltd",
    "customer_address1": "1 Analytical Way",
    "customer_phone": "555",
    "shipping_first_name": "Ada",
    "shipping_last_name": "Lovelace",
    "shipping_company": "Engines Ltd",
    "shipping_address1": "1 Analytical Way",
    "shipping_phone": "555",
    "order_by": "shipping_last_name",
}


def test_it_sends_every_filter_to_orderdesk_by_its_own_name(od, acme_store, alice_actor):
    call(
        services.orders_list,
        alice_actor,
        **ALL_FILTERS,
        search_start_date="2025-01-01",
        search_end_date="2025-01-31",
        search_start_date_local="2025-01-01 08:00:00",
        search_end_date_local="2025-01-02",
        modified_start_date="2025-01-01T00:00:00Z",
        modified_end_date="2025-02-01T00:00:00+01:00",
        get_order_history=True,
        order="asc",
        limit=10,
    )
    method, _, params = next(c for c in od.calls if c[1] == "/orders")
    assert method == "GET"
    assert params == {
        **ALL_FILTERS,
        "search_start_date": "2025-01-01 00:00:00",
        "search_end_date": "2025-01-31 23:59:59",
        "search_start_date_local": "2025-01-01 08:00:00",
        "search_end_date_local": "2025-01-02 23:59:59",
        "modified_start_date": "2025-01-01 00:00:00",
        "modified_end_date": "2025-01-31 23:00:00",
        "get_order_history": 1,
        "order": "ASC",
        "limit": 10,
        "offset": 0,
    }


def test_it_sends_only_the_filters_given(od, acme_store, alice_actor):
    call(services.orders_list, alice_actor, email="ada@example.com")
    assert od.calls[0][2] == {"email": "ada@example.com", "limit": 25, "offset": 0}


def test_it_names_the_bad_date_field(od, acme_store, alice_actor):
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_list, alice_actor, modified_end_date="last tuesday")
    assert exc.value.field == "modified_end_date"
    assert od.calls == []


def test_it_refuses_an_end_date_before_the_start(od, acme_store, alice_actor):
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_list, alice_actor, search_start_date="2025-02-01", search_end_date="2025-01-01")
    assert exc.value.field == "search_end_date"


def test_it_pages_with_an_opaque_cursor(od, acme_store, alice_actor):
    for n in range(7):
        od.add_order(date_added=f"2025-03-0{n + 1} 10:00:00")
    first = call(services.orders_list, alice_actor, limit=3)
    assert first.returned == 3 and first.has_more and first.total_records == 7
    second = call(services.orders_list, alice_actor, limit=3, cursor=first.next_cursor)
    third = call(services.orders_list, alice_actor, limit=3, cursor=second.next_cursor)
    assert third.returned == 1 and not third.has_more and third.next_cursor is None
    ids = [o.id for page in (first, second, third) for o in page.orders]
    assert len(set(ids)) == 7
    offsets = [params["offset"] for method, path, params in od.calls if path == "/orders"]
    assert offsets == [0, 3, 6]


def test_it_rejects_a_cursor_used_with_other_filters(od, acme_store, alice_actor):
    for _ in range(4):
        od.add_order()
    first = call(services.orders_list, alice_actor, limit=2, email="ada@example.com")
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_list, alice_actor, limit=2, email="eve@example.com", cursor=first.next_cursor)
    assert exc.value.field == "cursor"


def test_it_rejects_a_tampered_cursor(od, acme_store, alice_actor):
    for _ in range(4):
        od.add_order()
    first = call(services.orders_list, alice_actor, limit=2)
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_list, alice_actor, limit=2, cursor=first.next_cursor[:-2] + "xy")
    assert exc.value.field == "cursor"


def test_it_returns_the_summary_preset_by_default(od, acme_store, alice_actor, order):
    page = call(services.orders_list, alice_actor)
    row = page.orders[0].model_dump()
    assert row["folder_name"] == "New" and row["customer_name"] == "Ada Lovelace"
    assert "order_items" not in row


@pytest.mark.parametrize(("fields", "present"), [("standard", "shipping"), ("full", "order_metadata")])
def test_it_returns_the_preset_asked_for(od, acme_store, alice_actor, order, fields, present):
    page = call(services.orders_list, alice_actor, fields=fields)
    assert present in page.orders[0].model_dump()


# --- caching -----------------------------------------------------------------------------------------------


def test_it_serves_a_repeated_read_from_the_cache(od, acme_store, alice_actor, order):
    call(services.orders_get, alice_actor, order_id=order["id"])
    call(services.orders_get, alice_actor, order_id=order["id"])
    assert od.count("GET", f"/orders/{order['id']}") == 1


@pytest.mark.parametrize(
    "variant",
    [{"email": "bob@example.com"}, {"folder_name": "New"}, {"order": "asc"}, {"limit": 5}, {"fields": "full"},
     {"search_start_date": "2025-01-01"}, {"shipping_phone": "5"}, {"get_order_history": True}],
)  # fmt: skip
def test_it_keys_list_cache_entries_by_every_argument(od, acme_store, alice_actor, order, variant):
    call(services.orders_list, alice_actor, email="ada@example.com")
    call(services.orders_list, alice_actor, **{"email": "ada@example.com", **variant})
    assert od.count("GET", "/orders") == 2


def test_it_keys_cache_entries_by_store(od, acme_store, alice_actor, order):
    from tests.factories import StoreFactory

    other = StoreFactory(tenant=acme_store.tenant, name="Acme Outlet")
    call(services.orders_get, alice_actor, store=acme_store.name, order_id=order["id"])
    call(services.orders_get, alice_actor, store=other.name, order_id=order["id"])
    assert od.count("GET", f"/orders/{order['id']}") == 2


def test_it_keys_cache_entries_by_tenant(od, acme_store, globex_store, alice_actor, charlie_actor, order):
    call(services.orders_get, alice_actor, order_id=order["id"])
    call(services.orders_get, charlie_actor, order_id=order["id"])
    assert od.count("GET", f"/orders/{order['id']}") == 2


def test_it_shows_a_write_on_the_next_read_without_waiting(od, acme_store, alice_actor, order):
    before = call(services.orders_list, alice_actor, fields="full")
    assert before.orders[0].email == "ada@example.com"
    call(services.orders_update, alice_actor, order_id=order["id"], changes={"email": "new@example.com"})
    after = call(services.orders_list, alice_actor, fields="full")
    assert after.orders[0].email == "new@example.com"
    got = call(services.orders_get, alice_actor, order_id=order["id"])
    assert got.email == "new@example.com"


@pytest.mark.parametrize("write", ["move", "note", "item", "shipment", "delete"])
def test_it_invalidates_order_reads_after_every_order_write(od, acme_store, alice_actor, order, write):
    call(services.orders_get, alice_actor, order_id=order["id"])
    reads = od.count("GET", f"/orders/{order['id']}")
    if write == "move":
        call(services.orders_move, alice_actor, order_id=order["id"], folder="Shipped")
    elif write == "note":
        call(services.orders_add_note, alice_actor, order_id=order["id"], note="Checked")
    elif write == "item":
        call(services.order_items_add, alice_actor, order_id=order["id"], item_data={"name": "Gadget"})
    elif write == "shipment":
        call(
            services.shipments_add,
            alice_actor,
            order_id=order["id"],
            shipment_data={"tracking_number": "1Z9"},
        )
    else:
        call(services.orders_delete, alice_actor, order_id=order["id"])
    reads = od.count("GET", f"/orders/{order['id']}")
    if write == "delete":
        with pytest.raises(NotFound):
            call(services.orders_get, alice_actor, order_id=order["id"])
    else:
        call(services.orders_get, alice_actor, order_id=order["id"])
    assert od.count("GET", f"/orders/{order['id']}") == reads + 1


ORDER_WRITES = {
    "update": lambda actor, order_id: call(
        services.orders_update, actor, order_id=order_id, changes={"email": "new@example.com"}
    ),
    "move": lambda actor, order_id: call(services.orders_move, actor, order_id=order_id, folder="Shipped"),
    "note": lambda actor, order_id: call(services.orders_add_note, actor, order_id=order_id, note="Checked"),
    "item": lambda actor, order_id: call(
        services.order_items_add, actor, order_id=order_id, item_data={"name": "Gadget"}
    ),
    "shipment": lambda actor, order_id: call(
        services.shipments_add, actor, order_id=order_id, shipment_data={"tracking_number": "1Z9"}
    ),
    "batch shipment": lambda actor, order_id: call(
        services.shipments_add_batch, actor, shipments=[{"order_id": order_id, "tracking_number": "1Z8"}]
    ),
    "delete": lambda actor, order_id: call(services.orders_delete, actor, order_id=order_id),
}


@pytest.mark.parametrize("write", ORDER_WRITES)
def test_a_write_to_one_order_keeps_the_cached_read_of_another_order(od, acme_store, alice_actor, write):
    changed, other = od.add_order(), od.add_order()
    call(services.orders_get, alice_actor, order_id=other["id"])
    ORDER_WRITES[write](alice_actor, changed["id"])
    call(services.orders_get, alice_actor, order_id=other["id"])
    assert od.count("GET", f"/orders/{other['id']}") == 1


@pytest.mark.parametrize("write", ORDER_WRITES)
def test_a_write_to_an_order_drops_its_own_cached_read_and_the_lists(od, acme_store, alice_actor, write):
    changed = od.add_order()
    call(services.orders_list, alice_actor)
    call(services.orders_get, alice_actor, order_id=changed["id"])
    reads = od.count("GET", f"/orders/{changed['id']}")
    ORDER_WRITES[write](alice_actor, changed["id"])
    if write == "delete":
        with pytest.raises(NotFound):
            call(services.orders_get, alice_actor, order_id=changed["id"])
    else:
        call(services.orders_get, alice_actor, order_id=changed["id"])
    call(services.orders_list, alice_actor)
    assert od.count("GET", f"/orders/{changed['id']}") > reads
    assert od.count("GET", "/orders") == 2


def test_creating_an_order_drops_the_lists_and_keeps_the_cached_reads_of_orders(od, acme_store, alice_actor):
    existing = od.add_order()
    call(services.orders_list, alice_actor)
    call(services.orders_get, alice_actor, order_id=existing["id"])
    data = {"shipping": {"first_name": "Ada"}, "order_items": [{"name": "Widget"}]}
    call(services.orders_create, alice_actor, order_data=data)
    call(services.orders_list, alice_actor)
    call(services.orders_get, alice_actor, order_id=existing["id"])
    assert od.count("GET", "/orders") == 2
    assert od.count("GET", f"/orders/{existing['id']}") == 1


# --- orders_get --------------------------------------------------------------------------------------------


def test_it_gets_a_whole_order_with_its_folder_name(od, acme_store, alice_actor, order):
    got = call(services.orders_get, alice_actor, order_id=order["id"])
    assert got.id == order["id"] and got.folder_name == "New"
    assert got.order_items[0].price == 10.0 and got.order_items[0].code == "W-1"
    assert got.order_notes[0].content == "Leave at door"


def test_it_gets_the_order_history_when_asked(od, acme_store, alice_actor, order):
    od.orders[order["id"]]["order_history"] = [{"note": "Moved to Shipped", "source_name": "Order Desk"}]
    plain = call(services.orders_get, alice_actor, order_id=order["id"])
    with_history = call(services.orders_get, alice_actor, order_id=order["id"], get_order_history=True)
    assert plain.order_history == []
    assert [h.note for h in with_history.order_history] == ["Moved to Shipped"]
    assert ("GET", f"/orders/{order['id']}", {"get_order_history": 1}) in od.calls


def test_it_says_which_order_was_not_found_in_which_store(od, acme_store, alice_actor):
    with pytest.raises(NotFound) as exc:
        call(services.orders_get, alice_actor, order_id="999")
    assert exc.value.message == "Order 999 not found in store 'Acme Main'."
    assert exc.value.field == "order_id"


# --- orders_create -----------------------------------------------------------------------------------------

NEW_ORDER = {
    "email": "grace@example.com",
    "shipping": {"first_name": "Grace", "last_name": "Hopper", "country": "US"},
    "order_items": [{"name": "Compiler", "code": "C-1", "price": 99, "quantity": 1}],
}


def test_it_creates_an_order(od, acme_store, alice_actor):
    created = call(services.orders_create, alice_actor, order_data=NEW_ORDER)
    assert created.id in od.orders and created.email == "grace@example.com"
    assert od.count("POST", "/orders") == 1


@pytest.mark.parametrize(
    ("order_data", "field"),
    [
        ({"email": "x@example.com", "shipping": {"first_name": "A"}}, "order_data.order_items"),
        ({"order_items": [], "shipping": {"first_name": "A"}}, "order_data.order_items"),
        ({"order_items": [{"price": 1}], "shipping": {"first_name": "A"}}, "order_data.order_items[0]"),
        ({"order_items": [{"name": "A"}], "email": "x@example.com"}, "order_data.shipping"),
        ({**NEW_ORDER, "order_total": 5}, "order_data.order_total"),
        ({**NEW_ORDER, "id": "5"}, "order_data.id"),
        ({**NEW_ORDER, "customer": "Grace"}, "order_data.customer"),
    ],
)
def test_it_checks_orderdesk_requirements_before_creating(od, acme_store, alice_actor, order_data, field):
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_create, alice_actor, order_data=order_data)
    assert exc.value.field == field
    assert od.calls == []


def test_it_accepts_orderdesks_flat_name_fields(od, acme_store, alice_actor):
    data = {"customer_company": "Engines Ltd", "order_items": [{"code": "E-1"}]}
    assert call(services.orders_create, alice_actor, order_data=data).id


def test_it_turns_an_orderdesk_refusal_into_invalid_input(od, acme_store, alice_actor):
    od.fail[("POST", "/orders")] = [
        UpstreamError("OrderDesk rejected POST /orders (HTTP 400): Bad country", status=400)
    ]
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_create, alice_actor, order_data=NEW_ORDER)
    assert "Bad country" in exc.value.message and exc.value.field == "order_data"


# --- orders_update -----------------------------------------------------------------------------------------


def test_it_updates_by_fetching_merging_and_putting_the_whole_order(od, acme_store, alice_actor, order):
    updated = call(
        services.orders_update,
        alice_actor,
        order_id=order["id"],
        changes={"shipping": {"city": "Paris"}, "shipping_method": None, "order_notes": "Gift wrap"},
    )
    sent = next(data for method, path, data in od.calls if method == "PUT")
    assert sent["shipping"] == {**order["shipping"], "city": "Paris"}
    assert "shipping_method" not in sent
    assert sent["order_items"] == order["order_items"]
    assert sent["email"] == order["email"] and sent["source_id"] == order["source_id"]
    assert [n["content"] for n in sent["order_notes"]] == ["Leave at door", "Gift wrap"]
    assert sent["order_notes"][-1]["username"] == "alice@acme.test"
    assert "order_shipments" not in sent
    assert updated.shipping.city == "Paris"
    assert [m for m, _, _ in od.calls] == ["GET", "GET", "PUT", "GET"]  # fetch, check, put, folders


def test_it_refuses_read_only_changes_without_calling_orderdesk(od, acme_store, alice_actor, order):
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_update, alice_actor, order_id=order["id"], changes={"folder_id": 1003})
    assert "orders_move" in exc.value.message
    assert od.calls == []


def test_it_reapplies_the_changes_when_the_order_moved_since_the_fetch(od, acme_store, alice_actor, order):
    gets = []

    def someone_else_edits(method, path, data):
        if method == "GET" and path == f"/orders/{order['id']}":
            gets.append(path)
            if len(gets) == 1:  # right after our first fetch, before our check
                od.touch(order["id"], shipping_method="Express")

    od.on_call = someone_else_edits
    updated = call(
        services.orders_update, alice_actor, order_id=order["id"], changes={"email": "new@example.com"}
    )
    assert updated.email == "new@example.com"
    assert updated.shipping_method == "Express"  # their change survived ours
    assert od.orders[order["id"]]["shipping_method"] == "Express"
    assert od.count("PUT") == 1


def test_it_gives_up_with_a_conflict_after_five_attempts(od, acme_store, alice_actor, order):
    def always_moving(method, path, data):
        if method == "GET" and path == f"/orders/{order['id']}":
            od.touch(order["id"])

    od.on_call = always_moving
    with pytest.raises(Conflict) as exc:
        call(services.orders_update, alice_actor, order_id=order["id"], changes={"email": "new@example.com"})
    assert "5 attempts" in exc.value.message
    assert od.count("PUT") == 0
    assert od.count("GET", f"/orders/{order['id']}") == MAX_ATTEMPTS + 1


def test_it_treats_an_orderdesk_409_as_a_moved_order(od, acme_store, alice_actor, order):
    od.fail[("PUT", f"/orders/{order['id']}")] = [
        UpstreamError("OrderDesk rejected PUT (HTTP 409)", status=409)
    ]
    updated = call(
        services.orders_update, alice_actor, order_id=order["id"], changes={"email": "n@example.com"}
    )
    assert updated.email == "n@example.com"
    assert od.count("PUT") == 2


def test_it_records_the_order_before_and_after_for_the_trace(od, acme_store, alice_actor, order):
    async def traced():
        with tracing.recording() as recorder:
            await services.orders_update(
                tenant=alice_actor.tenant,
                actor=alice_actor,
                order_id=order["id"],
                changes={"email": "n@example.com"},
            )
        return recorder

    recorder = async_to_sync(traced)()
    assert recorder.before["email"] == "ada@example.com"
    assert recorder.after["email"] == "n@example.com"
    assert recorder.store_name == "Acme Main"


def test_two_concurrent_updates_of_one_order_keep_both_changes(od, acme_store, alice_actor, order):
    import asyncio

    async def both():
        await asyncio.gather(
            services.orders_update(
                tenant=alice_actor.tenant,
                actor=alice_actor,
                order_id=order["id"],
                changes={"email": "a@example.com"},
            ),
            services.orders_update(
                tenant=alice_actor.tenant,
                actor=alice_actor,
                order_id=order["id"],
                changes={"shipping": {"city": "Rome"}},
            ),
        )

    async_to_sync(both)()
    final = od.orders[order["id"]]
    assert final["email"] == "a@example.com" and final["shipping"]["city"] == "Rome"


# --- orders_delete -----------------------------------------------------------------------------------------


def test_it_deletes_an_order(od, acme_store, alice_actor, order):
    result = call(services.orders_delete, alice_actor, order_id=order["id"])
    assert result.deleted and result.id == order["id"]
    assert order["id"] not in od.orders


def test_it_says_not_found_when_deleting_an_unknown_order(od, acme_store, alice_actor):
    with pytest.raises(NotFound) as exc:
        call(services.orders_delete, alice_actor, order_id="4242")
    assert "4242" in exc.value.message
    assert od.count("DELETE") == 0


# --- orders_move -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["Shipped", "shipped", "1003"])
def test_it_moves_an_order_to_a_folder_by_name_or_id(od, acme_store, alice_actor, order, folder):
    result = call(services.orders_move, alice_actor, order_id=order["id"], folder=folder)
    assert (result.folder_id, result.folder_name, result.moved) == (1003, "Shipped", 1)
    assert result.results[0].original_folder_id == 1001
    assert od.calls[-1] == (
        "POST",
        "/move-orders",
        {"order_id_list": [int(order["id"])], "destination_folder_id": 1003},
    )


def test_it_moves_several_orders_at_once(od, acme_store, alice_actor, order):
    other = od.add_order()
    result = call(
        services.orders_move,
        alice_actor,
        order_id=order["id"],
        order_ids=[other["id"], order["id"]],
        folder="Closed",
    )
    assert result.moved == 2
    assert od.calls[-1][2]["order_id_list"] == [int(order["id"]), int(other["id"])]


def test_it_reports_orders_orderdesk_could_not_move(od, acme_store, alice_actor, order):
    result = call(services.orders_move, alice_actor, order_ids=[order["id"], "99"], folder="Closed")
    assert result.moved == 1
    assert [(r.order_id, r.moved) for r in result.results] == [(order["id"], True), ("99", False)]


def test_it_lists_the_folders_when_the_folder_is_unknown(od, acme_store, alice_actor, order):
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_move, alice_actor, order_id=order["id"], folder="Archive")
    assert exc.value.field == "folder"
    assert "New (1001)" in exc.value.message and "Shipped (1003)" in exc.value.message
    assert od.count("POST") == 0


def test_it_needs_an_order_to_move(od, acme_store, alice_actor):
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_move, alice_actor, folder="Closed")
    assert exc.value.field == "order_id"


# --- orders_add_note ---------------------------------------------------------------------------------------


def test_it_adds_a_history_note(od, acme_store, alice_actor, order):
    result = call(services.orders_add_note, alice_actor, order_id=order["id"], note="Called the customer")
    assert result.added and result.history_count == 1
    assert od.calls[-1] == (
        "POST",
        f"/orders/{order['id']}/order-history",
        {"note": "Called the customer", "source_name": "OrderDesk Admin"},
    )


def test_it_does_not_add_the_same_note_twice(od, acme_store, alice_actor, order):
    call(services.orders_add_note, alice_actor, order_id=order["id"], note="Called the customer")
    again = call(services.orders_add_note, alice_actor, order_id=order["id"], note="  called THE customer ")
    assert not again.added
    assert od.count("POST") == 1
    assert len(od.orders[order["id"]]["order_history"]) == 1


# --- orders_summary ----------------------------------------------------------------------------------------


def test_it_summarises_orders_per_folder(od, acme_store, alice_actor):
    od.add_order(folder_id=1001, order_total=10, date_added="2025-03-01 10:00:00")
    od.add_order(folder_id=1001, order_total="5.5", date_added="2025-03-02 10:00:00")
    od.add_order(
        folder_id=1003, order_total=20, order_shipments=[{"id": "1"}], date_added="2025-03-03 10:00:00"
    )
    result = call(
        services.orders_summary, alice_actor, search_start_date="2025-03-01", search_end_date="2025-03-07"
    )
    assert (result.orders, result.order_total, result.unshipped) == (3, 35.5, 2)
    assert result.average_order_total == 11.83
    assert result.oldest_unshipped_date == "2025-03-01 10:00:00"
    by_name = {f.folder_name: f for f in result.folders}
    assert (by_name["New"].orders, by_name["New"].order_total, by_name["New"].unshipped) == (2, 15.5, 2)
    assert (by_name["Shipped"].orders, by_name["Shipped"].unshipped) == (1, 0)
    assert by_name["Canceled"].orders == 0
    params = od.calls[-1][2]
    assert params["limit"] == 500 and params["search_end_date"] == "2025-03-07 23:59:59"


def test_it_defaults_the_summary_to_the_last_seven_days(od, acme_store, alice_actor):
    from datetime import UTC, datetime, timedelta

    result = call(services.orders_summary, alice_actor)
    start = datetime.strptime(result.search_start_date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert timedelta(days=6, hours=23) < datetime.now(UTC) - start < timedelta(days=7, minutes=2)


def test_it_counts_the_default_summary_start_back_from_a_given_end(od, acme_store, alice_actor):
    result = call(services.orders_summary, alice_actor, search_end_date="2025-03-01")
    assert (result.search_start_date, result.search_end_date) == (
        "2025-02-23 00:00:00",
        "2025-03-01 23:59:59",
    )
    assert result.orders == 0 and od.calls[-1][2]["search_start_date"] == "2025-02-23 00:00:00"


def test_it_refuses_a_summary_range_that_is_too_large(od, acme_store, alice_actor, monkeypatch):
    from orders.services import summary

    monkeypatch.setattr(summary, "MAX_ORDERS", 3)
    for _ in range(4):
        od.add_order()
    with pytest.raises(InvalidInput) as exc:
        call(
            services.orders_summary, alice_actor, search_start_date="2025-01-01", search_end_date="2025-12-31"
        )
    assert "4 orders" in exc.value.message and exc.value.field == "search_start_date"
    assert od.count("GET", "/orders") == 1


def test_it_pages_through_the_summary_range(od, acme_store, alice_actor, monkeypatch):
    from orders.services import summary

    monkeypatch.setattr(summary, "PAGE_SIZE", 2)
    for day in range(1, 6):
        od.add_order(date_added=f"2025-03-0{day} 10:00:00")
    result = call(
        services.orders_summary, alice_actor, search_start_date="2025-03-01", search_end_date="2025-03-07"
    )
    assert result.orders == 5
    assert od.count("GET", "/orders") == 3


def test_it_asks_to_re_enter_a_key_that_cannot_be_decrypted(od, acme_store, alice_actor, order):
    from tests.factories import StoreFactory

    other = StoreFactory(tenant=acme_store.tenant, name="Acme Outlet")
    other.api_key_encrypted = acme_store.api_key_encrypted  # bound to another row: never decrypts here
    other.save()
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_get, alice_actor, store="Acme Outlet", order_id=order["id"])
    assert "re-enter" in exc.value.message and exc.value.field == "store"
    assert od.calls == []
