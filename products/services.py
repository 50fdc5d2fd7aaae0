"""Inventory operations over OrderDesk's inventory items.

Same rules as the order operations: the permission is checked first, the store is resolved inside the
caller's tenant, reads are cached for 60 s per tenant, store and arguments (resource "inventory"), every
write invalidates them, and an update is fetch → merge → conflict-checked whole-item PUT.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from kernel import tracing
from kernel.errors import InvalidInput, NotFound, OperationError, UpstreamError
from kernel.types import Changes, Cursor, Limit, ProductId, Progress, StoreRef
from operations.registry import operation
from products.fields import (
    check_product_fields,
    merge_product,
)
from products.types import (
    LowStockResult,
    Product,
    ProductBatchOutcome,
    ProductBatchResult,
    ProductChange,
    ProductPage,
    ProductUpdated,
)
from records.cursor import Position, read_cursor
from records.delete import delete_record
from records.locks import record_lock
from records.merge import same_values
from records.store_call import StoreCall, coerce, open_store, record_of, upstream_errors
from records.types import Deleted
from records.update import update_record, version_of
from stores.cache import TTL_INVENTORY
from stores.decoding import as_int, as_int_or_none, as_list
from tenants.actors import Actor
from tenants.models import Tenant

PAGE_SIZE = 500
LOW_STOCK_MAX_SCAN = 10_000  # 20 pages: beyond that the answer says it is incomplete
BATCH_CHUNK = 50
BATCH_MAX = 500

ProductData = Annotated[
    dict[str, Any],
    Field(
        description=(
            "The new inventory item, with OrderDesk's field names: name and code (SKU) required; price, "
            "cost, weight, stock, location, manufacturer_sku, variation_list, metadata optional."
        ),
        min_length=1,
    ),
]
Updates = Annotated[
    list[ProductChange],
    Field(
        min_length=1, max_length=BATCH_MAX, description="Up to 500 entries of {product_id or code, changes}."
    ),
]


def product_label(call: StoreCall, product_id: int) -> str:
    return f"Inventory item {product_id} in store {call.label}"


def not_found_message(call: StoreCall, product_id: int) -> str:
    return f"Inventory item {product_id} not found in store {call.label}."


async def fetch_product(call: StoreCall, product_id: int) -> dict[str, Any]:
    with upstream_errors(not_found=not_found_message(call, product_id), field="product_id"):
        envelope = await call.get(f"/inventory-items/{product_id}")
    item = record_of(envelope, "inventory_item")
    if item is None:
        raise NotFound(not_found_message(call, product_id), field="product_id")
    return item


@operation(toolset="products", read_only=True)
async def products_list(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    search: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)] = None,
    code: Annotated[
        str | None,
        StringConstraints(strip_whitespace=True, max_length=2000),
        Field(description='One SKU or a comma-separated list ("SKU-1,SKU-2").'),
    ] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> ProductPage:
    """List inventory items, optionally searching name/code (`search`) or picking SKUs (`code`).

    Returns `limit` items (default 25, max 100) with id, name, code, price, cost, stock, location…;
    when `has_more` is true call again with the same filters and `cursor` = `next_cursor`.
    For "what is running low", products_low_stock answers directly.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    filters = {k: v for k, v in {"search": search, "code": code}.items() if v}
    if "code" in filters:
        filters["code"] = ",".join(part.strip() for part in filters["code"].split(",") if part.strip())
    scope = {"tenant": str(tenant.pk), "store": str(call.store.pk), **filters}
    offset = read_cursor("products_list", scope, cursor)
    params = {**filters, "limit": limit, "offset": offset}

    async def fetch() -> ProductPage:
        with upstream_errors(not_found="OrderDesk has no inventory endpoint.", field=None):
            envelope = await call.get("/inventory-items", params)
        rows = [i for i in as_list(envelope.get("inventory_items")) if isinstance(i, dict)]
        total = as_int_or_none(envelope.get("total_records"))
        if total is not None and total < offset + len(rows):
            total = None  # OrderDesk's inventory count is known to be wrong at times ("0" with rows)
        has_more = bool(rows) and (offset + len(rows) < total if total is not None else len(rows) >= limit)
        position = Position("products_list", scope, offset)
        return ProductPage(
            products=[Product.model_validate(r) for r in rows],
            next_cursor=position.cursor(len(rows)) if has_more else None,
            has_more=has_more,
            total_records=total,
            returned=len(rows),
        ).at(position)

    return await call.cached("inventory", {"op": "products_list", **params}, TTL_INVENTORY, fetch)


@operation(toolset="products", read_only=True)
async def products_get(
    *, tenant: Tenant, actor: Actor, store: StoreRef = None, product_id: ProductId
) -> Product:
    """Get one inventory item by its id (see products_list to find it by SKU)."""
    call = await open_store(tenant=tenant, actor=actor, store=store)

    async def fetch() -> Product:
        return Product.model_validate(await fetch_product(call, product_id))

    return await call.cached(
        "inventory", {"op": "products_get", "product_id": product_id}, TTL_INVENTORY, fetch
    )


@operation(toolset="products")
async def products_create(
    *, tenant: Tenant, actor: Actor, store: StoreRef = None, product_data: ProductData
) -> Product:
    """Create an inventory item. `name` and `code` (the SKU, unique in the store) are required.

    Returns the new item with its id.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    check_product_fields(product_data, argument="product_data", creating=True)
    try:
        with upstream_errors(
            not_found="OrderDesk has no inventory endpoint.", field=None, rejected_field="product_data"
        ):
            envelope = await call.post("/inventory-items", dict(product_data))
    finally:
        await call.invalidate("inventory")
    created = record_of(envelope, "inventory_item")
    if created is None:  # older OrderDesk answers only "Inventory Item Added": look it up by its SKU
        found = await call.get("/inventory-items", {"code": str(product_data["code"]), "limit": 5})
        rows = [i for i in as_list(found.get("inventory_items")) if isinstance(i, dict)]
        created = rows[0] if rows else {**product_data, "id": 0}
    tracing.note_after(created)
    return Product.model_validate(created)


def _send_product(call: StoreCall, product_id: int):
    async def send(payload: dict[str, Any]) -> dict[str, Any]:
        with upstream_errors(
            not_found=not_found_message(call, product_id),
            field="product_id",
            rejected_field="changes",
            conflicts=True,
        ):
            envelope = await call.put(f"/inventory-items/{product_id}", payload)
        return record_of(envelope, "inventory_item") or payload

    return send


# Destructive (overwrites fields) and not idempotent: stock_delta counts again on a repeat.
@operation(toolset="products", destructive=True)
async def products_update(
    *, tenant: Tenant, actor: Actor, store: StoreRef = None, product_id: ProductId, changes: Changes
) -> ProductUpdated:
    """Change some fields of an inventory item (e.g. price, location); the rest stays as it is. To restock or
    sell, `stock_delta` adds to the current stock (safe against concurrent sales); `stock` sets it.

    OrderDesk replaces a whole item on update, so this fetches it, merges `changes` (null removes a
    field; variation_list and metadata merge by key) and sends it back complete, re-applying the changes
    if the item changes meanwhile (up to 5 times, then a conflict error). Fields: name, code, price,
    cost, weight, stock, location, update_source, manufacturer_sku, variation_list, metadata; name and
    code cannot be emptied. `stock` sets the count; `stock_delta` (10 restocks, -2 removes) moves the
    count as it is when sent, keeping a sale made meanwhile (not below 0). Returns the updated item;
    `changed` false: it already had these values, nothing was sent.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    check_product_fields(changes, argument="changes", creating=False)
    label = product_label(call, product_id)
    updated = await update_record(
        call,
        kind="product",
        record_id=product_id,
        resource="inventory",
        label=label,
        fetch=lambda: fetch_product(call, product_id),
        apply=lambda current: merge_product(current, changes, argument="changes"),
        send=_send_product(call, product_id),
    )
    return ProductUpdated.model_validate(
        {**updated.record, "changed": updated.changed, "message": updated.message}
    )


@operation(toolset="products", destructive=True, idempotent=True)
async def products_delete(
    *, tenant: Tenant, actor: Actor, store: StoreRef = None, product_id: ProductId
) -> Deleted:
    """Delete an inventory item permanently. Orders that contain its SKU are not changed."""
    call = await open_store(tenant=tenant, actor=actor, store=store)
    envelope = await delete_record(
        call,
        kind="product",
        record_id=product_id,
        label=product_label(call, product_id),
        resource="inventory",
        before=lambda: fetch_product(call, product_id),
        path=f"/inventory-items/{product_id}",
        not_found=not_found_message(call, product_id),
        field="product_id",
    )
    return Deleted(
        id=str(product_id), message=str(envelope.get("message") or f"Inventory item {product_id} deleted.")
    )


# --- batches and aggregates --------------------------------------------------------------------------------


class _Steps:
    """Progress over a batch's upstream requests, so a long batch shows it is moving."""

    def __init__(self, report: Progress | None, total: int):
        self.report, self.total, self.done = report, max(total, 1), 0

    async def step(self, message: str) -> None:
        self.done = min(self.done + 1, self.total)
        if self.report is not None:
            await self.report(self.done, self.total, message)

    async def finish(self, message: str) -> None:
        if self.done < self.total:
            self.done = self.total - 1
            await self.step(message)


async def _items_by_code(
    call: StoreCall, codes: list[str], steps: _Steps | None = None
) -> dict[str, dict[str, Any]]:
    """Current items for these SKUs, looked up 50 at a time."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(codes), BATCH_CHUNK):
        chunk = codes[start : start + BATCH_CHUNK]
        with upstream_errors(not_found="OrderDesk has no inventory endpoint.", field=None):
            envelope = await call.get("/inventory-items", {"code": ",".join(chunk), "limit": PAGE_SIZE})
        for item in as_list(envelope.get("inventory_items")):
            if isinstance(item, dict) and as_int_or_none(item.get("id")) is not None:
                found[str(item.get("code") or "")] = item
        if steps is not None:
            await steps.step(f"looked up {min(start + BATCH_CHUNK, len(codes))} of {len(codes)} codes")
    return found


async def _current_items(
    call: StoreCall, updates: list[ProductChange], steps: _Steps
) -> dict[int, dict[str, Any]]:
    """The current item of every entry that exists, by id."""
    codes = sorted({u.code for u in updates if u.code})
    items = {as_int(i["id"]): i for i in (await _items_by_code(call, codes, steps)).values()}
    for update in updates:
        if update.product_id is not None and update.product_id not in items:
            with contextlib.suppress(NotFound):  # reported as not_found below
                items[update.product_id] = await fetch_product(call, update.product_id)
            await steps.step(f"fetched item {update.product_id}")
    return items


def _product_id(update: ProductChange, items: dict[int, dict[str, Any]]) -> int | None:
    if update.product_id is not None:
        return update.product_id if update.product_id in items else None
    return next((pid for pid, item in items.items() if str(item.get("code") or "") == update.code), None)


# Destructive (overwrites fields) and not idempotent: stock_delta counts again on a repeat.
@operation(toolset="products", destructive=True)
async def products_update_batch(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    updates: Updates,
    progress: Progress | None = None,
) -> ProductBatchResult:
    """Change many inventory items at once (up to 500), by id or SKU, e.g. restock several SKUs with
    `stock_delta`.

    Each entry names the item by product_id or code (SKU) and gives its `changes`, merged as in
    products_update. Items are fetched, merged and sent to OrderDesk's batch endpoint in chunks of 50,
    with progress as it goes. Right before each chunk is sent its items are read again, and changes
    made to them meanwhile (a sale lowering stock) are kept: the entry's changes are re-applied to the
    fresh item, and a `stock_delta` (restock by 10: {"stock_delta": 10}) counts from its stock then.
    Naming items by code is faster: codes are looked up 50 per request, ids one request
    each (OrderDesk allows about 3 requests a second). The result lists every entry as updated,
    unchanged (it already had these values; not sent), not_found, invalid (its changes were refused,
    with the reason) or failed (OrderDesk refused the chunk, or the item was deleted or re-coded while
    the batch ran).
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    updates = [coerce(ProductChange, u, field=f"updates[{i}]") for i, u in enumerate(updates)]
    keys = [("id", u.product_id) if u.product_id is not None else ("code", u.code) for u in updates]
    if len(set(keys)) != len(keys):
        raise InvalidInput("Each item may appear only once in updates.", field="updates")
    for index, update in enumerate(updates):
        check_product_fields(update.changes, argument=f"updates[{index}].changes", creating=False)
    outcomes: list[ProductBatchOutcome] = []
    # Lock every item (in id order, so two batches cannot deadlock) before reading what to merge into.
    codes = sorted({u.code for u in updates if u.code})
    lock_ids = {u.product_id for u in updates if u.product_id is not None}
    lock_ids |= {as_int(item["id"]) for item in (await _items_by_code(call, codes)).values()}
    async with contextlib.AsyncExitStack() as locks:
        for pid in sorted(lock_ids):
            await locks.enter_async_context(
                record_lock("product", tenant.pk, call.store.pk, pid, label=product_label(call, pid))
            )
        by_id = sum(1 for u in updates if u.product_id is not None)
        lookups = -(-len(codes) // BATCH_CHUNK)
        # Lookups, fetches by id, then a re-read and a PUT per chunk.
        steps = _Steps(progress, lookups + by_id + 2 * -(-len(updates) // BATCH_CHUNK))
        resolved = await _current_items(call, updates, steps)
        return await _send_batch(call, updates, resolved, outcomes, steps)


async def _send_batch(
    call: StoreCall,
    updates: list[ProductChange],
    resolved: dict[int, dict[str, Any]],
    outcomes: list[ProductBatchOutcome],
    steps: _Steps,
) -> ProductBatchResult:
    ready: list[tuple[ProductChange, dict[str, Any]]] = []
    seen: set[int] = set()
    for update in updates:
        pid = _product_id(update, resolved)
        if pid is not None and pid in seen:
            outcomes.append(
                ProductBatchOutcome(
                    product_id=pid, code=update.code or "", status="invalid",
                    message="This item is in the batch twice (by id and by code); merge the entries.",
                )
            )  # fmt: skip
            continue
        if pid is None:
            outcomes.append(
                ProductBatchOutcome(
                    product_id=update.product_id, code=update.code or "", status="not_found",
                    message=f"No inventory item {update.product_id or update.code!r} in store {call.label}.",
                )
            )  # fmt: skip
            continue
        current = resolved[pid]
        try:
            merged = merge_product(current, update.changes, argument="changes")
        except OperationError as exc:
            outcomes.append(
                ProductBatchOutcome(
                    product_id=pid, code=str(current.get("code") or ""), status="invalid", message=str(exc)
                )
            )
            continue
        seen.add(pid)
        if same_values(merged, current):
            outcomes.append(_unchanged(pid, current))
            continue
        ready.append((update, merged))
    tracing.note_before([resolved[as_int(m.get("id"))] for _, m in ready])
    chunks = [ready[i : i + BATCH_CHUNK] for i in range(0, len(ready), BATCH_CHUNK)]
    sent: list[dict[str, Any]] = []
    try:
        for number, chunk in enumerate(chunks, start=1):
            chunk = await _refreshed(call, chunk, resolved, outcomes)
            await steps.step(f"chunk {number} of {len(chunks)} re-read")
            if not chunk:
                continue
            payload = [merged for _, merged in chunk]
            sent += payload
            try:
                envelope = await call.put("/batch-inventory-items", payload)
                status, message = "updated", str(envelope.get("message") or "Updated")
            except UpstreamError as exc:
                if type(exc) is not UpstreamError:
                    raise
                status, message = "failed", exc.message
            outcomes += [
                ProductBatchOutcome(
                    product_id=as_int(m.get("id")), code=str(m.get("code") or ""), status=status,
                    message=message, stock=as_int_or_none(m.get("stock")),
                )
                for _, m in chunk
            ]  # fmt: skip
            await steps.step(f"chunk {number} of {len(chunks)} sent")
    finally:
        await call.invalidate("inventory")
    await steps.finish("done")
    tracing.note_after(sent)
    return ProductBatchResult(
        updated=sum(o.status == "updated" for o in outcomes),
        unchanged=sum(o.status == "unchanged" for o in outcomes),
        failed=sum(o.status not in ("updated", "unchanged") for o in outcomes),
        results=outcomes,
    )


async def _refreshed(
    call: StoreCall,
    chunk: list[tuple[ProductChange, dict[str, Any]]],
    resolved: dict[int, dict[str, Any]],
    outcomes: list[ProductBatchOutcome],
) -> list[tuple[ProductChange, dict[str, Any]]]:
    """The chunk merged into its items as they are now, read again (one request, by code) just before
    the PUT: the batch locks out our own writers, but not a sale or another OrderDesk client, and the
    items were read up to minutes earlier. A moved date_updated gets the entry's changes re-applied."""
    codes = {as_int(m.get("id")): str(resolved[as_int(m.get("id"))].get("code") or "") for _, m in chunk}
    fresh = await _items_by_code(call, sorted(set(codes.values())))
    ready = []
    for update, merged in chunk:
        pid = as_int(merged.get("id"))
        now = fresh.get(codes[pid])
        if now is None or as_int(now.get("id")) != pid:
            outcomes.append(
                ProductBatchOutcome(
                    product_id=pid, code=codes[pid], status="failed",
                    message="The item was deleted or its code changed while the batch ran; nothing was "
                    "written for it. Look it up again and retry.",
                )
            )  # fmt: skip
            continue
        if version_of(now) != version_of(resolved[pid]):
            try:
                merged = merge_product(now, update.changes, argument="changes")
            except OperationError as exc:
                outcomes.append(
                    ProductBatchOutcome(product_id=pid, code=codes[pid], status="invalid", message=str(exc))
                )
                continue
            if same_values(merged, now):
                outcomes.append(_unchanged(pid, now))
                continue
        ready.append((update, merged))
    return ready


def _unchanged(pid: int, item: dict[str, Any]) -> ProductBatchOutcome:
    return ProductBatchOutcome(
        product_id=pid, code=str(item.get("code") or ""), status="unchanged",
        message="It already had these values; nothing was sent.", stock=as_int_or_none(item.get("stock")),
    )  # fmt: skip


@operation(toolset="products", read_only=True)
async def products_low_stock(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    threshold: Annotated[int, Field(ge=0, le=1_000_000, description="Stock at or below this is low.")] = 5,
    limit: Limit = 25,
) -> LowStockResult:
    """List the inventory items whose stock is at or below `threshold` (default 5), lowest first.

    Scans the whole inventory (up to 10,000 items; `complete` says whether it got through all of it)
    so you don't have to page through it. Returns at most `limit` items (default 25), the number of
    low items in all (`total_low`) and `has_more` when there are more than returned. Restock with
    products_update or products_update_batch.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)

    async def fetch() -> LowStockResult:
        low: list[dict[str, Any]] = []
        scanned, offset, complete = 0, 0, False
        while offset < LOW_STOCK_MAX_SCAN:
            with upstream_errors(not_found="OrderDesk has no inventory endpoint.", field=None):
                envelope = await call.get("/inventory-items", {"limit": PAGE_SIZE, "offset": offset})
            page = [i for i in as_list(envelope.get("inventory_items")) if isinstance(i, dict)]
            scanned += len(page)
            low += [i for i in page if as_int(i.get("stock")) <= threshold]
            offset += len(page)
            if len(page) < PAGE_SIZE:
                complete = True
                break
        low.sort(key=lambda i: (as_int(i.get("stock")), str(i.get("code") or "")))
        return LowStockResult(
            threshold=threshold,
            products=[Product.model_validate(i) for i in low[:limit]],
            total_low=len(low),
            has_more=len(low) > limit,
            scanned=scanned,
            complete=complete,
        )

    args = {"op": "products_low_stock", "threshold": threshold, "limit": limit}
    return await call.cached("inventory", args, TTL_INVENTORY, fetch)
