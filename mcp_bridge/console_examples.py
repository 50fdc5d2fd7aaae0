"""Worked examples for the console's free-form JSON arguments.

An order is `dict[str, Any]` in the schema (OrderDesk's field names, checked by the orders services), so
the schema alone gives a newcomer an empty `{}`. These examples are what the sandbox's demo data looks
like, and each runs as it is against the sandbox.
"""

from __future__ import annotations

from typing import Any

ORDER_EXAMPLE: dict[str, Any] = {
    "email": "maya.chen@example.com",
    "source_name": "Manual",
    "shipping_method": "USPS Priority Mail",
    "shipping": {
        "first_name": "Maya",
        "last_name": "Chen",
        "address1": "1420 Alder Street",
        "address2": "Apt 3B",
        "city": "Portland",
        "state": "OR",
        "postal_code": "97205",
        "country": "US",
        "phone": "(503) 555-0142",
    },
    "order_items": [
        {"name": "Organic Cotton Tee - M / Navy", "code": "TEE-M-NVY", "price": 24.0, "quantity": 2},
        {"name": "Canvas Tote Bag - Natural", "code": "TOT-NAT", "price": 21.5, "quantity": 1},
    ],
    "shipping_total": 6.95,
    "tax_total": 5.84,
}

ORDER_CHANGES_EXAMPLE: dict[str, Any] = {
    "email": "maya.chen@example.com",
    "shipping_method": "UPS Ground",
    "shipping": {"address1": "88 Market Street", "address2": "Suite 200", "city": "Portland"},
}

ORDER_FIELDS = (
    "Fields: email, source_id, source_name, shipping_method, shipping {first_name, last_name, company, "
    "address1, address2, city, state, postal_code, country, phone}, customer {the same}, order_items "
    "[{name, code, price, quantity, weight, variation_list, metadata}], shipping_total, handling_total, "
    "tax_total, discount_list, order_notes, checkout_data, order_metadata, folder_id."
)

# (operation, argument) → (example value, what the fields are)
EXAMPLES: dict[tuple[str, str], tuple[Any, str]] = {
    ("orders_create", "order_data"): (ORDER_EXAMPLE, ORDER_FIELDS),
    ("orders_update", "changes"): (
        ORDER_CHANGES_EXAMPLE,
        ORDER_FIELDS.replace(", folder_id.", ".") + " Only the fields to change; null removes one.",
    ),
}


def example_for(operation: str, argument: str) -> tuple[Any, str] | None:
    return EXAMPLES.get((operation, argument))


def initial_for(operation: str) -> dict[str, Any]:
    """The examples of an operation's arguments, as a form's initial values ("Use the example")."""
    return {argument: example for (op, argument), (example, _) in EXAMPLES.items() if op == operation}
