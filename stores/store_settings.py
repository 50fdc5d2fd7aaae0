"""A store's OrderDesk settings and folders, read once per 5 minutes for every operation that needs them
(`stores_get`, and the order operations that turn folder names into ids)."""

from __future__ import annotations

from typing import Any

from stores import selectors
from stores.cache import TTL_STORE_SETTINGS, cached
from stores.client import get_client
from stores.models import Store
from stores.types import settings_summary


async def store_settings(store: Store) -> dict[str, Any]:
    """The safe summary of `GET /store`: name, a few settings and `folders` as [{id, name}].

    Only this summary is cached (per tenant and store): the raw envelope may carry the API key or SMTP
    settings. The key is decrypted only when OrderDesk has to be asked.
    """

    async def fetch() -> dict[str, Any]:
        return settings_summary(await get_client().get(selectors.store_credentials(store), "/store"))

    return await cached(store.tenant_id, store.pk, "store", {}, TTL_STORE_SETTINGS, fetch)
