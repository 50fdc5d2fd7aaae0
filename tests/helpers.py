"""Small helpers shared by the test modules."""

from asgiref.sync import async_to_sync
from django.test import Client

from api_keys import core
from tenants.actors import Actor
from tenants.models import Membership


def sign_in(client: Client, user) -> Client:
    """Sign `client` in as `user`. Every login starts the session clocks (tenants.middleware), so this
    behaves like a fresh magic-link sign-in."""
    client.force_login(user)
    return client


def actor_for(user) -> Actor:
    """The Actor a signed-in operator acts as (their only membership)."""
    return Actor.for_membership(Membership.objects.select_related("tenant", "user").get(user=user))


def key_actor(tenant, **options) -> Actor:
    """An Actor exactly as /mcp builds it for a freshly minted key (options: see make_api_key)."""
    from tests.stores.factories import make_api_key

    _key, raw = make_api_key(tenant, **options)
    return core.authenticate(raw)


def run(service, **kwargs):
    """Call an async service from a sync test, so its database work joins the test's transaction."""
    return async_to_sync(service)(**kwargs)
