"""A store's OrderDesk settings and folders, read once per 5 minutes for every operation that needs them
(`stores_get`, and the order operations that turn folder names into ids).

The upstream read is single-flight: when the cached copy is missing or has just expired, concurrent
callers for one store share one `GET /store` instead of each spending a rate-limit token on it. A cache
hit (the usual case, on the path of every order read) involves no flight and no copy.
"""

from __future__ import annotations

import copy
from typing import Any

from kernel.singleflight import SingleFlight
from stores import health, selectors
from stores.cache import TTL_STORE_SETTINGS, cached
from stores.client import get_client
from stores.models import Store
from stores.types import settings_summary

# Upstream reads in progress, per (tenant, store).
_flights: SingleFlight[tuple[Any, Any], dict[str, Any]] = SingleFlight()


async def store_settings(store: Store) -> dict[str, Any]:
    """The safe summary of `GET /store`: name, a few settings and `folders` as [{id, name}].

    Only this summary is cached (per tenant and store): the raw envelope may carry the API key or SMTP
    settings. The key is decrypted only when OrderDesk has to be asked.
    """

    async def fetch() -> dict[str, Any]:
        call = get_client().get(selectors.store_credentials(store), "/store")
        return settings_summary(await health.watch_credentials(store, call))

    async def shared_fetch() -> dict[str, Any]:
        # Every caller of a flight gets the same object: each gets its own copy, as from the cache.
        return copy.deepcopy(await _flights.run((store.tenant_id, store.pk), fetch))

    return await cached(store.tenant_id, store.pk, "store", {}, TTL_STORE_SETTINGS, shared_fetch)
