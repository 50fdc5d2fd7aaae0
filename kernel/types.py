"""Argument types shared by every operation, so `store`, `order_id`, `limit`… mean the same thing, with
the same validation and the same description, in the console, in MCP tool schemas and in tests."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Protocol

from pydantic import Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

StoreRef = Annotated[
    str | None,
    Field(
        description=(
            "The store to use: its id or its name (see stores_list). Optional when the API key has a "
            "default store (stores_use) or allows only one store."
        ),
        max_length=120,
    ),
]
_DIGITS = re.compile(r"[0-9]{1,32}")


def _record_id(value: Any) -> str:
    # Clients send ids as JSON numbers or strings (the MCP Inspector CLI sends numbers); OrderDesk's
    # paths and answers use the digit string, so that is what the services get.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return value.strip()
    raise PydanticCustomError("record_id", "must be an id: a whole number or a string of digits")


_ID = PlainValidator(_record_id)
_ID_SCHEMA = WithJsonSchema({"anyOf": [{"type": "string", "pattern": "^[0-9]+$"}, {"type": "integer"}]})

OrderId = Annotated[
    str,
    _ID,
    _ID_SCHEMA,
    Field(description="OrderDesk's internal order id (the `id` field of an order, not `source_id`)."),
]
ItemId = Annotated[str, _ID, _ID_SCHEMA, Field(description="The order item's `id`.")]
ShipmentId = Annotated[str, _ID, _ID_SCHEMA, Field(description="The shipment's `id`.")]
ProductId = Annotated[
    int, Field(ge=1, description="The inventory item's `id` (an integer, as OrderDesk sends it).")
]
FolderRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    Field(description='A folder id (e.g. "1002") or its exact name (e.g. "Shipped"); see stores_get.'),
]
Changes = Annotated[
    dict[str, Any],
    Field(
        description=(
            "Only the fields to change, with OrderDesk's field names (unknown ones are refused). null "
            "removes a field; nested objects (shipping, customer, …) merge by key."
        ),
        min_length=1,
    ),
]
IdempotencyKey = Annotated[
    str | None,
    StringConstraints(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$"),
    Field(
        description=(
            "Any unique string you choose (8-100 characters). Retrying with the same key returns the "
            "first result instead of creating a duplicate."
        )
    ),
]
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=1800),
    Field(description="The note text (at most 1,800 characters)."),
]
Limit = Annotated[int, Field(ge=1, le=100, description="How many rows to return (1-100).")]
Cursor = Annotated[
    str | None,
    Field(description="The `next_cursor` of the previous page; omit for the first page.", max_length=2000),
]
FieldsPreset = Annotated[
    Literal["summary", "standard", "full"],
    Field(description="How much of each order to return: summary (a few fields), standard, or full."),
]


class Progress(Protocol):
    """Long operations report progress through this; the console and MCP both render it."""

    async def __call__(self, done: float, total: float | None = None, message: str | None = None) -> None: ...
