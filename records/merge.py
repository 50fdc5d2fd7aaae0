"""Merging a caller's `changes` into a whole OrderDesk record.

OrderDesk's PUT replaces the whole record (anything omitted is blanked), so every update is
fetch → merge → PUT. These functions are pure: they never call OrderDesk, so the conflict loop can
re-apply the same changes to a fresher copy as often as it needs.

Rules (shared by orders, order items, shipments and inventory items):
- a key whose value is null is removed from the record;
- nested maps (`shipping`, `customer`, `metadata`, …) merge by key, and a null inside one removes that
  key; a null for the whole map removes the map;
- lists (`order_items`, `discount_list`, …) replace the old list, and only when given;
- read-only fields are refused with the reason, before anything is sent.

Each kind of record keeps its own read-only fields and nested maps next to its services.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from kernel.errors import InvalidInput
from stores.decoding import as_map


def refuse_read_only(changes: Mapping[str, Any], read_only: Mapping[str, str], *, argument: str) -> None:
    """Refuse every read-only key at once, saying why for each."""
    bad = [name for name in changes if name in read_only]
    if bad:
        reasons = "; ".join(f"{name}: {read_only[name]}" for name in bad)
        raise InvalidInput(
            f"{argument} may not set read-only fields ({reasons}).", field=f"{argument}.{bad[0]}"
        )


def check_nested_maps(changes: Mapping[str, Any], nested: frozenset[str], *, argument: str) -> None:
    for name in nested & changes.keys():
        value = changes[name]
        if value is not None and not isinstance(value, Mapping):
            raise InvalidInput(
                f"{argument}.{name} must be an object of fields to change (or null to remove it all), "
                f"not {type(value).__name__}.",
                field=f"{argument}.{name}",
            )


def _merge_map(current: Any, change: Mapping[str, Any]) -> dict[str, Any]:
    merged = as_map(current)  # PHP sends an empty map as []
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge_record(
    original: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    nested: frozenset[str] = frozenset(),
    special: Mapping[str, Callable[[Any, Any], Any]] | None = None,
) -> dict[str, Any]:
    """A new record: `original` with `changes` applied by the rules in this module's docstring.

    `special` merges the keys it names its own way: `special[key](current value, change)` (an order's
    notes append). Read-only fields must already have been refused (`refuse_read_only`); this only
    merges.
    """
    merged = copy.deepcopy(dict(original))
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif special and key in special:
            merged[key] = special[key](merged.get(key), value)
        elif key in nested:
            merged[key] = _merge_map(merged.get(key), value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_number(value: Any, *, field: str, integer: bool = False, minimum: float | None = None) -> None:
    if isinstance(value, bool):
        ok = False
    elif isinstance(value, int | float):
        ok = True
    elif isinstance(value, str):
        try:
            float(value)
            ok = value.strip() != ""
        except ValueError:
            ok = False
    else:
        ok = False
    if ok and integer:
        ok = float(value) == int(float(value))
    if not ok:
        kind = "a whole number" if integer else "a number"
        raise InvalidInput(f"{field} must be {kind}, not {value!r}.", field=field)
    if minimum is not None and float(value) < minimum:
        raise InvalidInput(f"{field} must be at least {minimum:g}, not {value!r}.", field=field)
