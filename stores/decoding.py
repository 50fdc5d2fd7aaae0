"""Lenient decoding of OrderDesk JSON.

OrderDesk is written in PHP and its JSON shows it: ids arrive as numbers or strings, counts and money as
numeric strings (`"total_records": "5"`, `"weight": "1.50"`), missing values as `null` or `""`, and an
empty key→value map as `[]` instead of `{}`. These helpers turn such values into one Python type each,
so the services never trip over a representation OrderDesk is allowed to choose.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any


def _number(value: Any) -> Decimal | None:
    """The number `value` denotes (int, float, Decimal or numeric string), or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, (str, bytes)):
        text = value.decode() if isinstance(value, bytes) else value
        text = text.strip()
        if not text:
            return None
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            return None
        return number if number.is_finite() else None
    return None


def as_int_or_none(value: Any) -> int | None:
    """An int from an int, a float or a numeric string ("12", "12.0"); None for None, "" and garbage."""
    number = _number(value)
    if number is None:
        return None
    return int(number)


def as_int(value: Any, default: int = 0) -> int:
    """Like `as_int_or_none`, with `default` for missing or unreadable values."""
    result = as_int_or_none(value)
    return default if result is None else result


def as_float(value: Any, default: float = 0.0) -> float:
    """A float from a number or numeric string ("12.50"); `default` for None, "" and garbage."""
    number = _number(value)
    return default if number is None else float(number)


def as_str_id(value: Any) -> str:
    """An id as text: 123 → "123", 123.0 → "123", " 123 " → "123", None → "".

    OrderDesk's order, item and shipment ids are strings in some responses and numbers in others;
    comparing them as text is the only comparison that always works."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    return str(value).strip()


def as_map(value: Any) -> dict[str, Any]:
    """A key→value map. PHP serialises an empty map as `[]` (and a map with keys 0..n-1 as a list),
    so `[]`, None and "" become `{}` and a non-empty list becomes {"0": …, "1": …}."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, tuple)):
        return {str(index): item for index, item in enumerate(value)}
    return {}


def as_list(value: Any) -> list[Any]:
    """A list. None, "" and an empty map `{}` become `[]`; a map becomes its values in key order."""
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return []
