"""The delete shared by orders, order items, shipments and inventory items.

Like an update (update.py), a delete runs under the record's lock (locks.py), keeps the record as it was
in the trace's before-snapshot, and drops the cached reads it affects even after a failure: the DELETE
may have landed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from kernel import tracing
from records.locks import record_lock
from records.store_call import StoreCall, upstream_errors


async def delete_record(
    call: StoreCall,
    *,
    kind: str,
    record_id: object,
    label: str,
    resource: str,
    before: Callable[[], Awaitable[Any]],
    path: str,
    not_found: str,
    field: str,
) -> dict[str, Any]:
    """DELETE `path` under the lock of the `kind` record `record_id`, once `before()` (which raises
    NotFound for a missing record) is noted in the trace; then the cached reads of `resource` are
    dropped. A 404 from the DELETE is NotFound(`not_found`, field=`field`). Returns OrderDesk's answer."""
    async with record_lock(kind, call.tenant.pk, call.store.pk, record_id, label=label):
        tracing.note_before(await before())
        try:
            with upstream_errors(not_found=not_found, field=field):
                return await call.delete(path)
        finally:
            await call.invalidate(resource, items=[record_id])
