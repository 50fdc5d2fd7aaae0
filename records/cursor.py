"""Opaque paging cursors.

A cursor is the next offset, signed with the project's SECRET_KEY (django.core.signing) together with a
hash of what it pages over: the operation, tenant, store and every filter. So a cursor cannot be forged
or edited, and one reused with other filters (or on another store) is refused instead of silently
paging through a different result set. Cursors expire after a day.

A page keeps its `Position` (what it pages over and where it starts), so a cursor can be made for any
row of it: the MCP face, which may return only the first rows of a page, continues at the first row it
left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing

from kernel.errors import InvalidInput
from kernel.jsonutil import canonical_hash

MAX_AGE_SECONDS = 24 * 60 * 60
_SALT = "orderdesk-admin.cursor"


def _binding(operation: str, scope: dict[str, Any]) -> str:
    # Cursors handed out must keep reading, so this may never change for the scopes we build (ids as
    # strings, filters as strings and ints): their canonical JSON is the same bytes as before
    # kernel.jsonutil existed, and a test pins one binding.
    return canonical_hash({"op": operation, **scope})[:24]


def make_cursor(operation: str, scope: dict[str, Any], offset: int) -> str:
    return signing.dumps({"o": offset, "b": _binding(operation, scope)}, salt=_SALT, compress=True)


def read_cursor(operation: str, scope: dict[str, Any], cursor: str | None) -> int:
    """The offset a cursor points at (0 without one). Raises InvalidInput(field="cursor")."""
    if not cursor:
        return 0
    try:
        data = signing.loads(cursor, salt=_SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise InvalidInput(
            "This cursor has expired; call again without `cursor` to start from the first page.",
            field="cursor",
        ) from None
    except signing.BadSignature:
        raise InvalidInput(
            "This cursor is not valid: pass `next_cursor` exactly as a previous page returned it.",
            field="cursor",
        ) from None
    if not isinstance(data, dict) or data.get("b") != _binding(operation, scope):
        raise InvalidInput(
            "This cursor belongs to a listing with other filters or another store: repeat exactly the "
            "filters of the page that returned it, or call again without `cursor`.",
            field="cursor",
        )
    offset = data.get("o")
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput("This cursor is not valid.", field="cursor")
    return offset


@dataclass(frozen=True)
class Position:
    """Where a page starts in the listing `operation` over `scope` (plain data: pages are cached)."""

    operation: str
    scope: dict[str, Any]
    offset: int

    def cursor(self, rows: int) -> str:
        """The cursor of the row `rows` rows after the page's first one."""
        return make_cursor(self.operation, self.scope, self.offset + rows)
