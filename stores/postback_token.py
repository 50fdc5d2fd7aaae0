"""A store's OrderDesk post-back URL (orders/postbacks.py receives what is posted to it)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from stores.models import Store, new_postback_token
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit


def postback_url(store: Store) -> str:
    return settings.SITE_URL + reverse("orderdesk-postback", args=[store.postback_token])


@transaction.atomic
def regenerate_postback_token(*, actor: Actor, store: Store) -> Store:
    """A new secret URL; the old one answers 404 from now on (OrderDesk's rule must be updated)."""
    actor.require(Permission.MANAGE_STORES)
    store.postback_token = new_postback_token()
    store.save(update_fields=["postback_token", "updated_at"])
    audit(Action.POSTBACK_TOKEN_REGENERATED, actor=actor, target=store)
    return store
