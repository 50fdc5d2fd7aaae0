"""Shipments of one order (orderdesk-api.md §3.10) and /batch-shipments (§3.11)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django.db import transaction

from sandbox.engine import stores
from sandbox.engine.errors import ApiError, bad_request
from sandbox.engine.orders import get_order
from sandbox.engine.values import as_batch, as_money_like, as_object, as_text, bumped, get_by_number, now
from sandbox.models import SandboxOrder, SandboxShipment, SandboxStore

WRITABLE = ("tracking_number", "carrier_code", "shipment_method", "weight", "cost", "status", "tracking_url")
NO_TRACKING = "n/a"  # "use n/a when there is none"
TRACKING_URLS = {
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "UPS": "https://www.ups.com/track?tracknum={}",
    "FEDEX": "https://www.fedex.com/fedextrack/?trknbr={}",
    "DHL": "https://www.dhl.com/us-en/home/tracking/tracking-express.html?tracking-id={}",
}


class DuplicateShipment(Exception):
    """The documented "Shipment Not Added" case: this tracking number is already on the order."""


def guess_carrier(tracking_number: str) -> str:
    """The carrier a tracking number's format suggests (orderdesk-api.md §4.4: the URL is "guessed
    from the tracking number format and carrier")."""
    compact = re.sub(r"\s", "", tracking_number).upper()
    if compact.startswith("1Z") and len(compact) == 18:
        return "UPS"
    if compact.isdigit() and len(compact) in (12, 15, 20):
        return "FEDEX"
    if (compact.isdigit() and len(compact) in (22, 26, 30, 34)) or re.fullmatch(r"[A-Z]{2}\d{9}US", compact):
        return "USPS"
    if compact.isdigit() and len(compact) == 10:
        return "DHL"
    return ""


def tracking_url(carrier_code: str, tracking_number: str) -> str:
    if not tracking_number or tracking_number.lower() == NO_TRACKING:
        return ""
    carrier = carrier_code.strip().upper() or guess_carrier(tracking_number)
    template = TRACKING_URLS.get(carrier.replace(" ", "")) or TRACKING_URLS.get(
        guess_carrier(tracking_number)
    )
    return template.format(quote(re.sub(r"\s", "", tracking_number))) if template else ""


def parse_shipment(body: Any, label: str = "shipment") -> dict[str, str]:
    """The writable fields; `tracking_number` is required. Numbers become strings, as documented."""
    body = as_object(body, label)
    values = {
        name: as_text(body.get(name), f"{label}.{name}", max_length=500 if name == "tracking_url" else 255)
        for name in WRITABLE
    }
    values["tracking_number"] = values["tracking_number"].strip()
    if not values["tracking_number"]:
        raise bad_request("tracking_number is required (use n/a when there is none)")
    for name in ("weight", "cost"):
        if values[name]:
            as_money_like(values[name], f"{label}.{name}")  # validate; keep the string as sent
    if not values["tracking_url"]:
        values["tracking_url"] = tracking_url(values["carrier_code"], values["tracking_number"])
    return values


def _is_duplicate(order: SandboxOrder, tracking_number: str, *, excluding: int | None = None) -> bool:
    """ASSUMPTION (orderdesk-api.md §3.10): a duplicate is the same tracking number (ignoring case and
    spaces) on the same order; "n/a" never counts, since several untracked parcels are normal."""
    if tracking_number.lower() == NO_TRACKING:
        return False
    wanted = re.sub(r"\s", "", tracking_number).upper()
    others = order.shipments.exclude(pk=excluding) if excluding else order.shipments.all()
    return any(re.sub(r"\s", "", s.tracking_number).upper() == wanted for s in others)


def _touch(order: SandboxOrder) -> None:
    order.date_updated = bumped(order.date_updated)
    order.save(update_fields=["date_updated"])


def get_shipment(order: SandboxOrder, shipment_id: Any) -> SandboxShipment:
    """ASSUMPTION (orderdesk-api.md §5.1): an unknown shipment is 404 "Shipment Not Found"."""
    return get_by_number(order.shipments, "shipment_id", shipment_id, "Shipment Not Found")


def _create(store: SandboxStore, order: SandboxOrder, values: dict[str, str]) -> SandboxShipment:
    if _is_duplicate(order, values["tracking_number"]):
        raise DuplicateShipment
    stamp = now()
    shipment = SandboxShipment.objects.create(
        order=order,
        shipment_id=stores.allocate_ids(store)[0],
        date_shipped=stamp.date(),
        date_added=stamp,
        **values,
    )
    _touch(order)
    return shipment


def shipment_add(store: SandboxStore, order_id: Any, body: Any) -> SandboxShipment:
    values = parse_shipment(body)
    with transaction.atomic():
        store = stores.lock(store)
        order = get_order(store, order_id, for_update=True)
        return _create(store, order, values)


def shipment_replace(store: SandboxStore, order_id: Any, shipment_id: Any, body: Any) -> SandboxShipment:
    """PUT: `tracking_number` required [MC]; the other writable fields are replaced (blank when
    omitted; the tracking URL is derived again). ASSUMPTION (§3.10): the response body is unseen."""
    values = parse_shipment(body)
    with transaction.atomic():
        order = get_order(store, order_id, for_update=True)
        shipment = get_shipment(order, shipment_id)
        if _is_duplicate(order, values["tracking_number"], excluding=shipment.pk):
            raise DuplicateShipment
        for name, value in values.items():
            setattr(shipment, name, value)
        shipment.save()
        _touch(order)
    return shipment


def shipment_delete(store: SandboxStore, order_id: Any, shipment_id: Any) -> int:
    with transaction.atomic():
        order = get_order(store, order_id, for_update=True)
        shipment = get_shipment(order, shipment_id)
        number = shipment.shipment_id
        shipment.delete()
        _touch(order)
    return number


def batch_entries(body: Any) -> list[Any]:
    """A bare array [CORROBORATED BILLY] or {"shipments": [...]} (AE's wrapper), both accepted."""
    return as_batch(
        body, "shipments", empty="Send a list of shipments, each with order_id and tracking_number"
    )


def shipments_add_batch(store: SandboxStore, body: Any) -> list[dict[str, Any]]:
    """POST /batch-shipments. Each entry succeeds or fails on its own.
    ASSUMPTION (orderdesk-api.md §3.11): per-entry results shaped like move-orders' results."""
    results: list[dict[str, Any]] = []
    for index, raw in enumerate(batch_entries(body)):
        order_id = raw.get("order_id") if isinstance(raw, dict) else None
        result: dict[str, Any] = {"order_id": str(order_id) if order_id is not None else ""}
        try:
            if order_id in (None, ""):
                raise bad_request(f"shipments[{index}].order_id is required")
            values = parse_shipment(raw, f"shipments[{index}]")
            with transaction.atomic():
                locked = stores.lock(store)
                order = get_order(locked, order_id, for_update=True)
                shipment = _create(locked, order, values)
        except DuplicateShipment:
            result.update(status="error", message="Shipment Not Added")
        except ApiError as exc:
            result.update(status="error", message=exc.message)
        else:
            result.update(status="success", message="Shipment Added", shipment_id=str(shipment.shipment_id))
        results.append(result)
    return results
