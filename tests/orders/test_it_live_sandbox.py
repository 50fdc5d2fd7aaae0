"""Every order, item and shipment operation over real HTTP against the sandbox emulator
(pytest-django's live server), through the real OrderDesk client."""

import asyncio

import pytest
from asgiref.sync import async_to_sync

from kernel import tracing
from kernel.errors import Forbidden, InvalidInput, NotFound
from orders import services
from tests.helpers import WIDE, actor_for, run

pytestmark = pytest.mark.django_db(transaction=True)


def call(service, actor, **kwargs):
    return run(service, tenant=actor.tenant, actor=actor, **kwargs)


def first_order(actor):
    return call(services.orders_list, actor, limit=1, **WIDE).orders[0]


def test_it_lists_pages_and_gets_sandbox_orders(sandbox, alice_actor):
    first = call(services.orders_list, alice_actor, limit=5, **WIDE)
    assert first.returned == 5 and first.has_more and first.total_records == 12
    second = call(services.orders_list, alice_actor, limit=5, cursor=first.next_cursor, **WIDE)
    assert not {o.id for o in first.orders} & {o.id for o in second.orders}
    row = first.orders[0]
    assert row.folder_name and isinstance(row.folder_id, int) and isinstance(row.id, str)
    order = call(services.orders_get, alice_actor, order_id=row.id)
    assert order.id == row.id and order.order_items and order.email == row.email
    filtered = call(services.orders_list, alice_actor, email=row.email, fields="standard", **WIDE)
    assert filtered.orders and all(o.email == row.email for o in filtered.orders)
    with pytest.raises(NotFound) as exc:
        call(services.orders_get, alice_actor, order_id="999999999")
    assert exc.value.message == "Order 999999999 not found in store 'Sandbox'."


def test_a_default_page_of_sandbox_orders_stays_small(sandbox, alice_actor):
    page = call(services.orders_list, alice_actor, **WIDE, limit=12)
    assert page.returned == 12
    per_order = len(page.model_dump_json().encode()) / 12
    assert per_order * 25 < 12 * 1024  # a default page (25 orders, summary preset) under 12 KiB


def test_it_summarises_the_sandbox_orders(sandbox, alice_actor):
    summary = call(services.orders_summary, alice_actor, **WIDE)
    assert summary.orders == 12
    assert sum(f.orders for f in summary.folders) == 12
    assert {"New", "Prepared", "Shipped", "Closed", "Canceled"} <= {f.folder_name for f in summary.folders}


def test_it_updates_a_sandbox_order_without_losing_anything(sandbox, alice_actor):
    order = call(services.orders_get, alice_actor, order_id=first_order(alice_actor).id)
    listed = call(services.orders_list, alice_actor, fields="full", email=order.email, **WIDE)  # cached now
    assert listed.orders
    updated = call(
        services.orders_update,
        alice_actor,
        order_id=order.id,
        changes={
            "shipping": {"city": "Springfield"},
            "order_notes": "Fragile",
            "checkout_data": {"Gift": "Yes"},
        },
    )
    assert updated.shipping.city == "Springfield"
    assert updated.shipping.last_name == order.shipping.last_name
    assert [i.id for i in updated.order_items] == [i.id for i in order.order_items]
    assert updated.order_total == order.order_total
    assert "Fragile" in [n.content for n in updated.order_notes]
    assert updated.checkout_data["Gift"] == "Yes"
    # The write invalidated the cached reads: no waiting for the TTL.
    relisted = call(services.orders_list, alice_actor, fields="full", email=order.email, **WIDE)
    assert next(o for o in relisted.orders if o.id == order.id).shipping.city == "Springfield"
    assert call(services.orders_get, alice_actor, order_id=order.id).shipping.city == "Springfield"


def test_two_concurrent_updates_of_one_sandbox_order_keep_both_changes(sandbox, alice_actor):
    order_id = first_order(alice_actor).id

    async def both():
        await asyncio.gather(
            services.orders_update(
                tenant=alice_actor.tenant,
                actor=alice_actor,
                order_id=order_id,
                changes={"email": "both@example.com"},
            ),
            services.orders_update(
                tenant=alice_actor.tenant,
                actor=alice_actor,
                order_id=order_id,
                changes={"shipping": {"city": "Ogden"}},
            ),
            services.orders_update(
                tenant=alice_actor.tenant,
                actor=alice_actor,
                order_id=order_id,
                changes={"order_notes": "Third writer"},
            ),
        )

    async_to_sync(both)()
    final = call(services.orders_get, alice_actor, order_id=order_id)
    assert final.email == "both@example.com"
    assert final.shipping.city == "Ogden"
    assert "Third writer" in [n.content for n in final.order_notes]


def test_it_creates_moves_notes_and_deletes_a_sandbox_order(sandbox, alice_actor):
    data = {
        "email": "grace@example.com",
        "shipping": {"first_name": "Grace", "last_name": "Hopper", "country": "US"},
        "order_items": [{"name": "Compiler", "code": "C-1", "price": 99.5, "quantity": 2}],
    }
    created = call(services.orders_create, alice_actor, order_data=data, idempotency_key="live-create-01")
    again = call(services.orders_create, alice_actor, order_data=data, idempotency_key="live-create-01")
    assert again.id == created.id and created.order_total == 199.0
    assert created.order_metadata["idempotency_key"] == "live-create-01"
    assert call(services.orders_list, alice_actor, email="grace@example.com", **WIDE).returned == 1

    moved = call(services.orders_move, alice_actor, order_id=created.id, folder="shipped")
    assert moved.folder_name == "Shipped" and moved.moved == 1
    assert call(services.orders_get, alice_actor, order_id=created.id).folder_name == "Shipped"
    with pytest.raises(InvalidInput) as exc:
        call(services.orders_move, alice_actor, order_id=created.id, folder="Archive")
    assert "Prepared" in exc.value.message

    noted = call(services.orders_add_note, alice_actor, order_id=created.id, note="Called the customer")
    repeated = call(services.orders_add_note, alice_actor, order_id=created.id, note="called the customer")
    assert noted.added and not repeated.added

    deleted = call(services.orders_delete, alice_actor, order_id=created.id)
    assert deleted.deleted
    with pytest.raises(NotFound):
        call(services.orders_get, alice_actor, order_id=created.id)


def test_it_adds_updates_and_deletes_items_on_a_sandbox_order(sandbox, alice_actor):
    order_id = first_order(alice_actor).id
    before = call(services.orders_get, alice_actor, order_id=order_id)
    item = call(
        services.order_items_add, alice_actor, order_id=order_id, item_data={"name": "Gift wrap", "price": 4}
    )
    assert item.id and item.name == "Gift wrap"
    updated = call(
        services.order_items_update, alice_actor, order_id=order_id, item_id=item.id, changes={"quantity": 3}
    )
    assert (updated.quantity, updated.price, updated.name) == (3, 4.0, "Gift wrap")
    after = call(services.orders_get, alice_actor, order_id=order_id)
    assert after.order_total == round(before.order_total + 12, 2)
    call(services.order_items_delete, alice_actor, order_id=order_id, item_id=item.id)
    assert [i.id for i in call(services.orders_get, alice_actor, order_id=order_id).order_items] == [
        i.id for i in before.order_items
    ]


def test_it_adds_updates_and_deletes_sandbox_shipments(sandbox, alice_actor):
    orders = call(services.orders_list, alice_actor, limit=4, **WIDE).orders
    order_id = orders[0].id
    shipment = call(
        services.shipments_add,
        alice_actor,
        order_id=order_id,
        shipment_data={"tracking_number": "1ZLIVE0001", "carrier_code": "UPS", "shipment_method": "Ground"},
        idempotency_key="live-ship-0001",
    )
    assert shipment.id and shipment.tracking_url
    with pytest.raises(InvalidInput) as exc:
        call(
            services.shipments_add,
            alice_actor,
            order_id=order_id,
            shipment_data={"tracking_number": "1ZLIVE0001"},
        )
    assert "Shipment Not Added" in exc.value.message
    updated = call(
        services.shipments_update,
        alice_actor,
        order_id=order_id,
        shipment_id=shipment.id,
        changes={"shipment_method": "Air"},
    )
    assert (updated.shipment_method, updated.tracking_number, updated.carrier_code) == (
        "Air",
        "1ZLIVE0001",
        "UPS",
    )
    call(services.shipments_delete, alice_actor, order_id=order_id, shipment_id=shipment.id)
    assert shipment.id not in [
        s.id for s in call(services.orders_get, alice_actor, order_id=order_id).order_shipments
    ]

    progress = []

    async def report(done, total=None, message=None):
        progress.append(done)

    batch = call(
        services.shipments_add_batch,
        alice_actor,
        shipments=[{"order_id": o.id, "tracking_number": f"9400LIVE{n}"} for n, o in enumerate(orders[1:])]
        + [{"order_id": "999999999", "tracking_number": "9400NONE"}],
        progress=report,
    )
    assert (batch.added, batch.failed) == (3, 1) and progress == [4]
    assert call(services.orders_get, alice_actor, order_id=orders[1].id).shipped


def test_another_tenant_reaches_nothing_and_a_viewer_writes_nothing(sandbox, alice_actor, charlie, vera):
    order_id = first_order(alice_actor).id
    charlie_actor, vera_actor = actor_for(charlie), actor_for(vera)

    async def attempts():
        with tracing.recording() as recorder:
            for actor, kwargs, error in [
                (charlie_actor, {"store": str(sandbox.pk)}, NotFound),
                (charlie_actor, {"store": "Sandbox"}, NotFound),
                (vera_actor, {}, Forbidden),
            ]:
                with pytest.raises(error):
                    await services.orders_update(
                        tenant=actor.tenant,
                        actor=actor,
                        order_id=order_id,
                        changes={"email": "x@example.com"},
                        **kwargs,
                    )
        return recorder

    recorder = async_to_sync(attempts)()
    assert recorder.spans == []
    assert call(services.orders_get, alice_actor, order_id=order_id).email != "x@example.com"


def test_an_item_list_sent_from_a_stale_read_keeps_a_sandbox_item_added_meanwhile(sandbox, alice_actor):
    order_id = first_order(alice_actor).id
    seen = call(services.orders_get, alice_actor, order_id=order_id).order_items
    added = call(
        services.order_items_add, alice_actor, order_id=order_id, item_data={"name": "Gift wrap", "price": 4}
    )
    updated = call(
        services.orders_update,
        alice_actor,
        order_id=order_id,
        changes={"order_items": [{**i.model_dump(), "quantity": 2} for i in seen]},
    )
    assert [i.id for i in updated.order_items] == [*(i.id for i in seen), added.id]
    assert {i.quantity for i in updated.order_items if i.id != added.id} == {2}
    removed = call(
        services.orders_update,
        alice_actor,
        order_id=order_id,
        changes={"order_items": [{"id": added.id, "delete": True}]},
    )
    assert [i.id for i in removed.order_items] == [i.id for i in seen]
    again = call(services.orders_update, alice_actor, order_id=order_id, changes={"email": removed.email})
    assert again.changed is False and again.date_updated == removed.date_updated
