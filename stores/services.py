"""The store operations: list, read, test, register, change and delete OrderDesk stores.

They are the one family every face uses: the store pages, the console, /mcp and stdio all run them
through `operations.runner.run_operation`, so a viewer may test a store on its page exactly when it may
from the console, and every run is traced. The permission is declared on each operation; input is
validated by `stores.checks` with messages that name the field; every change is audited (never with
the API key in it). `stores_get` and `stores_test` talk to OrderDesk through the shared client.
"""

from __future__ import annotations

import contextlib
import math
import time
import uuid
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel import tracing
from kernel.errors import (
    InvalidInput,
    OperationError,
    RateLimited,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamUnavailable,
)
from kernel.storable import storable_text
from kernel.types import StoreRef
from operations.registry import operation
from stores import checks, selectors
from stores.cache import invalidate
from stores.client import get_client
from stores.models import Store
from stores.store_settings import store_settings
from stores.types import (
    BaseUrl,
    Folder,
    Label,
    OrderDeskApiKey,
    OrderDeskStoreId,
    RequiredStoreRef,
    StoreDeleted,
    StoreDetails,
    StoreInfo,
    StoreList,
    StoreName,
    StoreTestResult,
)
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.models import AuditOutcome, Tenant

# Fields whose change makes the last connection test and the cached settings meaningless.
_CONNECTION_FIELDS = frozenset({"orderdesk_store_id", "base_url", "api_key"})


def _save_unique(store: Store) -> None:
    """Save, turning a lost race on the unique name into the same message the check gives."""
    try:
        with transaction.atomic():
            store.save()
    except IntegrityError:
        raise InvalidInput(f"name: there is already a store called {store.name!r}.", field="name") from None


def _public_fields(store: Store) -> dict[str, Any]:
    return {
        "name": store.name,
        "orderdesk_store_id": store.orderdesk_store_id,
        "base_url": store.base_url,
        "label": store.label,
        "is_sandbox": store.is_sandbox,
    }


def _forget_cached_reads(store: Store) -> None:
    """Once the change is committed, drop every cached read of the store: with another OrderDesk store
    id or base URL the cached settings, orders and inventory belong to a different OrderDesk store."""
    tenant_id, store_id = store.tenant_id, store.pk
    transaction.on_commit(
        lambda: async_to_sync(invalidate)(tenant_id, store_id, "store", "orders", "inventory")
    )


def _info(store: Store, actor: Actor) -> StoreInfo:
    return StoreInfo.from_store(store, default_store_id=actor.default_store_id)


# --- Database work (run in a thread by the operations below) ----------------------------------------------


@transaction.atomic
def _register(*, tenant: Tenant, actor: Actor, api_key: str, **fields: str) -> Store:
    store = Store(
        tenant=tenant,
        name=checks.clean_name(tenant, fields["name"]),
        orderdesk_store_id=checks.clean_orderdesk_store_id(fields["orderdesk_store_id"]),
        base_url=checks.clean_base_url(fields["base_url"]),
        label=checks.clean_label(fields["label"]),
    )
    store.set_api_key(checks.clean_api_key(api_key))  # the UUID pk exists already: the AAD binds it
    _save_unique(store)
    audit(Action.STORE_CREATED, actor=actor, target=store, detail=_public_fields(store))
    return store


def _update(*, tenant: Tenant, actor: Actor, store: str, api_key: str | None, **given: str | None) -> Store:
    # Resolved before the transaction: a refused id's access.denied event must not roll back with it.
    found = selectors.store_for_call(tenant=tenant, actor=actor, store=store)
    return _update_locked(tenant=tenant, actor=actor, store_id=found.pk, api_key=api_key, **given)


@transaction.atomic
def _update_locked(
    *, tenant: Tenant, actor: Actor, store_id: uuid.UUID, api_key: str | None, **given: str | None
) -> Store:
    found = selectors.store_get(tenant=tenant, actor=actor, store_id=store_id, for_update=True)
    cleaners = {
        "name": lambda value: checks.clean_name(tenant, value, exclude=found.pk),
        "orderdesk_store_id": checks.clean_orderdesk_store_id,
        "base_url": checks.clean_base_url,
        "label": checks.clean_label,
    }
    new = {field: cleaners[field](value) for field, value in given.items() if value is not None}
    changed = [field for field, value in new.items() if value != getattr(found, field)]
    for field in changed:
        setattr(found, field, new[field])
    if api_key and api_key.strip():
        found.set_api_key(checks.clean_api_key(api_key))
        changed.append("api_key")
    if not changed:
        return found
    if _CONNECTION_FIELDS.intersection(changed):
        found.last_test_at, found.last_test_ok, found.last_test_message = None, None, ""
        _forget_cached_reads(found)
    _save_unique(found)
    audit(Action.STORE_UPDATED, actor=actor, target=found, detail={"changed": changed})
    return found


def _delete(*, tenant: Tenant, actor: Actor, store: str) -> StoreDeleted:
    # Resolved before the transaction: a refused id's access.denied event must not roll back with it.
    found = selectors.store_for_call(tenant=tenant, actor=actor, store=store)
    return _delete_locked(tenant=tenant, actor=actor, store_id=found.pk)


@transaction.atomic
def _delete_locked(*, tenant: Tenant, actor: Actor, store_id: uuid.UUID) -> StoreDeleted:
    found = selectors.store_get(tenant=tenant, actor=actor, store_id=store_id, for_update=True)
    deleted = StoreDeleted(id=str(found.pk), name=found.name)
    audit(Action.STORE_DELETED, actor=actor, target=found, detail=_public_fields(found))
    found.delete()
    return deleted


def _record_test(actor: Actor, store: Store, *, ok: bool, message: str) -> datetime:
    """Record the outcome on the store (and on `store`) and in the audit log; returns when it was."""
    now = timezone.now()
    message = storable_text(message)  # OrderDesk's words: a NUL in them could not be stored
    # A queryset update touches only the test columns, so a concurrent edit of the store is not undone.
    Store.objects.filter(pk=store.pk, tenant_id=store.tenant_id).update(
        last_test_at=now, last_test_ok=ok, last_test_message=message[:300]
    )
    store.last_test_at, store.last_test_ok, store.last_test_message = now, ok, message[:300]
    audit(
        Action.STORE_TESTED,
        actor=actor,
        target=store,
        outcome=AuditOutcome.SUCCESS if ok else AuditOutcome.FAILURE,
        detail={"ok": ok, "message": message[:300]},
    )
    return now


# --- Talking to OrderDesk ---------------------------------------------------------------------------------


def _test_failure(exc: OperationError, store: Store) -> tuple[str, bool]:
    """A readable reason for a failed test, and whether the key should be re-entered."""
    if isinstance(exc, UpstreamAuthFailed):
        return (
            "OrderDesk rejected the store id or API key. Check the OrderDesk store id and re-enter the "
            "API key (OrderDesk: Store Settings → API).",
            True,
        )
    if isinstance(exc, RateLimited):
        wait = f" in {math.ceil(exc.retry_after)} s" if exc.retry_after else " shortly"
        return f"OrderDesk is rate limiting this store; try again{wait}.", False
    if isinstance(exc, UpstreamUnavailable):
        return f"OrderDesk could not be reached at {store.effective_base_url}: {exc.message}", False
    if isinstance(exc, UpstreamError) and exc.status == 404:
        return f"{store.effective_base_url}/test does not exist: check the store's base URL.", False
    return f"The connection test failed: {exc.message}", False


async def _call_test(store: Store) -> tuple[bool, str, bool, str | None, int | None]:
    """GET /test → (ok, message, needs_new_key, current_date_time, tokens_remaining)."""
    creds = selectors.store_credentials(store)  # InvalidInput when the key cannot be decrypted
    outer = tracing.current_recorder()
    # The runner records spans; without one (a service called directly) open one to read the tokens left.
    with tracing.recording() if outer is None else contextlib.nullcontext(outer) as recorder:
        first_span = len(recorder.spans)
        try:
            envelope = await get_client().get(creds, "/test")
        except OperationError as exc:
            message, needs_new_key = _test_failure(exc, store)
            ok, current = False, None
        else:
            ok, message, needs_new_key = True, str(envelope.get("message") or "Connection successful"), False
            current = str(envelope["current_date_time"]) if envelope.get("current_date_time") else None
    tokens = [s.tokens_remaining for s in recorder.spans[first_span:] if s.tokens_remaining is not None]
    return ok, message, needs_new_key, current, (tokens[-1] if tokens else None)


# --- The operations ----------------------------------------------------------------------------------------


@operation(toolset="stores", read_only=True, open_world=False)
async def stores_list(*, tenant: Tenant, actor: Actor) -> StoreList:
    """List the OrderDesk stores this key can use and which one is its default. Call it first.

    Returns each store's `id`, `name`, OrderDesk store id, label, whether it is the sandbox (demo
    data), its base URL, the last 4 characters of its API key, the last connection test result, and
    which one is your default (`is_default`, `default_store_id`). Pass a store's `id` or `name` as the
    `store` argument of other tools; it can be omitted when you have a default store (stores_use) or
    only one store.
    """
    stores = [store async for store in selectors.stores_visible(tenant=tenant, actor=actor)]
    default = actor.default_store_id if any(s.pk == actor.default_store_id for s in stores) else None
    return StoreList(
        stores=[StoreInfo.from_store(s, default_store_id=default) for s in stores],
        default_store_id=str(default) if default else None,
    )


@operation(toolset="stores", read_only=True)
async def stores_get(*, tenant: Tenant, actor: Actor, store: StoreRef = None) -> StoreDetails:
    """Get a store's settings and folders (folder ids and names, for orders_list and orders_move).

    Returns the store (as in stores_list), its name, time zone (`timezone`, used by the `*_local`
    order filters), locale, country and e-mail settings, and `folders`: a list of {id, name}. Use a
    folder's id or exact name wherever a tool takes `folder` (e.g. orders_move). Cached for 5 minutes.
    Fails with a clear message if OrderDesk rejects the credentials or cannot be reached.
    """
    found = await selectors.astore_for_call(tenant=tenant, actor=actor, store=store)
    selectors.store_credentials(found)  # an unreadable key is refused even when the settings are cached
    summary = dict(await store_settings(found))
    folders = [Folder(**folder) for folder in summary.pop("folders")]
    return StoreDetails(store=_info(found, actor), folders=folders, **summary)


# Not read-only: it records the outcome on the store (its status on the stores page).
@operation(toolset="stores", permission=Permission.READ, idempotent=True)
async def stores_test(*, tenant: Tenant, actor: Actor, store: StoreRef = None) -> StoreTestResult:
    """Test the connection to a store: calls OrderDesk's GET /test with the stored credentials.

    Returns `ok`, a readable `message` (OrderDesk's answer, or why it failed and what to do),
    OrderDesk's clock `current_date_time`, `duration_ms` and, when known, `tokens_remaining` in the
    store's rate-limit bucket. A rejected key or an unreachable OrderDesk is a result with ok=false,
    not an error; `needs_new_key` says the API key must be re-entered by a person. Changes nothing
    except the store's recorded last test result.
    """
    found = await selectors.astore_for_call(tenant=tenant, actor=actor, store=store)
    started = time.perf_counter()
    try:
        ok, message, needs_new_key, current, tokens = await _call_test(found)
    except InvalidInput as exc:  # the key cannot be decrypted: recorded, then refused
        await sync_to_async(_record_test)(actor, found, ok=False, message=exc.message)
        raise InvalidInput(exc.message, field="store") from None
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    tested_at = await sync_to_async(_record_test)(actor, found, ok=ok, message=message)
    return StoreTestResult(
        store=_info(found, actor),
        ok=ok,
        message=message,
        current_date_time=current,
        duration_ms=duration_ms,
        tokens_remaining=tokens,
        needs_new_key=needs_new_key,
        tested_at=tested_at,
    )


@operation(toolset="stores", permission=Permission.MANAGE_STORES, open_world=False)
async def stores_register(
    *,
    tenant: Tenant,
    actor: Actor,
    name: StoreName,
    orderdesk_store_id: OrderDeskStoreId,
    api_key: OrderDeskApiKey,
    base_url: BaseUrl = "",
    label: Label = "",
) -> StoreInfo:
    """Register an OrderDesk store so its orders and inventory can be used.

    Needs an API key with the stores:admin scope. The OrderDesk API key is stored encrypted and is
    never returned (only its last 4 characters). Returns the new store; run stores_test next to check
    the credentials.
    """
    created = await sync_to_async(_register)(
        tenant=tenant,
        actor=actor,
        name=name,
        orderdesk_store_id=orderdesk_store_id,
        api_key=api_key,
        base_url=base_url,
        label=label,
    )
    return _info(created, actor)


# Destructive: the replaced credentials or address are gone.
@operation(
    toolset="stores", permission=Permission.MANAGE_STORES, destructive=True, idempotent=True, open_world=False
)
async def stores_update(
    *,
    tenant: Tenant,
    actor: Actor,
    store: RequiredStoreRef,
    name: StoreName | None = None,
    orderdesk_store_id: OrderDeskStoreId | None = None,
    api_key: OrderDeskApiKey | None = None,
    base_url: BaseUrl | None = None,
    label: Label | None = None,
) -> StoreInfo:
    """Change a registered store: its name, OrderDesk store id, API key, base URL or label.

    Needs an API key with the stores:admin scope. Omitted fields stay as they are; a new API key is
    stored encrypted and never returned. Changing the OrderDesk store id, base URL or key clears the
    last test result and every cached read of the store. Returns the store.
    """
    changed = await sync_to_async(_update)(
        tenant=tenant,
        actor=actor,
        store=store,
        api_key=api_key,
        name=name,
        orderdesk_store_id=orderdesk_store_id,
        base_url=base_url,
        label=label,
    )
    return _info(changed, actor)


@operation(toolset="stores", permission=Permission.MANAGE_STORES, destructive=True, open_world=False)
async def stores_delete(*, tenant: Tenant, actor: Actor, store: RequiredStoreRef) -> StoreDeleted:
    """Delete a registered store from this account (its encrypted key is forgotten).

    Needs an API key with the stores:admin scope. Nothing in OrderDesk is deleted, but tools can no
    longer reach the store until it is registered again. The store must be named explicitly.
    Returns the deleted store's id and name.
    """
    return await sync_to_async(_delete)(tenant=tenant, actor=actor, store=store)
