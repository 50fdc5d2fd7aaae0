"""Idempotency keys for creates (orders_create, shipments_add, shipments_add_batch).

OrderDesk has none, so we keep them in IdempotencyRecord, one per (tenant, store, operation, key):
- a new key: the record is claimed (`pending`), the call runs, and its result is stored (`done`);
- the same key and the same request again: the stored result, without calling OrderDesk;
- the same key with a different request: InvalidInput(field="idempotency_key");
- the same key while the first call is still running: Conflict ("already in progress");
- OrderDesk refused the request (nothing was created): `failed`, and the key may be retried;
- the outcome is unknown (a timeout or 5xx on the POST, or the process died mid-call): `unknown`. A
  retry with the same key then runs with `recovering=True`: the operation looks upstream for what the
  first attempt may have created (orders: by source_id, or by the key it stored in order_metadata;
  shipments: by tracking number on the order) and only creates if nothing is there.
Records expire after 24 hours; after that a key may be used for a new request.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import BaseModel

from kernel.errors import Conflict, InvalidInput, OperationError, OutcomeUnknown
from kernel.jsonutil import canonical_hash
from kernel.storable import storable
from orders.models import IdempotencyRecord, IdempotencyState

EXPIRY = timedelta(hours=24)
# A `pending` record older than this belongs to a call that died (the upstream deadline is 30 s).
STALE_PENDING = timedelta(seconds=90)


def request_hash(payload: Any) -> str:
    """SHA-256 of the request's canonical JSON. Hashes are stored for 24 hours, so the encoding must not
    change under them: the payloads here are validated tool input (JSON types only), whose canonical
    JSON is byte for byte what this module wrote before it shared kernel.jsonutil."""
    return canonical_hash(payload)


@dataclass(frozen=True)
class Claim:
    record_id: uuid.UUID
    created_at: datetime
    replay: Any = None  # the stored result of a finished call
    recovering: bool = False  # an earlier attempt's outcome is unknown: look before creating


def _claim(*, tenant_id, store_id, operation: str, key: str, digest: str) -> Claim:
    now = timezone.now()
    # Expired records go for every tenant: their results hold customer data nobody needs any more.
    IdempotencyRecord.objects.filter(created_at__lt=now - EXPIRY).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                tenant_id=tenant_id,
                store_id=store_id,
                operation=operation,
                key=key,
                request_hash=digest,
                created_at=now,
                updated_at=now,
            )
        return Claim(record_id=record.pk, created_at=record.created_at)
    except IntegrityError:
        record = IdempotencyRecord.objects.get(
            tenant_id=tenant_id, store_id=store_id, operation=operation, key=key
        )
    if record.request_hash != digest:
        raise InvalidInput(
            f"This idempotency_key was already used for a different {operation} request in the last 24 "
            "hours. Use a new key for a new request (or repeat the first request exactly).",
            field="idempotency_key",
        )
    if record.state == IdempotencyState.DONE:
        return Claim(record_id=record.pk, created_at=record.created_at, replay=record.result)
    in_progress = Conflict(
        f"A {operation} call with this idempotency_key is already in progress; wait a few seconds and "
        "retry with the same key to get its result.",
        retry_after=2.0,
    )
    if record.state == IdempotencyState.PENDING and record.updated_at > now - STALE_PENDING:
        raise in_progress
    recovering = record.state in (IdempotencyState.UNKNOWN, IdempotencyState.PENDING)
    # Take the record over only if nobody else did since we read it.
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, state=record.state, updated_at=record.updated_at
    ).update(state=IdempotencyState.PENDING, updated_at=now)
    if not taken:
        raise in_progress
    return Claim(record_id=record.pk, created_at=record.created_at, recovering=recovering)


def _finish(record_id: uuid.UUID, state: str, result: Any = None) -> None:
    # The result quotes OrderDesk, which may answer with a NUL that PostgreSQL's jsonb refuses.
    IdempotencyRecord.objects.filter(pk=record_id).update(
        state=state, result=storable(result), updated_at=timezone.now()
    )


async def run_idempotent[M: BaseModel](
    *,
    tenant_id: Any,
    store_id: Any,
    operation: str,
    key: str | None,
    payload: Any,
    result_type: type[M],
    run: Callable[[Claim | None], Awaitable[M]],
) -> M:
    """`run(claim)`'s result, at most once per key. `claim` is None without a key."""
    if key is None:
        return await run(None)
    claim = await sync_to_async(_claim)(
        tenant_id=tenant_id, store_id=store_id, operation=operation, key=key, digest=request_hash(payload)
    )
    if claim.replay is not None:
        return result_type.model_validate(claim.replay)
    try:
        result = await run(claim)
    except BaseException as exc:
        # Only a clean refusal proves nothing happened upstream; anything else may have created it.
        definite = isinstance(exc, OperationError) and not isinstance(exc, OutcomeUnknown)
        state = IdempotencyState.FAILED if definite and not claim.recovering else IdempotencyState.UNKNOWN
        await asyncio.shield(sync_to_async(_finish)(claim.record_id, state))
        if isinstance(exc, OutcomeUnknown):
            raise OutcomeUnknown(
                f"{exc.message} Retry with the same idempotency_key: the retry checks OrderDesk for what "
                "this attempt may have created before creating anything.",
                status=exc.status,
            ) from exc
        raise
    await sync_to_async(_finish)(claim.record_id, IdempotencyState.DONE, result.model_dump(mode="json"))
    return result
