"""Receiving OrderDesk's post-backs (Rule Builder "Post Order JSON", orderdesk-api.md §6.3).

OrderDesk POSTs the form field `order` (the order JSON) to the store's secret URL with the headers
X-ORDER-DESK-STORE-ID and X-ORDER-DESK-HASH, the hex HMAC-SHA256 of the JSON keyed with the store's
API key. `verify` checks all of it before anything happens; `accept` then decides, from the shared
cache, whether this is news:

- a *duplicate* (the same JSON for the same store within DEDUPE_SECONDS, as OrderDesk's retries are:
  up to 5 times over 2 hours) is answered 200 again and does nothing more;
- a *stale* delivery (its `date_updated` older than the newest seen for that order: retries and rules
  can arrive out of order) is answered 200, since anything else makes OrderDesk retry it, and is
  recorded but changes nothing;
- anything else is *fresh*: `apply` sends `stores.changes.order_changed` (receivers drop the cached
  reads and notify subscribers) and records a trace (source "postback", which the live tail shows)
  and an audit event.

Refusals (bad store id, bad hash) have no effect besides an audit event, at most one per store and
minute so a flood with a leaked URL cannot flood the audit log; each one is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import caches

from kernel import context, crypto
from kernel.storable import storable_text
from operations.models import Trace, TraceOutcome, TraceSource
from operations.signals import trace_recorded
from stores.changes import order_changed
from stores.models import Store
from stores.postback_signing import signature
from tenants.audit import Action, audit
from tenants.models import AuditOutcome

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # a large order is tens of kB; OrderDesk's own limits are far below this
DEDUPE_SECONDS = 3 * 3600  # longer than OrderDesk's 2 hours of retries
NEWEST_SECONDS = 7 * 24 * 3600
REFUSAL_AUDIT_SECONDS = 60
OPERATION = "orderdesk.postback"
TOKEN_MAX = 64


class Refused(Exception):
    """A delivery refused with `status` and OrderDesk's own sample messages."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Delivery:
    store: Store
    order: dict[str, Any]
    digest: str  # SHA-256 of the order JSON as received

    @property
    def order_id(self) -> str:
        return storable_text(str(self.order.get("id", "")))[:64]


def _cache():
    return caches["default"]


def find_store(token: str) -> Store | None:
    if not token or len(token) > TOKEN_MAX:
        return None
    return Store.objects.select_related("tenant").filter(postback_token=token).first()


def verify(store: Store, *, store_id: str | None, given_hash: str | None, order_json: str | None) -> Delivery:
    """The delivery, if it really comes from this store's OrderDesk; Refused otherwise."""
    if not order_json:
        raise Refused(400, "No Data Found")
    if not store_id or not hmac.compare_digest(store_id.strip().encode(), store.orderdesk_store_id.encode()):
        raise Refused(403, "Unauthorized Request")
    try:
        api_key = store.get_api_key()
    except crypto.DecryptionError:
        raise Refused(403, "Unauthorized Request") from None
    expected = signature(api_key, order_json)
    if not given_hash or not hmac.compare_digest(given_hash.strip().lower().encode(), expected.encode()):
        raise Refused(403, "Unauthorized Request")
    try:
        order = json.loads(order_json)
    except ValueError:
        raise Refused(400, "Invalid Order Data") from None
    if not isinstance(order, dict) or not str(order.get("id") or "").strip():
        raise Refused(400, "Invalid Order Data")
    return Delivery(store=store, order=order, digest=hashlib.sha256(order_json.encode()).hexdigest())


def accept(delivery: Delivery) -> str:
    """ "fresh", "duplicate" or "stale" (see the module docstring); remembers this delivery."""
    cache = _cache()
    store_pk = delivery.store.pk
    if not cache.add(f"postback:seen:{store_pk}:{delivery.digest}", 1, timeout=DEDUPE_SECONDS):
        return "duplicate"
    updated = str(delivery.order.get("date_updated") or "")
    if not updated:
        return "fresh"
    newest_key = f"postback:newest:{store_pk}:{delivery.order_id}"
    newest = cache.get(newest_key)
    # OrderDesk writes "YYYY-MM-DD HH:MM:SS" in the store's time zone: such strings sort by time. Two
    # deliveries racing here may both count as fresh; the cost is one extra refresh, never a lost one.
    if newest is not None and updated < str(newest):
        return "stale"
    cache.set(newest_key, updated, timeout=NEWEST_SECONDS)
    return "fresh"


def _folder_ids(order: dict[str, Any]) -> list[int]:
    folder = order.get("folder_id")
    try:
        return [int(folder)] if folder not in (None, "") else []
    except (TypeError, ValueError):
        return []


def _record(delivery: Delivery, outcome: str, duration_ms: float) -> Trace:
    store = delivery.store
    ctx = context.current()
    summary = {"order_id": delivery.order_id, "outcome": outcome}
    trace = Trace.objects.create(
        tenant=store.tenant,
        operation=OPERATION,
        source=TraceSource.POSTBACK,
        store_id=store.pk,
        store_name=store.name,
        actor_label="OrderDesk post-back",
        arguments={
            "order_id": delivery.order_id,
            "date_updated": str(delivery.order.get("date_updated", "")),
        },
        outcome=TraceOutcome.OK,
        error_code="" if outcome == "fresh" else outcome,
        result_summary=summary,
        duration_ms=round(duration_ms, 2),
        request_id=ctx.request_id,
        order_id=delivery.order_id,
    )
    audit(
        Action.POSTBACK_RECEIVED,
        tenant=store.tenant,
        target=store,
        detail={**summary, "trace": str(trace.id)},
    )
    return trace


async def apply(delivery: Delivery, outcome: str, started: float) -> None:
    """The effects of a verified, non-duplicate delivery; run after the answer has gone out."""
    store = delivery.store
    try:
        if outcome == "fresh":
            await order_changed.asend_robust(
                sender=Store,
                tenant_id=store.tenant_id,
                store_id=store.pk,
                order_id=delivery.order_id,
                folder_ids=_folder_ids(delivery.order),
                origin="postback",
            )
        trace = await sync_to_async(_record)(delivery, outcome, (time.perf_counter() - started) * 1000)
        await trace_recorded.asend(sender=Trace, trace=trace)
    except Exception:
        logger.exception("post-back for order %s of store %s: effects failed", delivery.order_id, store.pk)


def note_refusal(store: Store, refused: Refused) -> None:
    """Log every refusal; audit at most one per store per REFUSAL_AUDIT_SECONDS."""
    logger.warning("post-back to store %s refused: %s %s", store.pk, refused.status, refused.message)
    if not _cache().add(f"postback:refused:{store.pk}", 1, timeout=REFUSAL_AUDIT_SECONDS):
        return
    audit(
        Action.POSTBACK_REFUSED,
        tenant=store.tenant,
        target=store,
        outcome=AuditOutcome.DENIED,
        detail={"status": refused.status, "reason": refused.message},
    )


_last_unknown_log = [0.0, 0]  # time of the last log line, refusals since


def note_unknown_token() -> None:
    """No store, so no tenant to audit for: a log line, at most one every 10 seconds."""
    now = time.monotonic()
    _last_unknown_log[1] += 1
    if now - _last_unknown_log[0] >= 10:
        logger.warning("post-backs to unknown URLs: %d since the last report", _last_unknown_log[1])
        _last_unknown_log[:] = [now, 0]
