"""Text every supported database can store, the same way on each.

PostgreSQL refuses the NUL character (U+0000) in text columns and in `jsonb`; SQLite stores it. So:
- what callers send is refused when it holds a NUL (`find_nul` names where), before anything is done
  with it: no caller needs NUL, and refusing it keeps OrderDesk free of text we could not record;
- what we record from elsewhere (OrderDesk's answers, its error messages) has every NUL written as the
  six characters `\\u0000` (`storable`), on every database, so a record reads the same wherever it
  was stored and a hostile answer cannot make the record of a call fail.
"""

from __future__ import annotations

from typing import Any

NUL = "\x00"
ESCAPED_NUL = "\\u0000"


def storable_text(text: str) -> str:
    """`text` with every NUL written as `\\u0000`."""
    return text.replace(NUL, ESCAPED_NUL) if NUL in text else text


def storable(value: Any) -> Any:
    """`value` (JSON-like: dicts, lists, tuples, text, numbers) with NUL escaped in every text and key."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(storable(v) for v in value)
    return value


def find_nul(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where the first NUL in `value` is: the path of keys and indexes to the text (or key) holding
    it, `()` for `value` itself; None when there is none."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                return (*path, storable_text(key))
            if (found := find_nul(item, (*path, key))) is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if (found := find_nul(item, (*path, index))) is not None:
                return found
    return None
