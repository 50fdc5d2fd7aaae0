"""factory_boy factories for the core models. App-specific factories live next to their tests."""

import factory

from stores.models import Store
from tenants.models import Membership, Tenant, User


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = "owner"


class StoreFactory(factory.django.DjangoModelFactory):
    """A store with an encrypted API key (unique per store unless `api_key=` is given)."""

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
