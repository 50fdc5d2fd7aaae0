"""Stores with encrypted credentials, and API keys for agent actors."""

import factory

from stores.models import Store
from tenants.keys import core
from tenants.models import ApiKey
from tests.factories import TenantFactory


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    orderdesk_store_id = factory.Sequence(lambda n: str(20_000 + n))

    @factory.post_generation
    def api_key(obj, create, extracted, **kwargs):
        # The AAD binds the row id, so the key is encrypted once the pk exists (it does from the start).
        obj.set_api_key(extracted or f"od-key-{obj.pk.hex[:12]}")
        if create:
            obj.save()


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
