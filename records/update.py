"""The conflict-checked read-modify-write loop shared by every update (orders, items, inventory).

OrderDesk offers no ETag or If-Match, and its PUT replaces the whole record, so a change made by someone
else between our GET and our PUT would be wiped out. Each attempt therefore: merges the changes into the
record it has, fetches the record once more right before the PUT, and only PUTs if neither
`date_updated` nor the content has moved (`version_of`). If either has, the same changes are merged
into the fresher record and tried again, up to MAX_ATTEMPTS times; then the caller gets a Conflict.
A 409 from OrderDesk (which some deployments and our sandbox can send for a stale PUT) counts as a
moved record too. When the merged record means the same as the record it was merged into, nothing is
sent: the outcome says `changed` False, and the operation's trace still records the call.

`update_record` is what the update operations call: the loop under the record's lock (locks.py),
followed by dropping the cached reads it changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kernel import tracing
from kernel.errors import Conflict, UpstreamError
from records.locks import record_lock
from records.merge import same_values
from records.store_call import StoreCall

MAX_ATTEMPTS = 5

Record = dict[str, Any]


@dataclass(frozen=True)
class Updated:
    """What an update did: `record` is what `send` returned, or the fetched record when nothing needed
    sending (`changed` False, with a `message` saying so)."""

    record: Record
    changed: bool = True
    message: str = ""


def version_of(record: Record) -> Any:
    """What tells two reads of a record apart. date_updated has one-second resolution, so two writes
    within one second can leave it unchanged; a digest of the whole content cannot."""
    content = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)
    return record.get("date_updated"), hashlib.sha256(content.encode()).hexdigest()


async def update_checked(
    *,
    fetch: Callable[[], Awaitable[Record]],
    apply: Callable[[Record], Any],
    send: Callable[[Any], Awaitable[Record]],
    label: str,
    version: Callable[[Record], Any] = version_of,
    snapshot: Callable[[Record], Any] | None = None,
    compare: Callable[[Record], Any] | None = None,
) -> Updated:
    """`apply` must be pure: it may run again.

    `snapshot` picks what the trace's before/after diff shows of the fetched record (default: all);
    `compare` picks what `apply`'s payload would replace (default: all): equal, nothing is sent.
    """
    current = await fetch()
    tracing.note_before(snapshot(current) if snapshot else current)
    for _attempt in range(MAX_ATTEMPTS):
        payload = apply(current)
        if same_values(payload, compare(current) if compare else current):
            message = f"{label} already had these values; nothing was sent to OrderDesk."
            return Updated(current, changed=False, message=message)
        fresh = await fetch()
        if version(fresh) != version(current):
            current = fresh  # someone changed it meanwhile: re-apply our changes to their version
            continue
        try:
            return Updated(await send(payload))
        except UpstreamError as exc:
            if type(exc) is not UpstreamError or exc.status != 409:
                raise
            current = await fetch()
    raise Conflict(
        f"{label} kept changing while the change was being applied ({MAX_ATTEMPTS} attempts); "
        "nothing was written. Fetch it again and retry.",
        retry_after=1.0,
    )


async def update_record(
    call: StoreCall,
    *,
    kind: str,
    record_id: object,
    resource: str,
    label: str,
    fetch: Callable[[], Awaitable[Record]],
    apply: Callable[[Record], Any],
    send: Callable[[Any], Awaitable[Record]],
    snapshot: Callable[[Record], Any] | None = None,
    compare: Callable[[Record], Any] | None = None,
) -> Updated:
    """One whole update: under the record's lock (`kind` "order" or "product"), the conflict-checked
    loop, then the cached reads of `resource` dropped (even after a failure: a PUT may have landed)."""
    async with record_lock(kind, call.tenant.pk, call.store.pk, record_id, label=label):
        try:
            updated = await update_checked(
                fetch=fetch, apply=apply, send=send, label=label, snapshot=snapshot, compare=compare
            )
        finally:
            await call.invalidate(resource, items=[record_id])
    unsent = not updated.changed and snapshot is not None
    tracing.note_after(snapshot(updated.record) if unsent and snapshot else updated.record)
    return updated
