"""Merging a caller's `changes` into a whole OrderDesk record.

OrderDesk's PUT replaces the whole record (anything omitted is blanked), so every update is
fetch → merge → PUT. These functions are pure: they never call OrderDesk, so the conflict loop can
re-apply the same changes to a fresher copy as often as it needs.

Rules (shared by orders, order items, shipments and inventory items):
- a key whose value is null is removed from the record;
- nested maps (`shipping`, `customer`, `metadata`, …) merge by key, and a null inside one removes that
  key; a null for the whole map removes the map;
- lists replace the old list, and only when given, except lists of records with ids (an order's
  `order_items`), which merge by id (`merge_list_by_id`): nothing the caller did not name is lost;
- read-only fields are refused with the reason, and unknown fields (at any depth) with the closest
  known name (`check_known`), before anything is sent: OrderDesk silently drops what it does not know;
- `same_values` tells whether a merged record differs from the current one at all, so an update that
  changes nothing sends nothing.

Each kind of record keeps its own read-only fields and nested maps next to its services.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kernel.errors import InvalidInput
from stores.decoding import as_list, as_map, as_str_id

# In a list merged by id, an entry {"id": …, "delete": true} removes that record.
DELETE_MARK = "delete"


@dataclass(frozen=True)
class Fields:
    """The fields a kind of record takes, to refuse the others (OrderDesk would drop them silently).

    `names` are plain fields; `maps` nested maps with known keys (an address); `lists` lists of objects
    with known keys (order items); `free` maps whose keys are the shop's own (checkout_data, metadata).
    `aliases` maps names people often use to the right one (zip → postal_code); `advice` says what to
    do instead when there is no such field at all.
    """

    names: frozenset[str]
    maps: Mapping[str, Fields] = field(default_factory=dict)
    lists: Mapping[str, Fields] = field(default_factory=dict)
    free: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)
    advice: Mapping[str, str] = field(default_factory=dict)

    def known(self) -> frozenset[str]:
        return self.names | self.maps.keys() | self.lists.keys() | self.free


def unknown_field_message(path: str, name: str, fields: Fields) -> str:
    if name in fields.advice:
        return f"unknown field {path}; {fields.advice[name]}"
    known = sorted(fields.known())
    close = fields.aliases.get(name) or next(iter(difflib.get_close_matches(name, known, n=1)), None)
    if close:
        return f"unknown field {path}; did you mean {close}?"
    return f"unknown field {path}; the fields are: {', '.join(known)}."


def check_known(data: Mapping[str, Any], fields: Fields, *, argument: str) -> None:
    """Refuse the first key, at any depth, that `fields` does not know, naming its full path."""
    for name, value in data.items():
        path = f"{argument}.{name}"
        if name in fields.maps:
            if isinstance(value, Mapping):
                check_known(value, fields.maps[name], argument=path)
        elif name in fields.lists:
            if isinstance(value, list):
                for index, entry in enumerate(value):
                    if isinstance(entry, Mapping):
                        check_known(entry, fields.lists[name], argument=f"{path}[{index}]")
        elif name not in fields.names and name not in fields.free:
            raise InvalidInput(unknown_field_message(path, name, fields), field=path)


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
        if value is not None and value != [] and not isinstance(value, Mapping):  # [] is PHP's empty map
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
            merged[key] = _merge_map(merged.get(key), as_map(value))
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge_list_by_id(
    current: Any,
    entries: list[Mapping[str, Any]],
    *,
    argument: str,
    what: str,
    nested: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """A list of records with ids, `entries` merged in: an entry with an id changes that record (merged
    like a record), {"id": …, "delete": true} removes it, an entry without id is added at the end, and
    records no entry names are kept as they are, so a list read a while ago cannot drop a record
    someone added since. An id that is not in the list is refused (unless deleting: already gone)."""
    records = [copy.deepcopy(dict(r)) for r in as_list(current) if isinstance(r, Mapping)]
    position = {as_str_id(r.get("id")): index for index, r in enumerate(records)}
    removed: set[str] = set()
    added: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        if entry.get("id") in (None, ""):
            added.append({k: copy.deepcopy(v) for k, v in entry.items() if v is not None and k != "id"})
            continue
        record_id = as_str_id(entry["id"])
        if entry.get(DELETE_MARK) is True:
            removed.add(record_id)
            continue
        if record_id not in position:
            raise InvalidInput(
                f"{argument}[{index}].id: {what} {record_id} is not there (any more); read it again, "
                "or leave out the id to add a new one.",
                field=f"{argument}[{index}].id",
            )
        change = {k: v for k, v in entry.items() if k not in ("id", DELETE_MARK)}
        records[position[record_id]] = merge_record(records[position[record_id]], change, nested=nested)
    return [r for r in records if as_str_id(r.get("id")) not in removed] + added


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def same_values(new: Any, old: Any) -> bool:
    """Whether two record values mean the same to OrderDesk: PHP's [] equals an empty map, and a number
    equals the numeric string OrderDesk sends for it ("10.00" and 10)."""
    if isinstance(new, Mapping | list) and isinstance(old, Mapping | list):
        if not new and not old:
            return True
        if isinstance(new, Mapping) and isinstance(old, Mapping):
            return new.keys() == old.keys() and all(same_values(new[k], old[k]) for k in new)
        if isinstance(new, list) and isinstance(old, list):
            return len(new) == len(old) and all(same_values(a, b) for a, b in zip(new, old, strict=True))
        return False
    if isinstance(new, Mapping | list) or isinstance(old, Mapping | list):
        return False
    if new == old and type(new) is type(old):
        return True
    if _is_number(new) and _is_number(old):
        return float(new) == float(old)
    number, text = (new, old) if _is_number(new) else (old, new)
    if _is_number(number) and isinstance(text, str):
        try:
            return float(text) == float(number)
        except ValueError:
            return False
    return False


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
