"""Demo data as plain values: the same seed and reference date always give the same store.

Nothing here touches the database (see `loader.py`); every random choice goes through one
`random.Random(seed)`, in a fixed order.
"""

from __future__ import annotations

import itertools
import random
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandbox.demo import words
from sandbox.engine.shipments import tracking_url
from sandbox.engine.values import fmt_timestamp

FOLDER_NAMES = ("New", "Prepared", "Shipped", "Closed", "Canceled")
DAYS_BACK = 30
CENT = Decimal("0.01")


@dataclass
class DemoOrder:
    folder: str
    values: dict[str, Any]  # SandboxOrder fields except store, ids, folder and totals
    items: list[dict[str, Any]]
    shipments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DemoData:
    folders: list[tuple[int, str]]
    inventory: list[dict[str, Any]]
    orders: list[DemoOrder]


def _cents(value: Decimal | float | str) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _catalog() -> list[dict[str, Any]]:
    """Every product variant: a name, a unique code and its variation list."""
    variants = []
    for name, prefix, category, price_range, weight, options in words.PRODUCTS:
        option_names = list(options)
        for combo in itertools.product(*(options[o] for o in option_names)):
            label = " / ".join(value for value, _ in combo)
            variants.append(
                {
                    "name": f"{name} - {label}",
                    "code": "-".join([prefix, *(abbreviation for _, abbreviation in combo)]),
                    "category": category,
                    "price_range": price_range,
                    "weight": weight,
                    "variation_list": {o: value for o, (value, _) in zip(option_names, combo, strict=True)},
                }
            )
    return variants


def _inventory(rng: random.Random, count: int, reference: datetime) -> list[dict[str, Any]]:
    catalog = _catalog()
    variants = rng.sample(catalog, k=min(count, len(catalog)))
    variants.sort(key=lambda v: v["code"])
    # A fixed share is out of stock (4%) or low (stock ≤ 5, 8%), at least one of each.
    order = list(range(len(variants)))
    rng.shuffle(order)
    zero = set(order[: max(1, round(len(order) * 0.04))])
    low = set(order[len(zero) : len(zero) + max(1, round(len(order) * 0.08))])
    items = []
    for index, variant in enumerate(variants):
        low_price, high_price = variant["price_range"]
        price = _cents(
            rng.randint(low_price, high_price) - Decimal(rng.choice(("0.01", "0.05", "0.51", "0")))
        )
        stock = 0 if index in zero else rng.randint(1, 5) if index in low else rng.randint(6, 240)
        added = reference - timedelta(days=rng.randint(60, 400), seconds=rng.randint(0, 86_399))
        items.append(
            {
                "name": variant["name"],
                "code": variant["code"],
                "price": price,
                "cost": _cents(price * Decimal(rng.choice(("0.35", "0.42", "0.5", "0.55")))),
                "weight": round(variant["weight"], 2),
                "stock": stock,
                "update_source": rng.choice(words.UPDATE_SOURCES),
                "location": rng.choice(words.LOCATIONS),
                "metadata": {"category": variant["category"]} if rng.random() < 0.3 else {},
                "variation_list": variant["variation_list"],
                "manufacturer_sku": f"MFR-{_digits(rng, 6)}" if rng.random() < 0.4 else None,
                "date_added": added,
                "date_updated": reference
                - timedelta(days=rng.randint(1, 59), seconds=rng.randint(0, 86_399)),
                "_category": variant["category"],
            }
        )
    return items


def _person(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
    city, state, zip_prefix, area = rng.choice(words.CITIES)
    return {
        "first_name": first,
        "last_name": last,
        "company": rng.choice(words.COMPANIES) if rng.random() < 0.2 else "",
        "address1": f"{rng.randint(10, 9899)} {rng.choice(words.STREETS)}",
        "address2": f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.25 else "",
        "city": city,
        "state": state,
        "postal_code": f"{zip_prefix}{_digits(rng, 2)}",
        "country": "US",
        "phone": f"({area}) 555-{rng.randint(100, 199):04d}",
    }


def _customers(rng: random.Random, count: int) -> list[dict[str, Any]]:
    customers = []
    for _ in range(count):
        person = _person(rng)
        local = f"{person['first_name']}.{person['last_name']}".lower().replace("'", "").replace("á", "a")
        customers.append(
            {
                "address": person,
                "email": f"{local}{rng.randint(1, 99)}@{rng.choice(words.EMAIL_DOMAINS)}",
                "customer_id": _digits(rng, 7).lstrip("0") or "7",
            }
        )
    return customers


def _source_id(rng: random.Random, source: str, taken: set[tuple[str, str]]) -> str:
    while True:
        candidate = {
            "Shopify": lambda: str(rng.randint(5_100_000_000, 5_999_999_999)),
            "WooCommerce": lambda: str(rng.randint(1_000, 99_999)),
            "Amazon": lambda: f"11{rng.randint(1, 4)}-{_digits(rng, 7)}-{_digits(rng, 7)}",
            "eBay": lambda: f"{rng.randint(10, 27)}-{_digits(rng, 5)}-{_digits(rng, 5)}",
            "Etsy": lambda: str(rng.randint(1_000_000_000, 3_999_999_999)),
            "BigCommerce": lambda: str(rng.randint(100, 99_999)),
            "Squarespace": lambda: f"{rng.randint(10_000, 99_999)}",
        }.get(source, lambda: "")()
        if not candidate:
            return ""  # Order Desk orders use their internal id
        if (source, candidate) not in taken:
            taken.add((source, candidate))
            return candidate


def _tracking_number(rng: random.Random, carrier: str) -> str:
    if carrier == "UPS":
        alnum = string.ascii_uppercase + string.digits
        return "1Z" + "".join(rng.choice(alnum) for _ in range(6)) + "03" + _digits(rng, 8)
    if carrier == "FedEx":
        return "7" + _digits(rng, 11)
    return "9400" + _digits(rng, 18)


def _folder_for(rng: random.Random, days_ago: int) -> str:
    """Recent orders wait in New/Prepared, last week's are partly shipped, older ones shipped/closed."""
    if rng.random() < 0.05:
        return "Canceled"
    if days_ago <= 2:
        return rng.choices(("New", "Prepared"), weights=(7, 3))[0]
    if days_ago <= 7:
        return rng.choices(("New", "Prepared", "Shipped"), weights=(1, 1, 2))[0]
    return rng.choices(("Shipped", "Closed"), weights=(2, 3))[0]


def _payment(rng: random.Random, source: str, folder: str, reference: date) -> dict[str, str]:
    if source in ("Amazon", "eBay"):
        payment = {"payment_type": f"{source} Payments", "processor_response": ""}
    elif rng.random() < 0.2:
        payment = {"payment_type": "PayPal", "processor_response": f"PayPal: {_digits(rng, 17)}"}
    else:
        token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))
        payment = {
            "payment_type": rng.choice(words.CARD_TYPES),
            "processor_response": f"Stripe: ch_{token}",
            "cc_number_masked": "x" * 12 + _digits(rng, 4),
            "cc_exp": f"{rng.randint(1, 12):02d}/{reference.year + rng.randint(1, 4)}",
        }
    if folder == "Canceled":
        payment["payment_status"] = rng.choice(("Voided", "Fully Refunded"))
    elif folder in ("New", "Prepared"):
        payment["payment_status"] = rng.choices(("Captured", "Authorized", "Pending"), weights=(16, 3, 1))[0]
    else:
        payment["payment_status"] = rng.choices(("Captured", "Partially Refunded"), weights=(19, 1))[0]
    return payment


def _order(
    rng: random.Random,
    when: datetime,
    reference: datetime,
    customer: dict[str, Any],
    inventory: list[dict[str, Any]],
    taken: set[tuple[str, str]],
) -> DemoOrder:
    days_ago = (reference.date() - when.date()).days
    folder = _folder_for(rng, days_ago)
    source = rng.choices([s for s, _ in words.SOURCES], weights=[w for _, w in words.SOURCES])[0]
    picks = rng.sample(inventory, k=rng.choices((1, 2, 3, 4, 5), weights=(35, 30, 20, 10, 5))[0])
    items = [
        {
            "name": product["name"],
            "price": product["price"],
            "quantity": rng.choices((1, 2, 3), weights=(14, 4, 2))[0],
            "weight": product["weight"],
            "code": product["code"],
            "delivery_type": "ship",
            "category_code": product["_category"],
            "fulfillment_method": "",
            "variation_list": product["variation_list"],
            "metadata": {},
        }
        for product in picks
    ]
    product_total = sum((item["price"] * item["quantity"] for item in items), Decimal(0))
    label, carrier, method, base_price = rng.choice(words.SHIPPING_METHODS)
    free = product_total >= 75 and carrier == "USPS" and rng.random() < 0.6
    shipping_total = Decimal(0) if free else _cents(Decimal(base_price) + Decimal(rng.choice((0, 0, 1, 2))))
    discounts = []
    if rng.random() < 0.2:
        name, code, kind, amount = rng.choice(words.DISCOUNTS)
        value = _cents(product_total * Decimal(amount) / 100) if kind == "percent" else _cents(amount)
        entry = {
            "name": name,
            **({"code": code} if code else {}),
            "amount": f"{min(value, product_total):.2f}",
        }
        discounts.append(entry)
    address = dict(customer["address"])
    shipping = dict(address, address3="", address4="")
    if rng.random() < 0.2:  # a gift, shipped to someone else
        shipping = dict(_person(rng), address3="", address4="")
    rate = Decimal(words.TAX_RATES.get(shipping["state"], "0"))
    discount_total = sum((Decimal(d["amount"]) for d in discounts), Decimal(0))
    values: dict[str, Any] = {
        "email": customer["email"],
        "shipping_method": label,
        "shipping_total": shipping_total,
        "handling_total": _cents("1.50") if rng.random() < 0.1 else Decimal(0),
        "tax_total": _cents((product_total - discount_total) * rate),
        "customer_id": customer["customer_id"],
        "ip_address": f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(2, 254)}",
        "source_name": source,
        "source_id": _source_id(rng, source, taken),
        "date_added": when,
        "shipping": shipping,
        "customer": address,
        "discount_list": discounts,
        "checkout_data": {},
        "order_metadata": {},
        "order_notes": [],
        **_payment(rng, source, folder, reference.date()),
    }
    if rng.random() < 0.15:
        values["checkout_data"] = {
            "Gift Message" if rng.random() < 0.6 else "Delivery Instructions": rng.choice(
                words.GIFT_MESSAGES + words.DELIVERY_NOTES
            )
        }
    if source in ("Shopify", "WooCommerce") and rng.random() < 0.3:
        values["order_metadata"] = {"fraud_protection_score": rng.randint(0, 35)}
    if rng.random() < 0.15:
        values["order_notes"] = [
            {
                "date_added": fmt_timestamp(
                    max(
                        when,
                        min(when + timedelta(minutes=rng.randint(5, 600)), reference - timedelta(minutes=1)),
                    )
                ),
                "username": rng.choice(words.NOTE_AUTHORS),
                "content": rng.choice(words.NOTE_TEXTS),
            }
        ]
    demo = DemoOrder(folder=folder, values=values, items=items)
    _history_and_shipments(rng, demo, when, reference, carrier, method)
    return demo


def _history_and_shipments(
    rng: random.Random, demo: DemoOrder, when: datetime, reference: datetime, carrier: str, method: str
) -> None:
    """What happened to the order since it came in: history entries, shipments, date_updated."""
    source = demo.values["source_name"]
    history = [{"source_name": source, "note": f"Order imported from {source}", "date_added": when}]
    latest = reference - timedelta(minutes=1)  # nothing happens on or after the reference day

    def cap(moment: datetime) -> datetime:
        return max(when, min(moment, latest))

    step = cap(when + timedelta(hours=rng.randint(2, 20)))
    if demo.folder in ("Prepared", "Shipped", "Closed"):
        history.append(
            {"source_name": "Order Desk", "note": "Order moved from New to Prepared", "date_added": step}
        )
    if demo.folder in ("Shipped", "Closed"):
        shipped = cap(step + timedelta(hours=rng.randint(4, 40)))
        parcels = 2 if len(demo.items) > 1 and rng.random() < 0.12 else 1
        for _ in range(parcels):
            number = _tracking_number(rng, carrier)
            demo.shipments.append(
                {
                    "tracking_number": number,
                    "carrier_code": carrier,
                    "shipment_method": method,
                    "weight": f"{sum(i['weight'] * i['quantity'] for i in demo.items) / parcels:.2f}",
                    "cost": f"{demo.values['shipping_total'] * Decimal('0.8') / parcels:.2f}",
                    "status": "delivered" if demo.folder == "Closed" else "in_transit",
                    "tracking_url": tracking_url(carrier, number),
                    "print_status": "1",
                    "date_shipped": shipped.date(),
                    "date_added": shipped,
                }
            )
            history.append(
                {
                    "source_name": "Order Desk",
                    "note": f"Shipment added: {carrier} {number}",
                    "date_added": shipped,
                }
            )
        history.append(
            {
                "source_name": "Order Desk",
                "note": "Order moved from Prepared to Shipped",
                "date_added": shipped,
            }
        )
        if rng.random() < 0.2:
            demo.values["fulfillment_name"] = "ShipStation"
            demo.values["fulfillment_id"] = _digits(rng, 8)
        if demo.folder == "Closed":
            closed = cap(shipped + timedelta(days=rng.randint(2, 6)))
            history.append(
                {
                    "source_name": "Order Desk",
                    "note": "Order moved from Shipped to Closed",
                    "date_added": closed,
                }
            )
    if demo.folder == "Canceled":
        history.append(
            {"source_name": "Order Desk", "note": "Order moved from New to Canceled", "date_added": step}
        )
    history.sort(key=lambda entry: entry["date_added"])
    demo.values["date_updated"] = max(entry["date_added"] for entry in history)
    demo.values["order_history"] = [
        dict(entry, date_added=fmt_timestamp(entry["date_added"])) for entry in history
    ]


def generate(*, seed: int, reference: date, orders: int = 60, inventory: int = 250) -> DemoData:
    """A whole demo store. Orders fall on the `DAYS_BACK` days before `reference` (UTC), so data made
    on the same day with the same seed is identical."""
    rng = random.Random(seed)
    start_of_day = datetime.combine(reference, time(0, 0), tzinfo=UTC)
    # Folder ids vary by seed, as they do between real stores: clients must look them up.
    base = rng.randrange(1001, 9001, 10)
    folders = [(base + index, name) for index, name in enumerate(FOLDER_NAMES)]
    stock = _inventory(rng, inventory, start_of_day)
    customers = _customers(rng, max(5, orders * 2 // 3))
    moments = sorted(
        start_of_day - timedelta(days=rng.randint(1, DAYS_BACK)) + timedelta(seconds=rng.randint(0, 86_399))
        for _ in range(orders)
    )
    taken: set[tuple[str, str]] = set()
    demo_orders = [_order(rng, when, start_of_day, rng.choice(customers), stock, taken) for when in moments]
    for item in stock:
        item.pop("_category")
    return DemoData(folders=folders, inventory=stock, orders=demo_orders)
