"""Reading stores, always through the caller's tenant and the stores its key allows."""

from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async
from django.db.models import QuerySet

from kernel import crypto, tracing
from kernel.errors import InvalidInput, NotFound
from stores.models import Store, StoreCredentials
from tenants.actors import Actor, Permission
from tenants.denials import note_not_found
from tenants.models import Tenant


def stores_visible(*, tenant: Tenant, actor: Actor) -> QuerySet[Store]:
    """The tenant's stores this actor may use (an API key may be limited to some)."""
    stores = Store.objects.filter(tenant=tenant).select_related("tenant")
    if actor.allowed_store_ids is not None:
        stores = stores.filter(id__in=actor.allowed_store_ids)
    return stores


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def store_get(*, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str, for_update: bool = False) -> Store:
    """One store by our id. Another tenant's store, or one the key may not use, is NotFound (and
    audited as access.denied, tenants.denials).

    `for_update` locks the row (inside the caller's transaction) for a read-modify-write.
    """
    actor.require(Permission.READ)
    pk = _as_uuid(str(store_id))
    stores = stores_visible(tenant=tenant, actor=actor)
    if for_update:
        stores = stores.select_for_update(of=("self",))
    store = stores.filter(pk=pk).first() if pk else None
    if store is None:
        note_not_found(actor=actor, model=Store, pk=pk, target_type="store", within_tenant=True)
        raise NotFound("No such store.", field="store")
    return store


def store_key_readable(store: Store) -> bool:
    """Whether the stored API key still decrypts (it will not after a lost keyring version)."""
    try:
        store.get_api_key()
    except crypto.DecryptionError:
        return False
    return True


def store_credentials(store: Store) -> StoreCredentials:
    """The credentials for an upstream call. A key that cannot be decrypted is the caller's problem to
    fix (re-enter it), never a crash: every upstream operation fails with this same message."""
    try:
        return store.credentials()
    except crypto.DecryptionError:
        raise InvalidInput(
            f"The API key for store {store.name!r} can no longer be decrypted; re-enter it on the "
            "store's page.",
            field="store",
        ) from None


def _describe(stores: list[Store]) -> str:
    return ", ".join(f"{s.name!r} (id {s.pk})" for s in stores[:20]) or "none"


def store_for_call(*, tenant: Tenant, actor: Actor, store: str | None) -> Store:
    """Resolve an operation's `store` argument: our id, a name (case-insensitive) or an OrderDesk
    store id. Without one, the key's default store, else the only store there is."""
    visible = stores_visible(tenant=tenant, actor=actor)
    if store:
        ref = store.strip()
        pk = _as_uuid(ref)
        found = visible.filter(pk=pk).first() if pk else None
        found = found or visible.filter(name__iexact=ref).first() or _by_orderdesk_id(visible, ref)
        if found is None:
            # Only our ids are audited: names and OrderDesk ids are not secret, and a denial row for
            # them would tell the caller's team which names other tenants use.
            note_not_found(actor=actor, model=Store, pk=pk, target_type="store", within_tenant=True)
            raise NotFound(f"No store {ref!r}. Stores available: {_describe(list(visible))}.", field="store")
    else:
        found = visible.filter(pk=actor.default_store_id).first() if actor.default_store_id else None
        if found is None:
            candidates = list(visible[:21])
            if len(candidates) == 1:
                found = candidates[0]
            elif not candidates:
                raise NotFound("There are no stores to use: register one first.", field="store")
            else:
                raise InvalidInput(
                    f"Several stores are available; name one with `store` (or set a default with "
                    f"stores_use): {_describe(candidates)}.",
                    field="store",
                )
    tracing.note_store(str(found.pk), found.name)
    return found


def _by_orderdesk_id(visible: QuerySet[Store], ref: str) -> Store | None:
    """The store with this OrderDesk store id; several (one store registered twice, e.g. with another
    base URL) is a question to ask, not a guess to make."""
    matches = list(visible.filter(orderdesk_store_id=ref)[:21])
    if len(matches) > 1:
        raise InvalidInput(
            f"Several stores have OrderDesk store id {ref!r}; name one by id or name: {_describe(matches)}.",
            field="store",
        )
    return matches[0] if matches else None


astore_for_call = sync_to_async(store_for_call)
astore_get = sync_to_async(store_get)


def store_list(*, tenant: Tenant, actor: Actor) -> list[Store]:
    """The stores this actor may see, by name."""
    actor.require(Permission.READ)
    return list(stores_visible(tenant=tenant, actor=actor))
