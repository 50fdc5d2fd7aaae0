"""Store services: register, edit, delete, test and choose OrderDesk stores.

Every rule lives here, so the pages, the console, /mcp and stdio behave the same: permissions and
tenant scoping are checked by each function, input is validated with messages that name the field,
and every change is audited (never with the API key in it).

Database-only work is done by sync functions (`store_register`, `store_update`, `store_delete`,
`store_use`) that the views call directly and the async operations (`stores_*`, the names MCP tools
carry) call through `sync_to_async`. `stores_get` and `stores_test` talk to OrderDesk through the
shared client.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel import tracing
from kernel.errors import (
    Forbidden,
    InvalidInput,
    OperationError,
    RateLimited,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamUnavailable,
)
from kernel.types import StoreRef
from operations.registry import operation
from stores import selectors
from stores.cache import TTL_STORE_SETTINGS, cached, invalidate
from stores.client import get_client
from stores.models import Store
from stores.types import (
    API_KEY_MAX,
    API_KEY_MIN,
    BASE_URL_MAX,
    LABEL_MAX,
    NAME_MAX,
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
    settings_summary,
)
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.models import AuditOutcome, Tenant

_DIGITS = re.compile(r"^[0-9]{1,32}$")
# Fields whose change makes the last connection test and the cached settings meaningless.
_CONNECTION_FIELDS = frozenset({"orderdesk_store_id", "base_url", "api_key"})


def _require(tenant: Tenant, actor: Actor, permission: Permission) -> None:
    if actor.tenant.pk != tenant.pk:  # a wiring mistake, never a user's: refuse loudly
        raise Forbidden("This caller does not belong to the tenant it is acting on.")
    actor.require(permission)


# --- Validation: each raises InvalidInput naming the field ----------------------------------------------


def _clean_name(tenant: Tenant, value: str, *, exclude: uuid.UUID | None = None) -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidInput("name: give the store a name.", field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"name: at most {NAME_MAX} characters.", field="name")
    # Names are matched case-insensitively when a call names a store, so they must be unique that way.
    taken = Store.objects.filter(tenant=tenant, name__iexact=name).exclude(pk=exclude)
    if taken.exists():
        raise InvalidInput(f"name: there is already a store called {name!r}.", field="name")
    return name


def _clean_orderdesk_store_id(value: str) -> str:
    store_id = (value or "").strip()
    if not _DIGITS.match(store_id):
        raise InvalidInput(
            "orderdesk_store_id: OrderDesk store ids are digits only (Store Settings → API in OrderDesk).",
            field="orderdesk_store_id",
        )
    return store_id


def _clean_api_key(value: str) -> str:
    api_key = (value or "").strip()
    if not API_KEY_MIN <= len(api_key) <= API_KEY_MAX:
        raise InvalidInput(
            f"api_key: the OrderDesk API key must be {API_KEY_MIN} to {API_KEY_MAX} characters.",
            field="api_key",
        )
    if any(ch.isspace() for ch in api_key):
        raise InvalidInput("api_key: the OrderDesk API key cannot contain spaces.", field="api_key")
    return api_key


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def clean_base_url(value: str) -> str:
    """A store's base URL: blank (OrderDesk itself), an https URL on an allowed OrderDesk host, or this
    app's sandbox. Anything else could point our server at the internal network, so it is refused."""
    url = (value or "").strip().rstrip("/")
    if not url or url == settings.ORDERDESK_DEFAULT_BASE_URL:
        return ""
    allowed = ", ".join([*settings.ORDERDESK_ALLOWED_HOSTS, _origin(settings.SANDBOX_BASE_URL)[1]])
    try:
        parts = urlsplit(url)
        scheme, host, port = _origin(url)
    except ValueError:
        raise InvalidInput("base_url: not a valid URL.", field="base_url") from None
    if len(url) > BASE_URL_MAX or parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInput(
            "base_url: give a plain URL such as https://app.orderdesk.me/api/v2 (no credentials, query "
            f"or fragment, at most {BASE_URL_MAX} characters).",
            field="base_url",
        )
    is_orderdesk = scheme == "https" and host in settings.ORDERDESK_ALLOWED_HOSTS and port in (None, 443)
    if not (is_orderdesk or (scheme, host, port) == _origin(settings.SANDBOX_BASE_URL)):
        raise InvalidInput(
            f"base_url: must be an https URL on an OrderDesk host ({allowed}); leave it blank for "
            f"{settings.ORDERDESK_DEFAULT_BASE_URL}.",
            field="base_url",
        )
    return url


def _clean_label(value: str) -> str:
    label = (value or "").strip()
    if len(label) > LABEL_MAX:
        raise InvalidInput(f"label: at most {LABEL_MAX} characters.", field="label")
    return label


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


# --- Writes (database only) -------------------------------------------------------------------------------


@transaction.atomic
def store_register(
    *,
    tenant: Tenant,
    actor: Actor,
    name: str,
    orderdesk_store_id: str,
    api_key: str,
    base_url: str = "",
    label: str = "",
) -> Store:
    """Register an OrderDesk store with its API key, encrypted at rest."""
    _require(tenant, actor, Permission.MANAGE_STORES)
    store = Store(
        tenant=tenant,
        name=_clean_name(tenant, name),
        orderdesk_store_id=_clean_orderdesk_store_id(orderdesk_store_id),
        base_url=clean_base_url(base_url),
        label=_clean_label(label),
    )
    store.set_api_key(_clean_api_key(api_key))  # the UUID pk exists already: the AAD binds it
    _save_unique(store)
    audit(Action.STORE_CREATED, actor=actor, target=store, detail=_public_fields(store))
    return store


@transaction.atomic
def store_update(
    *,
    tenant: Tenant,
    actor: Actor,
    store_id: uuid.UUID | str,
    name: str | None = None,
    orderdesk_store_id: str | None = None,
    base_url: str | None = None,
    label: str | None = None,
    api_key: str = "",
) -> Store:
    """Change a store's settings. `None` keeps a field; a blank `api_key` keeps the current key.

    Changing the OrderDesk store id, base URL or key clears the last test result (it tested other
    credentials) and every cached read of the store.
    """
    _require(tenant, actor, Permission.MANAGE_STORES)
    store = selectors.store_get(tenant=tenant, actor=actor, store_id=store_id, for_update=True)
    cleaners = {
        "name": lambda value: _clean_name(tenant, value, exclude=store.pk),
        "orderdesk_store_id": _clean_orderdesk_store_id,
        "base_url": clean_base_url,
        "label": _clean_label,
    }
    given = {"name": name, "orderdesk_store_id": orderdesk_store_id, "base_url": base_url, "label": label}
    new = {field: cleaners[field](value) for field, value in given.items() if value is not None}
    changed = [field for field, value in new.items() if value != getattr(store, field)]
    for field in changed:
        setattr(store, field, new[field])
    if api_key.strip():
        store.set_api_key(_clean_api_key(api_key))
        changed.append("api_key")
    if not changed:
        return store
    if _CONNECTION_FIELDS.intersection(changed):
        store.last_test_at, store.last_test_ok, store.last_test_message = None, None, ""
        _forget_cached_reads(store)
    _save_unique(store)
    audit(Action.STORE_UPDATED, actor=actor, target=store, detail={"changed": changed})
    return store


@transaction.atomic
def store_delete(*, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str) -> StoreDeleted:
    """Forget a store and its encrypted key. OrderDesk itself is not touched."""
    _require(tenant, actor, Permission.MANAGE_STORES)
    store = selectors.store_get(tenant=tenant, actor=actor, store_id=store_id, for_update=True)
    deleted = StoreDeleted(id=str(store.pk), name=store.name)
    audit(Action.STORE_DELETED, actor=actor, target=store, detail=_public_fields(store))
    store.delete()
    return deleted


def _record_test(actor: Actor, store: Store, *, ok: bool, message: str) -> Store:
    now = timezone.now()
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
    return store


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


async def store_test(*, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str) -> StoreTestResult:
    """Run `GET /test` for one store and remember the outcome on it. Never raises for upstream
    failures or an unreadable key: those are a failed result the page can show."""
    _require(tenant, actor, Permission.READ)
    store = await selectors.astore_get(tenant=tenant, actor=actor, store_id=store_id)
    result, _unreadable = await _run_test(actor, store)
    return result


async def _call_test(store: Store) -> tuple[bool, str, bool, str | None, int | None]:
    """GET /test → (ok, message, needs_new_key, current_date_time, tokens_remaining)."""
    creds = selectors.store_credentials(store)  # InvalidInput when the key cannot be decrypted
    outer = tracing.current_recorder()
    # Open a recorder when no operation runner did (the page), to read the rate-limit tokens left.
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


async def _run_test(actor: Actor, store: Store) -> tuple[StoreTestResult, bool]:
    """Test, record and audit. Returns the result and whether the key could not be decrypted."""
    started, unreadable = time.perf_counter(), False
    try:
        ok, message, needs_new_key, current, tokens = await _call_test(store)
    except InvalidInput as exc:
        ok, message, needs_new_key, current, tokens, unreadable = False, exc.message, True, None, None, True
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    store = await sync_to_async(_record_test)(actor, store, ok=ok, message=message)
    result = StoreTestResult(
        store=StoreInfo.from_store(store, default_store_id=actor.default_store_id),
        ok=ok,
        message=message,
        current_date_time=current,
        duration_ms=duration_ms,
        tokens_remaining=tokens,
        needs_new_key=needs_new_key,
        tested_at=store.last_test_at,
    )
    return result, unreadable


async def store_details(*, tenant: Tenant, actor: Actor, store: Store) -> StoreDetails:
    """Settings and folders of a store the caller already resolved (cached for 5 minutes)."""
    _require(tenant, actor, Permission.READ)
    creds = selectors.store_credentials(store)

    async def fetch() -> dict[str, Any]:
        # Only the safe summary is cached: the raw envelope may carry the key or SMTP settings.
        return settings_summary(await get_client().get(creds, "/store"))

    summary = await cached(tenant.id, store.pk, "store", {}, TTL_STORE_SETTINGS, fetch)
    info = StoreInfo.from_store(store, default_store_id=actor.default_store_id)
    folders = [Folder(**folder) for folder in summary.pop("folders")]
    return StoreDetails(store=info, folders=folders, **summary)


# --- Operations (the registry exposes these as tools) ---------------------------------------------------


@operation(toolset="stores", read_only=True, open_world=False)
async def stores_list(*, tenant: Tenant, actor: Actor) -> StoreList:
    """List the OrderDesk stores you can use.

    Returns each store's `id`, `name`, OrderDesk store id, label, whether it is the sandbox (demo
    data), its base URL, the last 4 characters of its API key, the last connection test result, and
    which one is your default (`is_default`, `default_store_id`). Pass a store's `id` or `name` as the
    `store` argument of other tools; it can be omitted when you have a default store (stores_use) or
    only one store.
    """
    _require(tenant, actor, Permission.READ)
    stores = await sync_to_async(list)(selectors.stores_visible(tenant=tenant, actor=actor))
    default = actor.default_store_id if any(s.pk == actor.default_store_id for s in stores) else None
    return StoreList(
        stores=[StoreInfo.from_store(s, default_store_id=default) for s in stores],
        default_store_id=str(default) if default else None,
    )


@operation(toolset="stores", read_only=True)
async def stores_get(*, tenant: Tenant, actor: Actor, store: StoreRef = None) -> StoreDetails:
    """Get a store's OrderDesk settings and its folders.

    Returns the store (as in stores_list), its name, time zone (`timezone`, used by the `*_local`
    order filters), locale, country and e-mail settings, and `folders`: a list of {id, name}. Use a
    folder's id or exact name wherever a tool takes `folder` (e.g. orders_move). Cached for 5 minutes.
    Fails with a clear message if OrderDesk rejects the credentials or cannot be reached.
    """
    _require(tenant, actor, Permission.READ)
    found = await selectors.astore_for_call(tenant=tenant, actor=actor, store=store)
    return await store_details(tenant=tenant, actor=actor, store=found)


@operation(toolset="stores", read_only=True)
async def stores_test(*, tenant: Tenant, actor: Actor, store: StoreRef = None) -> StoreTestResult:
    """Test the connection to a store: calls OrderDesk's GET /test with the stored credentials.

    Returns `ok`, a readable `message` (OrderDesk's answer, or why it failed and what to do),
    OrderDesk's clock `current_date_time`, `duration_ms` and, when known, `tokens_remaining` in the
    store's rate-limit bucket. A rejected key or an unreachable OrderDesk is a result with ok=false,
    not an error; `needs_new_key` says the API key must be re-entered by a person. Changes nothing
    except the store's recorded last test result.
    """
    _require(tenant, actor, Permission.READ)
    found = await selectors.astore_for_call(tenant=tenant, actor=actor, store=store)
    result, unreadable = await _run_test(actor, found)
    if unreadable:  # not an upstream failure: nothing can be tested until a person re-enters the key
        raise InvalidInput(result.message, field="store")
    return result


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
    created = await sync_to_async(store_register)(
        tenant=tenant,
        actor=actor,
        name=name,
        orderdesk_store_id=orderdesk_store_id,
        api_key=api_key,
        base_url=base_url,
        label=label,
    )
    return StoreInfo.from_store(created, default_store_id=actor.default_store_id)


@operation(toolset="stores", permission=Permission.MANAGE_STORES, destructive=True, open_world=False)
async def stores_delete(*, tenant: Tenant, actor: Actor, store: RequiredStoreRef) -> StoreDeleted:
    """Delete a registered store from this account (its encrypted key is forgotten).

    Needs an API key with the stores:admin scope. Nothing in OrderDesk is deleted, but tools can no
    longer reach the store until it is registered again. The store must be named explicitly.
    Returns the deleted store's id and name.
    """
    _require(tenant, actor, Permission.MANAGE_STORES)
    found = await selectors.astore_for_call(tenant=tenant, actor=actor, store=store)
    return await sync_to_async(store_delete)(tenant=tenant, actor=actor, store_id=found.pk)
