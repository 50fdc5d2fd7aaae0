"""What every order and inventory operation does first and around each upstream call.

`open_store` resolves the `store` argument inside the caller's tenant and allowed stores (another
tenant's store is NotFound); the permission was checked before, by the operation's own declaration.
The store's API key is decrypted on its first upstream call. `upstream_errors` turns OrderDesk's
failures into messages that name the object and the field.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from kernel import tracing
from kernel.errors import InvalidInput, NotFound, UpstreamError
from stores import health, selectors
from stores.cache import cached, invalidate
from stores.client import get_client
from stores.models import Store, StoreCredentials
from stores.store_settings import store_settings
from tenants.actors import Actor
from tenants.models import Tenant


@dataclass
class StoreCall:
    """A resolved store, ready for upstream calls on behalf of one actor."""

    tenant: Tenant
    actor: Actor
    store: Store

    @functools.cached_property
    def creds(self) -> StoreCredentials:
        # Decrypted on the first upstream call only: a read served from the cache needs no key.
        return selectors.store_credentials(self.store)

    @property
    def label(self) -> str:
        return repr(self.store.name)

    async def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One upstream call; what it shows about the credentials keeps the store's status true."""
        return await health.watch_credentials(
            self.store, getattr(get_client(), method)(self.creds, path, **kwargs)
        )

    async def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self._send("get", path, params=params)

    async def post(self, path: str, json: Any) -> dict[str, Any]:
        return await self._send("post", path, json=json)

    async def put(self, path: str, json: Any) -> dict[str, Any]:
        return await self._send("put", path, json=json)

    async def delete(self, path: str) -> dict[str, Any]:
        return await self._send("delete", path)

    async def cached(self, resource: str, args: dict[str, Any], ttl: int, fetch, *, item: Any = None) -> Any:
        return await cached(self.tenant.pk, self.store.pk, resource, args, ttl, fetch, item=item)

    async def invalidate(self, *resources: str, items: Iterable[Any] | None = None) -> None:
        """Drop cached reads (stores.cache.invalidate): of `items` and the lists, or all without items."""
        await invalidate(self.tenant.pk, self.store.pk, *resources, items=items)


# Resolving `store` costs a database round trip, which would be most of a cached read. The answer is
# kept for a few seconds per (tenant, what the actor may use, reference). The key holds everything the
# answer depends on besides the stores themselves, so another tenant or a narrower API key can never
# get it; a change to any store of this process drops them all (`forget_resolved_stores`). Another
# process may go on using a renamed, re-keyed or deleted store for at most RESOLVED_STORE_SECONDS.
RESOLVED_STORE_SECONDS = 5.0
_RESOLVED_STORE_LIMIT = 4096
_resolved: dict[tuple, tuple[float, Store]] = {}


def forget_resolved_stores(**_kwargs: Any) -> None:
    _resolved.clear()


def _resolution_key(tenant: Tenant, actor: Actor, store: str | None) -> tuple:
    allowed = None if actor.allowed_store_ids is None else frozenset(actor.allowed_store_ids)
    return (tenant.pk, actor.default_store_id, allowed, (store or "").strip().casefold())


async def open_store(*, tenant: Tenant, actor: Actor, store: str | None) -> StoreCall:
    """The store an operation works on. Its caller, an `@operation`, has already checked the actor's
    permission inside its own tenant, before this first query."""
    key = _resolution_key(tenant, actor, store)
    hit = _resolved.get(key)
    if hit is not None and hit[0] > time.monotonic():
        resolved = hit[1]
        tracing.note_store(str(resolved.pk), resolved.name)
    else:
        resolved = await selectors.astore_for_call(tenant=tenant, actor=actor, store=store)
        if len(_resolved) >= _RESOLVED_STORE_LIMIT:
            _resolved.clear()
        _resolved[key] = (time.monotonic() + RESOLVED_STORE_SECONDS, resolved)
    return StoreCall(tenant=tenant, actor=actor, store=resolved)


def _rejected(exc: UpstreamError, statuses: tuple[int, ...]) -> bool:
    # 400/422 are OrderDesk refusing the input; a 2xx carrying status "error" is the same thing.
    status = exc.status or 0
    return type(exc) is UpstreamError and (status in statuses or 200 <= status < 300)


@contextlib.contextmanager
def upstream_errors(
    *, not_found: str, field: str | None, rejected_field: str | None = None, conflicts: bool = False
) -> Iterator[None]:
    """Map OrderDesk's "no such id" to NotFound(not_found) and its refusals to InvalidInput.

    With `conflicts`, a 409 is left alone for the update loop to re-apply the change.
    """
    try:
        yield
    except UpstreamError as exc:
        if type(exc) is UpstreamError and exc.status == 404:
            raise NotFound(not_found, field=field) from None
        if _rejected(exc, (400, 422) if conflicts else (400, 409, 422)):
            raise InvalidInput(exc.message, field=rejected_field) from None
        raise


async def store_folders(call: StoreCall) -> dict[int, str]:
    """Folder id → name of the store (GET /store, cached 5 minutes; shared with stores_get)."""
    summary = await store_settings(call.store)
    return {folder["id"]: folder["name"] for folder in summary.get("folders", [])}


def coerce[M: BaseModel](model: type[M], value: Any, *, field: str) -> M:
    """A typed argument from a caller that passed plain data (views and tests call services directly)."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([field, *(str(p) for p in first["loc"])])
        raise InvalidInput(f"{where}: {first['msg']}", field=field) from None


def record_of(envelope: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = envelope.get(key)
    return value if isinstance(value, dict) else None
