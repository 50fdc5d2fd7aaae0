"""API keys for agent actors, made as /keys/ makes them."""

from api_keys import core
from api_keys.models import ApiKey


def make_api_key(tenant, *, stores=None, scope="read", stores_admin=False, toolsets=()) -> tuple[ApiKey, str]:
    """An agent key as /keys/ would make it: returns the row and the raw key (for `authenticate`)."""
    minted = core.mint()
    key = ApiKey.objects.create(
        id=minted.key_id,
        tenant=tenant,
        name="agent",
        prefix=minted.prefix,
        secret_hash=minted.secret_hash,
        scope=scope,
        stores_admin=stores_admin,
        all_stores=stores is None,
        toolsets=list(toolsets),
    )
    if stores is not None:
        key.stores.set(stores)
    return key, minted.raw
