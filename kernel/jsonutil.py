"""Canonical JSON: one encoding for every value we hash or sign (cache keys, idempotency request
hashes, cursor bindings).

Canonical means sorted keys, no whitespace and ASCII only, so equal values always give the same bytes.
Beyond JSON's own types it accepts, by one rule:
- pydantic models (their JSON dump) and dataclasses (as dicts);
- sets and frozensets (as a list in a stable order);
- dates, datetimes and times (ISO 8601, `2024-01-02T03:04:05`);
- enums (their value);
- UUIDs and Decimals (their string, so `Decimal("1.50")` stays "1.50").
Anything else raises TypeError rather than falling back to `str()`: an object's default `str()` holds
its memory address, which would make a hash differ between two equal requests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal
from enum import Enum
from typing import Any


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):  # pydantic models
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> str:
    """`value` as canonical JSON (sorted keys, `,` and `:` separators, ASCII). Raises TypeError."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_default)


def canonical_hash(value: Any) -> str:
    """SHA-256 (hex) of `value`'s canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
