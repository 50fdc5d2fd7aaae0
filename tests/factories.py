"""factory_boy factories for the core models. App-specific factories live next to their tests."""

import factory

from api_keys import core
from api_keys.models import ApiKey
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


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """An agent key row as /keys/ makes it (a real bcrypt hash), without the key service's audit and
    e-mail. The raw key, shown once in real life, is on `.raw` for `core.authenticate` or a bearer
    header. `stores=[...]` limits the key to those stores; without it the key may use them all."""

    class Meta:
        model = ApiKey
        skip_postgeneration_save = True

    minted = factory.LazyFunction(core.mint)
    id = factory.LazyAttribute(lambda o: o.minted.key_id)
    prefix = factory.LazyAttribute(lambda o: o.minted.prefix)
    secret_hash = factory.LazyAttribute(lambda o: o.minted.secret_hash)
    tenant = factory.SubFactory(TenantFactory)
    name = "agent"
    scope = "read"

    @classmethod
    def _build(cls, model_class, *args, minted, **kwargs):
        key = super()._build(model_class, *args, **kwargs)
        key.raw = minted.raw
        return key

    @classmethod
    def _create(cls, model_class, *args, minted, **kwargs):
        key = super()._create(model_class, *args, **kwargs)
        key.raw = minted.raw
        return key

    @factory.post_generation
    def stores(obj, create, extracted, **kwargs):
        if extracted is None:
            return
        obj.all_stores = False
        if create:
            obj.save(update_fields=["all_stores"])
            obj.stores.set(extracted)
