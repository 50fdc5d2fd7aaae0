"""Reading stores, always through the caller's tenant and the stores its key allows."""

from __future__ import annotations

import uuid

from asgiref.sync import sync_to_async
from django.db.models import QuerySet

from orderdesk_admin import tracing
from orderdesk_admin.errors import InvalidInput, NotFound
from stores.models import Store
from tenants.actors import Actor
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


def store_get(*, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str) -> Store:
    """One store by our id. Another tenant's store, or one the key may not use, is NotFound."""
    pk = _as_uuid(str(store_id))
    store = stores_visible(tenant=tenant, actor=actor).filter(pk=pk).first() if pk else None
    if store is None:
        raise NotFound("No such store.", field="store")
    return store


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
        found = (
            found
            or visible.filter(name__iexact=ref).first()
            or visible.filter(orderdesk_store_id=ref).first()
        )
        if found is None:
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


astore_for_call = sync_to_async(store_for_call)
astore_get = sync_to_async(store_get)
