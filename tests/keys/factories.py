"""Stores (with encrypted credentials) for the API-key tests."""

import factory

from stores.models import Store
from tests.factories import TenantFactory


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    orderdesk_store_id = factory.Sequence(lambda n: str(10_000 + n))

    @factory.post_generation
    def api_key(obj, create, extracted, **kwargs):
        # The AAD binds the row id, so the key is encrypted once the row exists.
        obj.set_api_key(extracted or f"od-api-key-{obj.pk.hex}")
        if create:
            obj.save()
