"""orders_summary: counts and totals per folder over a date range, without paging raw orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kernel.errors import InvalidInput
from kernel.types import StoreRef
from operations.registry import operation
from orders.services.dates import ORDERDESK_FORMAT, date_range
from orders.services.orders import DateArg
from orders.types import FolderTotals, OrdersSummaryResult
from records.store_call import StoreCall, open_store, store_folders, upstream_errors
from stores.cache import TTL_ORDERS
from stores.decoding import as_float, as_int_or_none, as_list, as_str_id
from tenants.actors import Actor
from tenants.models import Tenant

PAGE_SIZE = 500  # OrderDesk's maximum page
MAX_ORDERS = 5000  # at most 10 pages: about 3 seconds of the store's rate limit
DEFAULT_DAYS = 7


async def _read_range(call: StoreCall, start: str, end: str) -> list[dict[str, Any]]:
    orders: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        params = {"search_start_date": start, "search_end_date": end, "limit": PAGE_SIZE, "offset": offset}
        with upstream_errors(not_found="OrderDesk has no orders endpoint.", field=None):
            envelope = await call.get("/orders", params)
        page = [o for o in as_list(envelope.get("orders")) if isinstance(o, dict)]
        total = as_int_or_none(envelope.get("total_records"))
        if offset == 0 and total is not None and total > MAX_ORDERS:
            raise _too_many(total)
        for order in page:
            orders.setdefault(as_str_id(order.get("id")), order)  # pages may overlap if orders arrive
        offset += len(page)
        if not page or len(page) < PAGE_SIZE or (total is not None and offset >= total):
            return list(orders.values())
        if offset >= MAX_ORDERS:
            raise _too_many(None)


def _too_many(total: int | None) -> InvalidInput:
    count = f"{total:,} orders" if total is not None else f"more than {MAX_ORDERS:,} orders"
    return InvalidInput(
        f"The date range holds {count}; orders_summary reads at most {MAX_ORDERS:,}. Narrow the range "
        "(search_start_date / search_end_date) and add the parts up.",
        field="search_start_date",
    )


# OrderDesk has no order status: a store cancels an order by moving it to its Canceled folder (one of
# a new store's default folders), and a payment voided before capture means nothing will ship either.
CANCELED_FOLDERS = frozenset({"canceled", "cancelled"})
CANCELED_PAYMENTS = frozenset({"voided"})


def is_canceled(order: dict[str, Any], folders: dict[int, str]) -> bool:
    fid = as_int_or_none(order.get("folder_id"))
    folder = folders.get(fid, "") if fid is not None else ""
    payment = str(order.get("payment_status") or "")
    return folder.strip().casefold() in CANCELED_FOLDERS or payment.strip().casefold() in CANCELED_PAYMENTS


def _bucket() -> dict[str, Any]:
    return {"orders": 0, "order_total": 0.0, "unshipped": 0, "canceled": 0}


def summarize(
    orders: list[dict[str, Any]], folders: dict[int, str], start: str, end: str
) -> OrdersSummaryResult:
    per_folder: dict[int | None, dict[str, Any]] = {fid: _bucket() for fid in folders}
    oldest_unshipped: str | None = None
    grand_total, unshipped, canceled, canceled_total = 0.0, 0, 0, 0.0
    for order in orders:
        fid = as_int_or_none(order.get("folder_id"))
        bucket = per_folder.setdefault(fid, _bucket())
        total = as_float(order.get("order_total"))
        bucket["orders"] += 1
        bucket["order_total"] += total
        grand_total += total
        if is_canceled(order, folders):
            bucket["canceled"] += 1
            canceled += 1
            canceled_total += total
        elif not as_list(order.get("order_shipments")):
            bucket["unshipped"] += 1
            unshipped += 1
            added = str(order.get("date_added") or "")
            if added and (oldest_unshipped is None or added < oldest_unshipped):
                oldest_unshipped = added
    rows = [
        FolderTotals(
            folder_id=fid,
            folder_name=folders.get(fid, "(unknown folder)") if fid is not None else "(no folder)",
            orders=data["orders"],
            order_total=round(data["order_total"], 2),
            unshipped=data["unshipped"],
            canceled=data["canceled"],
        )
        for fid, data in per_folder.items()
    ]
    return OrdersSummaryResult(
        search_start_date=start,
        search_end_date=end,
        orders=len(orders),
        order_total=round(grand_total, 2),
        average_order_total=round(grand_total / len(orders), 2) if orders else 0.0,
        unshipped=unshipped,
        oldest_unshipped_date=oldest_unshipped,
        canceled=canceled,
        canceled_total=round(canceled_total, 2),
        folders=rows,
    )


@operation(toolset="orders", read_only=True)
async def orders_summary(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    search_start_date: DateArg = None,
    search_end_date: DateArg = None,
) -> OrdersSummaryResult:
    """Count and total the orders placed in a date range, per folder, with how many are unshipped and
    canceled. Use it instead of paging through orders_list.

    The range is by order date (UTC): search_end_date defaults to now and search_start_date to 7 days
    before the end; a bare end date includes that whole day. Answers "how many orders came in last week, what
    were they worth, how many still wait for a shipment" without paging through orders. Every folder
    of the store is listed, with zero counts too. Ranges holding more than 5,000 orders are refused
    with a message: split them.

    `orders` and `order_total` count every order, canceled ones included. Canceled orders (in a folder
    named Canceled or Cancelled, or whose payment_status is Voided) are counted in `canceled` and
    `canceled_total`, never in `unshipped`: unshipped means not canceled and without any shipment.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    dates = date_range(
        {"search_start_date": search_start_date, "search_end_date": search_end_date},
        [("search_start_date", "search_end_date")],
    )
    # Defaults are whole minutes (the end one rounded up), so repeated calls share a cache entry. The
    # default start counts back from the end, so a past end date alone still makes a range.
    end = dates.get("search_end_date") or datetime.now(UTC).strftime("%Y-%m-%d %H:%M:59")
    since = datetime.strptime(end, ORDERDESK_FORMAT) + timedelta(seconds=1) - timedelta(days=DEFAULT_DAYS)
    start = dates.get("search_start_date") or since.strftime("%Y-%m-%d %H:%M:00")
    if start > end:
        raise InvalidInput(
            f"search_start_date ({start}) is after search_end_date ({end}).", field="search_start_date"
        )

    async def fetch() -> OrdersSummaryResult:
        folders = await store_folders(call)
        return summarize(await _read_range(call, start, end), folders, start, end)

    args = {"op": "orders_summary", "search_start_date": start, "search_end_date": end}
    return await call.cached("orders", args, TTL_ORDERS, fetch)
