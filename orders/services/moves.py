"""Moving orders between folders (POST /move-orders) and adding history notes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from kernel import tracing
from kernel.errors import InvalidInput, NotFound
from kernel.types import FolderRef, Note, OrderId, StoreRef
from operations.registry import operation
from orders.services.folders import resolve_folder
from orders.services.orders import fetch_order, not_found_message, order_label
from orders.types import MovedOrder, MoveResult, NoteResult
from records.locks import record_lock
from records.store_call import open_store, record_of, store_folders, upstream_errors
from stores.decoding import as_int_or_none, as_list, as_str_id
from tenants.actors import Actor
from tenants.models import Tenant

MAX_MOVE = 100
HISTORY_SOURCE = "OrderDesk Admin"

OrderIds = Annotated[
    list[OrderId] | None,
    Field(
        max_length=MAX_MOVE, description="Several order ids to move at once (with or instead of order_id)."
    ),
]


# Destructive: it replaces the order's folder and runs that folder's OrderDesk rules.
@operation(toolset="orders", destructive=True, idempotent=True)
async def orders_move(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    order_id: Annotated[OrderId | None, Field(description="The order to move.")] = None,
    order_ids: OrderIds = None,
    folder: FolderRef,
) -> MoveResult:
    """Move one or several orders to a folder (e.g. "Shipped"), by folder id or exact name.

    Give `order_id`, or `order_ids` for up to 100 orders at once. An unknown folder is refused with the
    list of the store's folders. Moving runs the folder's OrderDesk rules (e-mails, fulfilment) and is
    written to each order's history. Returns the folder, how many orders moved and, per order,
    whether it moved and the folder it came from. Ids OrderDesk does not know are listed in
    `not_found` (and in `message`); when no order given exists at all (or the one order_id does not),
    the call fails with a not-found error naming the ids.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    ids = list(dict.fromkeys([*([order_id] if order_id else []), *(order_ids or [])]))
    if not ids:
        raise InvalidInput(
            "Name the order to move with order_id (or several with order_ids).", field="order_id"
        )
    if len(ids) > MAX_MOVE:
        raise InvalidInput(f"At most {MAX_MOVE} orders can be moved in one call.", field="order_ids")
    folder_id, folder_name = resolve_folder(await store_folders(call), folder, store_label=call.label)
    body = {"order_id_list": [int(i) for i in ids], "destination_folder_id": folder_id}
    try:
        with upstream_errors(
            not_found=not_found_message(call, ids[0]), field="order_id", rejected_field="order_id"
        ):
            envelope = await call.post("/move-orders", body)
    finally:
        await call.invalidate("orders", items=ids)
    results = [
        MovedOrder(
            order_id=as_str_id(row.get("order_id")),
            moved=as_int_or_none(row.get("original_folder_id")) is not None,
            original_folder_id=as_int_or_none(row.get("original_folder_id")),
            message=str(row.get("message") or ""),
        )
        for row in as_list(envelope.get("results"))
        if isinstance(row, dict)
    ]
    answered = {r.order_id for r in results}
    missing = [r.order_id for r in results if not r.moved and "not found" in r.message.casefold()]
    missing += [i for i in ids if i not in answered]  # no answer for an id: it was not moved either
    moved = [r for r in results if r.moved]
    if missing and not moved and len(missing) == len(ids):
        field = "order_id" if order_id and not order_ids else "order_ids"
        if len(ids) == 1:
            raise NotFound(not_found_message(call, ids[0]), field=field)
        raise NotFound(f"None of the orders {', '.join(ids)} was found in store {call.label}.", field=field)
    message = str(envelope.get("message") or "")
    if missing:
        message = f"{message} Not found: {', '.join(missing)}.".strip()
    tracing.note_before({r.order_id: {"folder_id": r.original_folder_id} for r in moved})
    tracing.note_after({r.order_id: {"folder_id": folder_id} for r in moved})
    return MoveResult(
        folder_id=folder_id,
        folder_name=folder_name,
        moved=len(moved),
        results=results,
        not_found=missing,
        message=message,
    )


def _same_note(a: Any, b: str) -> bool:
    return str(a or "").strip().casefold() == b.strip().casefold()


@operation(toolset="orders")
async def orders_add_note(
    *, tenant: Tenant, actor: Actor, store: StoreRef = None, order_id: OrderId, note: Note
) -> NoteResult:
    """Add a note to an order's history (OrderDesk's order history, shown on the order's page).

    A note identical to one already in the history (ignoring case and surrounding spaces) is not added
    again: `added` is then false. History is append-only: notes cannot be edited or removed.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    label = order_label(call, order_id)
    async with record_lock("order", tenant.pk, call.store.pk, order_id, label=label):
        order = await fetch_order(call, order_id, history=True)
        history = [h for h in as_list(order.get("order_history")) if isinstance(h, dict)]
        if any(_same_note(h.get("note"), note) for h in history):
            return NoteResult(
                order_id=order_id,
                added=False,
                note=note,
                message="An identical note is already in the order's history; nothing was added.",
                history_count=len(history),
            )
        tracing.note_before({"order_history": history})
        try:
            with upstream_errors(
                not_found=not_found_message(call, order_id), field="order_id", rejected_field="note"
            ):
                envelope = await call.post(
                    f"/orders/{order_id}/order-history", {"note": note, "source_name": HISTORY_SOURCE}
                )
        finally:
            await call.invalidate("orders", items=[order_id])
    after = record_of(envelope, "order") or {}
    new_history = [h for h in as_list(after.get("order_history")) if isinstance(h, dict)] or [
        *history,
        {"note": note},
    ]
    tracing.note_after({"order_history": new_history})
    return NoteResult(
        order_id=order_id,
        added=True,
        note=note,
        message=str(envelope.get("message") or "Note added to the order's history."),
        history_count=len(new_history),
    )
