"""What a store's page says about its connection, and keeping that true between connection tests.

The last test result used to change only when someone pressed "Test connection", so a store whose key
OrderDesk had since revoked still showed "Connected" while every call failed. Every upstream call made
for an operation now reports what it learned about the credentials: a 401/403 marks the store as
rejected, and the first accepted call after that marks it as working again. Only a change of verdict is
written (and audited), so the ordinary call costs no query.

The circuit breaker and the rate budget are shown as this process sees them: the breaker is kept per
process (see `stores.breaker`), the budget is shared through Redis when it is configured.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime

from asgiref.sync import sync_to_async
from django.db.models import Q
from django.utils import timezone

from kernel.errors import UpstreamAuthFailed
from stores.breaker import BreakerSnapshot, CircuitBreaker, default_breaker
from stores.client import get_client
from stores.governor import CAPACITY, REFILL_PER_SECOND, Governor, bucket_key, default_governor
from stores.models import Store
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.models import AuditOutcome, Tenant

REJECTED_MESSAGE = (
    "OrderDesk rejected the store id or API key on a call. Check the OrderDesk store id and re-enter "
    "the API key (OrderDesk: Store Settings → API)."
)
ACCEPTED_MESSAGE = "OrderDesk accepted the store's credentials on a call."


@dataclass(frozen=True)
class StoreHealth:
    breaker: BreakerSnapshot
    requests_available: int  # of OrderDesk's bucket, by this app's count
    bucket_size: int
    refill_per_second: float


def _breaker_key(store: Store) -> tuple[str, str]:
    return (str(store.tenant_id), str(store.pk))  # the key OrderDeskClient uses


def _breaker() -> CircuitBreaker:
    return getattr(get_client(), "breaker", None) or default_breaker()  # a stand-in client may have none


def _governor() -> Governor:
    return getattr(get_client(), "governor", None) or default_governor()


async def store_health(store: Store) -> StoreHealth:
    """The breaker and the rate budget of a store the caller has already been allowed to see."""
    available = await _governor().available(bucket_key(store.effective_base_url, store.orderdesk_store_id))
    return StoreHealth(
        breaker=_breaker().snapshot(_breaker_key(store)),
        requests_available=max(0, int(available)),
        bucket_size=CAPACITY,
        refill_per_second=REFILL_PER_SECOND,
    )


def breaker_reset(*, tenant: Tenant, actor: Actor, store: Store) -> bool:
    """Let calls through again at once (the operator fixed the store); returns whether it was open."""
    actor.require(Permission.MANAGE_STORES)
    was_open = _breaker().reset(_breaker_key(store))
    audit(Action.STORE_BREAKER_RESET, actor=actor, target=store, detail={"was_open": was_open})
    return was_open


def _note_verdict(store: Store, *, ok: bool, call_started: datetime) -> None:
    """Record that a call showed the credentials rejected, or working again after a rejection.

    A store never tested keeps "never tested" on success: its first calls should not each write. An
    accepted call clears only a rejection seen before it began: an operation's calls run side by side,
    and one begun earlier says nothing about a rejection another saw meanwhile."""
    if store.last_test_ok is ok or (ok and store.last_test_ok is None):
        return
    message = ACCEPTED_MESSAGE if ok else REJECTED_MESSAGE
    now = timezone.now()
    # Only when the stored verdict differs, so concurrent calls that learn the same thing write once.
    stored = Store.objects.filter(pk=store.pk, tenant_id=store.tenant_id).exclude(last_test_ok=ok)
    if ok:
        stored = stored.filter(Q(last_test_at__isnull=True) | Q(last_test_at__lt=call_started))
    changed = stored.update(last_test_at=now, last_test_ok=ok, last_test_message=message)
    if changed or not ok:  # a rejection stands either way; a refused clearing leaves it as it was
        store.last_test_at, store.last_test_ok, store.last_test_message = now, ok, message
    if changed:
        audit(
            Action.STORE_TESTED,
            tenant=store.tenant,
            target=store,
            outcome=AuditOutcome.SUCCESS if ok else AuditOutcome.FAILURE,
            detail={"ok": ok, "message": message, "seen_on": "a call"},
        )


async def _note_call_outcome(store: Store, *, rejected: bool, call_started: datetime) -> None:
    """A query only when the verdict changes."""
    if (store.last_test_ok is False) if rejected else (store.last_test_ok is not False):
        return
    await sync_to_async(_note_verdict)(store, ok=not rejected, call_started=call_started)


async def watch_credentials[T](store: Store, call: Awaitable[T]) -> T:
    """Await one upstream call made for `store`, noting what it showed about the credentials."""
    started = timezone.now()
    try:
        result = await call
    except UpstreamAuthFailed:
        await _note_call_outcome(store, rejected=True, call_started=started)
        raise
    await _note_call_outcome(store, rejected=False, call_started=started)
    return result
