"""Creating, changing, rotating and revoking agent API keys. Every rule lives here, so the pages and
the CLI share them.

Only owners manage keys (Permission.MANAGE_KEYS). The raw key is returned once to the caller and
never stored, logged or audited: the database keeps the key id, a bcrypt hash and a short prefix.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api_keys import core
from api_keys.models import ApiKey, ApiKeyKind, ApiKeyScope
from kernel.errors import InvalidInput, NotFound
from kernel.mail import send_mail
from operations.registry import TOOLSETS, operation
from stores import selectors as store_selectors
from stores.models import Store
from stores.types import RequiredStoreRef, StoreInfo
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.denials import note_not_found
from tenants.models import Membership, Role, Tenant

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 120
CALLS_PER_MINUTE_MAX = 10_000


def require_key_manager(*, tenant: Tenant, actor: Actor) -> None:
    """Owners of this tenant only; an actor of another tenant is refused outright."""
    actor.require_in(tenant, Permission.MANAGE_KEYS)


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise InvalidInput("Give the key a name, e.g. the agent or machine that will use it.", field="name")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidInput(f"The name can be at most {NAME_MAX_LENGTH} characters.", field="name")
    return cleaned


def _clean_scope(scope: str) -> str:
    if scope not in ApiKeyScope.values:
        raise InvalidInput(
            f"scope must be one of {', '.join(ApiKeyScope.values)}, not {scope!r}.", field="scope"
        )
    return scope


def _clean_stores(tenant: Tenant, all_stores: bool, store_ids: Iterable[uuid.UUID | str]) -> list[Store]:
    if all_stores:
        return []
    wanted: dict[uuid.UUID, str] = {}
    for raw in store_ids:
        try:
            wanted[uuid.UUID(str(raw))] = str(raw)
        except ValueError:
            raise InvalidInput(f"{raw!r} is not a store id.", field="store_ids") from None
    if not wanted:
        raise InvalidInput("Choose at least one store, or allow all stores.", field="store_ids")
    stores = list(Store.objects.filter(tenant=tenant, pk__in=wanted))
    unknown = sorted(wanted[pk] for pk in wanted.keys() - {s.pk for s in stores})
    if unknown:
        # Another tenant's store is reported exactly like a store that does not exist.
        raise InvalidInput(f"No such store in this tenant: {', '.join(unknown)}.", field="store_ids")
    return stores


def _clean_toolsets(toolsets: Iterable[str]) -> list[str]:
    chosen = set(toolsets)
    unknown = sorted(chosen - set(TOOLSETS))
    if unknown:
        raise InvalidInput(
            f"Unknown toolset {', '.join(unknown)}; choose from {', '.join(TOOLSETS)}.", field="toolsets"
        )
    return [name for name in TOOLSETS if name in chosen]  # a stable order; [] means all toolsets


def _clean_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if timezone.is_naive(expires_at):
        raise InvalidInput("The expiry needs a time zone.", field="expires_at")
    if expires_at <= timezone.now():
        raise InvalidInput("The expiry must be in the future.", field="expires_at")
    return expires_at


def _clean_rate(calls_per_minute: int | None) -> int | None:
    if calls_per_minute is None:
        return None
    if not 1 <= calls_per_minute <= CALLS_PER_MINUTE_MAX:
        raise InvalidInput(
            f"Calls per minute must be between 1 and {CALLS_PER_MINUTE_MAX:,}; leave it blank for the "
            f"server default ({settings.MCP_TOOL_CALLS_PER_MINUTE}).",
            field="calls_per_minute",
        )
    return calls_per_minute


def key_summary(key: ApiKey, stores: Iterable[Store] = ()) -> dict[str, object]:
    """What a key may do, in the words the audit log and notification e-mails use. No secret."""
    return {
        "key_id": key.pk,
        "key_prefix": key.prefix,
        "scope": key.scope,
        "stores_admin": key.stores_admin,
        "stores": "all" if key.all_stores else sorted(s.name for s in stores),
        "toolsets": key.toolsets or "all",
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        "calls_per_minute": key.calls_per_minute,
        "output_schema": key.output_schema,
    }


def key_create(
    *,
    tenant: Tenant,
    actor: Actor,
    name: str,
    scope: str,
    stores_admin: bool = False,
    all_stores: bool = True,
    store_ids: Iterable[uuid.UUID | str] = (),
    toolsets: Iterable[str] = (),
    expires_at: datetime | None = None,
    calls_per_minute: int | None = None,
    output_schema: bool = False,
) -> tuple[ApiKey, str]:
    """Create an agent key and return it with its raw value `odk_<id>_<secret>`, shown once.

    Invariants: owners only; every store belongs to `tenant`; toolsets are known ([] = all); the
    expiry is in the future; 1 ≤ calls_per_minute ≤ 10,000 (None = server default). `output_schema`
    makes /mcp send each tool's outputSchema and structuredContent to this key (off by default: it
    roughly doubles what the agent reads).
    """
    require_key_manager(tenant=tenant, actor=actor)
    name = _clean_name(name)
    scope = _clean_scope(scope)
    stores = _clean_stores(tenant, all_stores, store_ids)
    toolsets = _clean_toolsets(toolsets)
    expires_at = _clean_expiry(expires_at)
    calls_per_minute = _clean_rate(calls_per_minute)
    # bcrypt (cost 12 ≈ 0.25 s) runs before the transaction: SQLite takes its write lock when a
    # transaction starts, and nobody else should wait on a hash.
    minted = core.mint()
    with transaction.atomic():
        key = ApiKey.objects.create(
            id=minted.key_id,
            tenant=tenant,
            name=name,
            prefix=minted.prefix,
            secret_hash=minted.secret_hash,
            scope=scope,
            stores_admin=stores_admin,
            all_stores=all_stores,
            toolsets=toolsets,
            expires_at=expires_at,
            calls_per_minute=calls_per_minute,
            output_schema=bool(output_schema),
            created_by=actor.user,
        )
        key.stores.set(stores)
        summary = key_summary(key, stores)
        audit(Action.KEY_CREATED, actor=actor, target=key, detail=summary)
        transaction.on_commit(lambda: _notify_owners(tenant, actor, key, "created", summary))
    return key, minted.raw


def key_revoke(*, tenant: Tenant, actor: Actor, key_id: str) -> ApiKey:
    """Revoke a key; the very next request with it is refused. Revoking twice changes nothing."""
    require_key_manager(tenant=tenant, actor=actor)
    key = ApiKey.objects.filter(tenant=tenant, kind=ApiKeyKind.KEY, pk=str(key_id)).first()
    if key is None:
        # Outside the transaction below, which would roll the access.denied event back.
        note_not_found(actor=actor, model=ApiKey, pk=str(key_id), target_type="apikey")
        raise NotFound("No such API key.", field="key_id")
    now = timezone.now()
    with transaction.atomic():
        # One conditional UPDATE: two owners revoking at once produce one revocation and one audit row.
        if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now):
            key.revoked_at = now
            audit(
                Action.KEY_REVOKED,
                actor=actor,
                target=key,
                detail={"key_id": key.pk, "key_prefix": key.prefix},
            )
            transaction.on_commit(
                lambda: _notify_owners(tenant, actor, key, "revoked", {"key_prefix": key.prefix})
            )
        else:
            key.refresh_from_db(fields=["revoked_at"])
    # authenticate() reads revoked_at on every call, so this only frees the cache entry early.
    core.forget(key.pk)
    return key


def _key_for_change(tenant: Tenant, key_id: str) -> ApiKey:
    """The tenant's key, locked for the change; another tenant's key is NotFound.

    Revoked and rotated keys are refused: a change could otherwise bring a retired key back to life.
    """
    key = (
        ApiKey.objects.select_for_update().filter(tenant=tenant, kind=ApiKeyKind.KEY, pk=str(key_id)).first()
    )
    if key is None:
        raise NotFound("No such API key.", field="key_id")
    if key.revoked_at is not None:
        raise InvalidInput("This key is revoked and can no longer be changed; create a new one.")
    if key.replaced_by_id is not None:
        raise InvalidInput("This key was rotated; change the key that replaced it instead.")
    return key


def key_update(
    *,
    tenant: Tenant,
    actor: Actor,
    key_id: str,
    name: str,
    scope: str,
    stores_admin: bool = False,
    all_stores: bool = True,
    store_ids: Iterable[uuid.UUID | str] = (),
    toolsets: Iterable[str] = (),
    expires_at: datetime | None = None,
    calls_per_minute: int | None = None,
    output_schema: bool = False,
) -> ApiKey:
    """Change what a key may do; the secret stays the same. Same invariants as `key_create`.

    The change counts from the key's very next call: every call loads the key's row (api_keys.core),
    and the verification cache only remembers that a secret matches a hash, which an edit leaves alone,
    so no process anywhere holds the old permissions.
    """
    require_key_manager(tenant=tenant, actor=actor)
    name = _clean_name(name)
    scope = _clean_scope(scope)
    stores = _clean_stores(tenant, all_stores, store_ids)
    toolsets = _clean_toolsets(toolsets)
    calls_per_minute = _clean_rate(calls_per_minute)
    try:
        with transaction.atomic():
            key = _key_for_change(tenant, key_id)
            if expires_at != key.expires_at:  # an unchanged expiry may be close, but is not new
                expires_at = _clean_expiry(expires_at)
            before = key_summary(key, key.stores.all()) | {"name": key.name}
            key.name, key.scope, key.stores_admin, key.all_stores = (
                name,
                scope,
                bool(stores_admin),
                all_stores,
            )
            key.toolsets, key.expires_at, key.calls_per_minute = toolsets, expires_at, calls_per_minute
            key.output_schema = bool(output_schema)
            key.save()
            key.stores.set(stores)
            after = key_summary(key, stores) | {"name": key.name}
            changes = {
                field: [before[field], value] for field, value in after.items() if before[field] != value
            }
            if changes:
                audit(
                    Action.KEY_UPDATED, actor=actor, target=key, detail={"key_id": key.pk, "changes": changes}
                )
                lines = {field: f"{old} → {new}" for field, (old, new) in changes.items()}
                transaction.on_commit(lambda: _notify_owners(tenant, actor, key, "changed", lines))
    except NotFound:
        note_not_found(actor=actor, model=ApiKey, pk=str(key_id), target_type="apikey")
        raise
    core.forget(key.pk)
    return key


ROTATION_GRACE_MAX = timedelta(days=7)


def key_rotate(
    *, tenant: Tenant, actor: Actor, key_id: str, grace: timedelta = timedelta(0)
) -> tuple[ApiKey, str]:
    """Replace a key's secret: a new key with the same settings, returned with its raw value (shown
    once). The old key is revoked at once, or, with a `grace` period (at most 7 days), keeps working
    until then so agents can be moved over; during the grace period both keys work.
    """
    require_key_manager(tenant=tenant, actor=actor)
    if not timedelta(0) <= grace <= ROTATION_GRACE_MAX:
        raise InvalidInput("The grace period can be from none to 7 days.", field="grace")
    minted = core.mint()  # bcrypt outside the transaction, as in key_create
    try:
        with transaction.atomic():
            old = _key_for_change(tenant, key_id)
            if not old.is_active:
                raise InvalidInput("This key has expired; create a new one instead.")
            stores = list(old.stores.all())
            new = ApiKey.objects.create(
                id=minted.key_id,
                tenant=tenant,
                name=old.name,
                prefix=minted.prefix,
                secret_hash=minted.secret_hash,
                scope=old.scope,
                stores_admin=old.stores_admin,
                all_stores=old.all_stores,
                toolsets=old.toolsets,
                default_store_id=old.default_store_id,
                expires_at=old.expires_at,
                calls_per_minute=old.calls_per_minute,
                output_schema=old.output_schema,
                created_by=actor.user,
            )
            new.stores.set(stores)
            now = timezone.now()
            old.replaced_by = new
            if grace:
                old.expires_at = min(filter(None, [old.expires_at, now + grace]))
            else:
                old.revoked_at = now
            old.save(update_fields=["replaced_by", "expires_at", "revoked_at"])
            retires = old.revoked_at or old.expires_at
            detail = {
                "key_id": old.pk,
                "key_prefix": old.prefix,
                # Not "new_key_…": audit details mask any field named like a key.
                "replaced_by_id": new.pk,
                "replaced_by_prefix": new.prefix,
                "stops_working_at": retires.isoformat() if retires else None,
            }
            audit(Action.KEY_ROTATED, actor=actor, target=old, detail=detail)
            transaction.on_commit(lambda: _notify_owners(tenant, actor, old, "rotated", detail))
    except NotFound:
        note_not_found(actor=actor, model=ApiKey, pk=str(key_id), target_type="apikey")
        raise
    core.forget(old.pk)
    return new, minted.raw


def _notify_owners(tenant: Tenant, actor: Actor, key: ApiKey, verb: str, summary: dict[str, object]) -> None:
    """Tell every owner that an agent key changed (ASVS 2.5.5): an unexpected key is worth noticing."""
    owners = list(
        Membership.objects.filter(tenant=tenant, role=Role.OWNER).values_list("user__email", flat=True)
    )
    if not owners:
        return
    lines = [
        f'{actor.label} {verb} the API key "{key.name}" ({key.prefix}…) in {tenant.name}.',
        "",
        *(f"{name}: {value}" for name, value in summary.items() if name != "key_prefix"),
        "",
        f"Review your keys at {settings.SITE_URL}/keys/",
        "If you did not expect this, revoke the key there.",
    ]
    try:
        send_mail(to=owners, subject=f"OrderDesk Admin: API key {verb}: {key.name}", text="\n".join(lines))
    except Exception:  # the key change already happened; a mail outage must not undo or hide it
        logger.exception("could not e-mail owners about API key %s", key.prefix)


# --- The key's default store (the `stores_use` operation) ---------------------------------------------


@transaction.atomic
def _set_default_store(*, tenant: Tenant, actor: Actor, store: str) -> Store:
    if actor.api_key is None:
        raise InvalidInput(
            "store: stores_use sets the default store of an API key. Signed-in operators choose the store "
            "on each call instead (the console's store field).",
            field="store",
        )
    if not (store or "").strip():
        raise InvalidInput("store: name the store to use by default (its id or name).", field="store")
    found = store_selectors.store_for_call(tenant=tenant, actor=actor, store=store)
    ApiKey.objects.filter(pk=actor.api_key.pk, tenant=tenant).update(default_store=found)
    audit(
        Action.KEY_DEFAULT_STORE,
        actor=actor,
        target=actor.api_key,
        detail={"store_id": str(found.pk), "store_name": found.name},
    )
    return found


# Any key may choose its own default store, so it needs only the read permission; it is a write all
# the same (to the key), which its hints say.
@operation(toolset="stores", permission=Permission.READ, idempotent=True, open_world=False)
async def stores_use(*, tenant: Tenant, actor: Actor, store: RequiredStoreRef) -> StoreInfo:
    """Make a store this key's default, so later calls can leave out `store`.

    Later calls that omit `store` use it; this only changes which store they default to and nothing
    in OrderDesk. The choice is saved on the API key, so it lasts across connections and sessions
    until changed again. Returns the store (with `is_default` true). Only for API keys.
    """
    actor.require_in(tenant, Permission.READ)
    found = await sync_to_async(_set_default_store)(tenant=tenant, actor=actor, store=store)
    return StoreInfo.from_store(found, default_store_id=found.pk)
