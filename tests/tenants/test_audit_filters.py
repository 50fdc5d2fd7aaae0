"""The audit log's filters: choices from the tenant's own log, the tenant's events only."""

import pytest

from kernel.errors import Forbidden
from tenants import selectors
from tenants.actors import Actor
from tenants.audit import Action, audit
from tenants.models import Membership

pytestmark = pytest.mark.django_db


def actor_of(user) -> Actor:
    return Actor.for_membership(Membership.objects.select_related("tenant", "user").get(user=user))


def test_it_offers_only_the_actors_of_the_tenants_own_log(alice, bob, charlie):
    owner, other = actor_of(alice), actor_of(charlie)
    audit(Action.STORE_CREATED, tenant=owner.tenant, user=bob)
    audit(Action.STORE_CREATED, tenant=other.tenant, user=charlie)
    filters = selectors.audit_event_filters(tenant=owner.tenant, actor=owner)
    assert [value for value, _ in filters.form.fields["actor"].choices] == ["", "bob@acme.test"]


def test_it_narrows_the_tenants_events_by_action_and_actor(alice, bob, charlie):
    owner, other = actor_of(alice), actor_of(charlie)
    audit(Action.STORE_CREATED, tenant=owner.tenant, user=alice)
    audit(Action.STORE_DELETED, tenant=owner.tenant, user=bob)
    audit(Action.STORE_DELETED, tenant=other.tenant, user=charlie)
    data = {"action": "store.deleted"}
    events = selectors.audit_event_filters(tenant=owner.tenant, actor=owner, data=data).qs
    assert [(e.action, e.actor_label) for e in events] == [("store.deleted", "bob@acme.test")]
    data = {"action": "store.deleted", "actor": "charlie@globex.test"}
    filters = selectors.audit_event_filters(tenant=owner.tenant, actor=owner, data=data)
    assert list(filters.errors) == ["actor"] and len(filters.qs) == 1


def test_it_refuses_an_actor_of_another_tenant(alice, charlie):
    with pytest.raises(Forbidden):
        selectors.audit_event_filters(tenant=actor_of(alice).tenant, actor=actor_of(charlie))
