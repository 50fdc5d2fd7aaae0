"""Small helpers shared by the test modules."""

from django.test import Client

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
