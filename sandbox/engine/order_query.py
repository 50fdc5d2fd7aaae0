"""GET /orders: every filter of orderdesk-api.md §3.3, the sort, and paging.

Match rules (ASSUMPTION, §3.3 emulator rules): the name, company, address and phone filters are
case-insensitive substring matches; `email`, `source_name` and `folder_name` match exactly, ignoring
case; `source_id`, `customer_id` and `folder_id` match exactly. All filters combine with AND.
Unknown parameters are ignored, as web APIs usually do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower
from django.http import QueryDict

from sandbox.engine.errors import bad_request
from sandbox.engine.serialize import CUSTOMER_FIELDS, SHIPPING_FIELDS
from sandbox.engine.values import as_int, parse_bound
from sandbox.models import SandboxOrder, SandboxStore

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
UTC = ZoneInfo("UTC")

# Scalar order fields sortable as they are stored.
COLUMN_FIELDS = (
    "email",
    "shipping_method",
    "quantity_total",
    "weight_total",
    "product_total",
    "shipping_total",
    "handling_total",
    "tax_total",
    "discount_total",
    "order_total",
    "cc_number_masked",
    "cc_exp",
    "processor_response",
    "payment_type",
    "payment_status",
    "processor_balance",
    "refund_total",
    "customer_id",
    "ip_address",
    "tag_color",
    "tag_name",
    "source_name",
    "source_id",
    "fulfillment_name",
    "fulfillment_id",
    "folder_id",
    "date_added",
    "date_updated",
)
# Address filters, e.g. customer_first_name → customer.first_name (§3.3 lists these ten).
SEARCHED_ADDRESS_FIELDS = ("first_name", "last_name", "company", "address1", "phone")
DATE_FILTERS = {
    "search_start_date": ("date_added", "gte", False),
    "search_end_date": ("date_added", "lte", False),
    "search_start_date_local": ("date_added", "gte", True),
    "search_end_date_local": ("date_added", "lte", True),
    "modified_start_date": ("date_updated", "gte", False),
    "modified_end_date": ("date_updated", "lte", False),
}


@dataclass(frozen=True)
class OrderPage:
    orders: list[SandboxOrder]
    total: int
    offset: int
    limit: int
    with_history: bool


def store_zone(store: SandboxStore) -> ZoneInfo:
    try:
        return ZoneInfo(store.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _param(params: QueryDict, name: str) -> str:
    return (params.get(name) or "").strip()


def filter_orders(store: SandboxStore, params: QueryDict) -> QuerySet[SandboxOrder]:
    orders = SandboxOrder.objects.filter(store=store)
    if folder_ids := _param(params, "folder_id"):
        numbers = [as_int(part, "folder_id") for part in folder_ids.split(",") if part.strip()]
        orders = orders.filter(folder_id__in=numbers)
    if folder_name := _param(params, "folder_name"):
        folder_ids_by_name = store.folders.filter(name__iexact=folder_name).values("folder_id")
        orders = orders.filter(folder_id__in=folder_ids_by_name)
    if source_id := _param(params, "source_id"):
        orders = orders.filter(source_id=source_id)
    if source_name := _param(params, "source_name"):
        orders = orders.filter(source_name__iexact=source_name)
    if email := _param(params, "email"):
        orders = orders.filter(email__iexact=email)
    if customer_id := _param(params, "customer_id"):
        orders = orders.filter(customer_id=customer_id)
    for kind in ("customer", "shipping"):
        for name in SEARCHED_ADDRESS_FIELDS:
            if value := _param(params, f"{kind}_{name}"):
                orders = orders.filter(**{f"{kind}__{name}__icontains": value})
    for param, (column, lookup, local) in DATE_FILTERS.items():
        if value := _param(params, param):
            bound = parse_bound(value, param, zone=store_zone(store) if local else UTC, end=lookup == "lte")
            orders = orders.filter(**{f"{column}__{lookup}": bound})
    return orders


def _sort_expression(name: str) -> Any:
    """`order_by` takes any order field (§3.3); the 2015 gist's `date_modified` means date_updated."""
    if name in ("id", "order_id"):
        return F("order_id")
    if name == "date_modified":
        return F("date_updated")
    if name in COLUMN_FIELDS:
        return F(name)
    if name == "email_count":
        same_email = (
            SandboxOrder.objects.filter(store=OuterRef("store"))
            .annotate(email_lower=Lower("email"))
            .filter(email_lower=Lower(OuterRef("email")))
            .values("store")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(same_email), 0)
    for kind, fields in (("shipping", SHIPPING_FIELDS), ("customer", CUSTOMER_FIELDS)):
        prefix = f"{kind}_"
        if name.startswith(prefix) and name[len(prefix) :] in fields:
            return Lower(KT(f"{kind}__{name[len(prefix) :]}"))
    raise bad_request(
        f"order_by must be an order field such as date_added or shipping_last_name, not {name!r}"
    )


def list_orders(store: SandboxStore, params: QueryDict) -> OrderPage:
    orders = filter_orders(store, params)
    direction = (_param(params, "order") or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise bad_request("order must be ASC or DESC")
    expression = _sort_expression(_param(params, "order_by") or "date_added")
    if direction == "DESC":
        ordering = [expression.desc(nulls_last=True), F("order_id").desc()]
    else:
        ordering = [expression.asc(nulls_first=True), F("order_id").asc()]
    # ASSUMPTION (§3.3): limit defaults to 50 and is clamped to 1..500 (the clamped value is echoed);
    # a negative offset counts as 0.
    limit = min(max(as_int(_param(params, "limit"), "limit", default=DEFAULT_LIMIT), 1), MAX_LIMIT)
    offset = max(as_int(_param(params, "offset"), "offset", default=0), 0)
    total = orders.count()
    page = list(orders.order_by(*ordering).prefetch_related("items", "shipments")[offset : offset + limit])
    with_history = _param(params, "get_order_history") in ("1", "true", "True")
    return OrderPage(orders=page, total=total, offset=offset, limit=limit, with_history=with_history)
