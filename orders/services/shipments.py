"""Shipment operations: add (idempotent), update, delete, and batches through /batch-shipments."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from kernel import tracing
from kernel.errors import InvalidInput, NotFound, OutcomeUnknown, UpstreamError
from kernel.types import Changes, IdempotencyKey, OrderId, Progress, ShipmentId, StoreRef
from operations.registry import operation
from orders.services import merge
from orders.services.idempotency import Claim, run_idempotent
from orders.services.orders import not_found_message, order_label
from orders.types import BatchShipment, BatchShipmentOutcome, Shipment, ShipmentBatchResult, ShipmentData
from records.delete import delete_record
from records.locks import record_lock
from records.store_call import StoreCall, coerce, open_store, record_of, upstream_errors
from records.types import Deleted
from stores.decoding import as_list, as_str_id
from tenants.actors import Actor
from tenants.models import Tenant

WRITABLE = (
    "tracking_number", "carrier_code", "shipment_method", "weight", "cost", "status", "tracking_url",
    "date_shipped",
)  # fmt: skip
BATCH_CHUNK = 50
BATCH_MAX = 500
NOT_ADDED = "not added"  # OrderDesk's "Shipment Not Added": a shipment like it is already on the order

Shipments = Annotated[
    list[BatchShipment],
    Field(
        min_length=1,
        max_length=BATCH_MAX,
        description="The shipments to add (at most 500), each with its order_id and tracking_number.",
    ),
]


def _duplicate(call: StoreCall, order_id: str, tracking_number: str) -> InvalidInput:
    return InvalidInput(
        f'OrderDesk did not add the shipment ("Shipment Not Added"): order {order_id} in store '
        f"{call.label} already has a shipment like it (tracking number {tracking_number!r}). See its "
        "shipments with orders_get; change one with shipments_update.",
        field="shipment_data.tracking_number",
    )


async def _shipments_of(call: StoreCall, order_id: str) -> list[dict[str, Any]]:
    with upstream_errors(not_found=not_found_message(call, order_id), field="order_id"):
        envelope = await call.get(f"/orders/{order_id}/shipments")
    return [s for s in as_list(envelope.get("shipments")) if isinstance(s, dict)]


def _with_tracking(shipments: list[dict[str, Any]], tracking_number: str) -> dict[str, Any] | None:
    matches = [s for s in shipments if str(s.get("tracking_number") or "") == tracking_number]
    return matches[-1] if matches else None


@operation(toolset="shipments")
async def shipments_add(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    order_id: OrderId,
    shipment_data: ShipmentData,
    idempotency_key: IdempotencyKey = None,
) -> Shipment:
    """Add a shipment (tracking number, carrier, method) to an order; pass an `idempotency_key`. The order
    stays in its folder: move it with orders_move.

    Only tracking_number is required ("n/a" when there is none); OrderDesk derives tracking_url from
    the carrier and number when omitted. OrderDesk refuses a shipment that duplicates one already on
    the order ("Shipment Not Added"): that comes back as an error naming the tracking number. Pass an
    `idempotency_key` so a retry after a timeout never adds it twice (the same key and data return the
    first result). The order stays in its folder: move it with orders_move. Returns the shipment.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    body = coerce(ShipmentData, shipment_data, field="shipment_data").model_dump(exclude_none=True)
    tracking = body["tracking_number"]

    async def run(claim: Claim | None) -> Shipment:
        if claim is not None and claim.recovering:
            found = _with_tracking(await _shipments_of(call, order_id), tracking)
            if found is not None:
                tracing.note_after(found)
                return Shipment.model_validate(found)
        try:
            with upstream_errors(
                not_found=not_found_message(call, order_id), field="order_id", rejected_field="shipment_data"
            ):
                envelope = await call.post(f"/orders/{order_id}/shipments", body)
        except InvalidInput as exc:
            raise _duplicate(call, order_id, tracking) if NOT_ADDED in exc.message.lower() else exc from None
        finally:
            await call.invalidate("orders", items=[order_id])
        shipment = record_of(envelope, "shipment")
        if shipment is None:  # OrderDesk answers "Shipment Added" without the shipment
            shipment = _with_tracking(await _shipments_of(call, order_id), tracking) or {
                "order_id": order_id,
                **body,
            }
        tracing.note_after(shipment)
        return Shipment.model_validate(shipment)

    return await run_idempotent(
        tenant_id=tenant.pk,
        store_id=call.store.pk,
        operation="shipments_add",
        key=idempotency_key,
        payload={"order_id": order_id, **body},
        result_type=Shipment,
        run=run,
    )


# Destructive: the changed fields' old values are overwritten.
@operation(toolset="shipments", destructive=True, idempotent=True)
async def shipments_update(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    order_id: OrderId,
    shipment_id: ShipmentId,
    changes: Changes,
) -> Shipment:
    """Change a shipment's tracking_number, carrier_code, shipment_method, weight, cost, status,
    tracking_url or date_shipped; the other fields stay as they are.

    The shipment is fetched, `changes` merged in and the whole shipment sent back. A null removes a
    field (tracking_number cannot be removed). Returns the updated shipment.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    merge.refuse_read_only(changes, merge.SHIPMENT_READ_ONLY, argument="changes")
    unknown = [name for name in changes if name not in WRITABLE]
    if unknown:
        raise InvalidInput(
            f"changes may only set {', '.join(WRITABLE)}; not {', '.join(unknown)}.",
            field=f"changes.{unknown[0]}",
        )
    if "tracking_number" in changes and not str(changes["tracking_number"] or "").strip():
        raise InvalidInput('tracking_number cannot be empty (use "n/a" when there is none).', field="changes")
    for number in ("weight", "cost"):
        if changes.get(number) is not None:
            merge.check_number(changes[number], field=f"changes.{number}", minimum=0)
    not_found = f"Shipment {shipment_id} not found on order {order_id} in store {call.label}."
    async with record_lock("order", tenant.pk, call.store.pk, order_id, label=order_label(call, order_id)):
        with upstream_errors(not_found=not_found, field="shipment_id"):
            current = record_of(await call.get(f"/orders/{order_id}/shipments/{shipment_id}"), "shipment")
        if current is None:
            raise NotFound(not_found, field="shipment_id")
        tracing.note_before(current)
        merged = merge.merge_record(current, changes)
        payload = {k: v for k, v in merged.items() if k not in merge.SHIPMENT_READ_ONLY}
        try:
            with upstream_errors(not_found=not_found, field="shipment_id", rejected_field="changes"):
                envelope = await call.put(f"/orders/{order_id}/shipments/{shipment_id}", payload)
        finally:
            await call.invalidate("orders", items=[order_id])
    updated = record_of(envelope, "shipment") or merged
    tracing.note_after(updated)
    return Shipment.model_validate(updated)


@operation(toolset="shipments", destructive=True, idempotent=True)
async def shipments_delete(
    *, tenant: Tenant, actor: Actor, store: StoreRef = None, order_id: OrderId, shipment_id: ShipmentId
) -> Deleted:
    """Delete a shipment from an order permanently."""
    call = await open_store(tenant=tenant, actor=actor, store=store)
    not_found = f"Shipment {shipment_id} not found on order {order_id} in store {call.label}."
    path = f"/orders/{order_id}/shipments/{shipment_id}"

    async def before() -> dict[str, Any] | None:
        with upstream_errors(not_found=not_found, field="shipment_id"):
            return record_of(await call.get(path), "shipment")

    envelope = await delete_record(
        call,
        kind="order",
        record_id=order_id,
        label=order_label(call, order_id),
        resource="orders",
        before=before,
        path=path,
        not_found=not_found,
        field="shipment_id",
    )
    return Deleted(id=shipment_id, message=str(envelope.get("message") or f"Shipment {shipment_id} deleted."))


# --- batches ---------------------------------------------------------------------------------------------


def _outcomes(chunk: list[dict[str, Any]], envelope: dict[str, Any]) -> list[BatchShipmentOutcome]:
    """Per-shipment outcomes from a /batch-shipments answer (its `results`, when OrderDesk sends them)."""
    results = [r for r in as_list(envelope.get("results")) if isinstance(r, dict)]
    by_order: dict[str, list[dict[str, Any]]] = {}
    for row in results:
        by_order.setdefault(as_str_id(row.get("order_id")), []).append(row)
    outcomes = []
    for shipment in chunk:
        rows = by_order.get(shipment["order_id"]) or []
        row = rows.pop(0) if rows else None
        message = str((row or envelope).get("message") or "")
        ok = row is None or str(row.get("status") or "success").lower() == "success"
        if ok:
            status = "added"
        elif NOT_ADDED in message.lower():
            # OrderDesk's duplicate answer: the order already has this shipment (often from an earlier
            # attempt of this same batch whose outcome was unknown).
            status = "already_added"
        else:
            status = "failed"
        outcomes.append(
            BatchShipmentOutcome(
                order_id=shipment["order_id"],
                tracking_number=shipment["tracking_number"],
                status=status,
                message=message,
            )
        )
    return outcomes


@operation(toolset="shipments")
async def shipments_add_batch(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    shipments: Shipments,
    idempotency_key: IdempotencyKey = None,
    progress: Progress | None = None,
) -> ShipmentBatchResult:
    """Add shipments to many orders at once (up to 500), through OrderDesk's batch endpoint.

    Each entry names its order_id and tracking_number (plus carrier_code, shipment_method, … as in
    shipments_add). They are sent in chunks of 50, with progress reported after each chunk, and the
    result lists every shipment as added, already_added (OrderDesk answered "Shipment Not Added":
    the order already has it) or failed, with OrderDesk's message. Pass an `idempotency_key`: the same
    key and list return the first result; after an unknown outcome a retry resends the list, and what
    the first attempt had added shows as already_added. Orders stay in their folders: move them
    with orders_move.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    rows = [
        coerce(BatchShipment, s, field=f"shipments[{i}]").model_dump(exclude_none=True)
        for i, s in enumerate(shipments)
    ]

    async def run(claim: Claim | None) -> ShipmentBatchResult:
        outcomes: list[BatchShipmentOutcome] = []
        chunks = [rows[i : i + BATCH_CHUNK] for i in range(0, len(rows), BATCH_CHUNK)]
        try:
            for number, chunk in enumerate(chunks, start=1):
                try:
                    envelope = await call.post("/batch-shipments", chunk)
                except OutcomeUnknown as exc:
                    raise OutcomeUnknown(
                        f"{len(outcomes)} of {len(rows)} shipments were sent; chunk {number} of "
                        f"{len(chunks)} may or may not have been applied ({exc.message}).",
                        status=exc.status,
                    ) from exc
                except UpstreamError as exc:
                    if type(exc) is not UpstreamError:
                        raise
                    outcomes += [
                        BatchShipmentOutcome(
                            order_id=s["order_id"], tracking_number=s["tracking_number"], status="failed",
                            message=exc.message,
                        )
                        for s in chunk
                    ]  # fmt: skip
                else:
                    outcomes += _outcomes(chunk, envelope)
                if progress is not None:
                    await progress(len(outcomes), len(rows), f"chunk {number} of {len(chunks)} sent")
        finally:
            await call.invalidate("orders", items=[row["order_id"] for row in rows])
        tracing.note_after([o.model_dump() for o in outcomes])
        return ShipmentBatchResult(
            added=sum(o.status == "added" for o in outcomes),
            already_added=sum(o.status == "already_added" for o in outcomes),
            failed=sum(o.status == "failed" for o in outcomes),
            results=outcomes,
        )

    return await run_idempotent(
        tenant_id=tenant.pk,
        store_id=call.store.pk,
        operation="shipments_add_batch",
        key=idempotency_key,
        payload=rows,
        result_type=ShipmentBatchResult,
        run=run,
    )
