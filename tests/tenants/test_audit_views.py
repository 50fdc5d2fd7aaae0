"""The audit log page: newest first, filters, HTMX fragment, pagination and tenant isolation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from kernel import context
from tenants.audit import Action, audit
from tenants.models import AuditEvent, Membership

pytestmark = pytest.mark.django_db


def acme_of(user):
    return Membership.objects.get(user=user).tenant


def test_it_lists_the_tenants_events_with_every_column(client, alice):
    with context.bind(context.RequestContext(source="web", ip="203.0.113.5", request_id="req-audit-1")):
        audit(
            Action.STORE_CREATED,
            tenant=acme_of(alice),
            user=alice,
            target_type="store",
            target_label="Main shop",
        )
    client.force_login(alice)
    response = client.get(reverse("tenants:audit"))
    for text in (
        "alice@acme.test",
        "store.created",
        "Main shop",
        "Success",
        "203.0.113.5",
        "req-audit-1",
        "web",
    ):
        assertContains(response, text)


def test_it_shows_the_newest_event_first(client, alice):
    acme = acme_of(alice)
    older = AuditEvent.objects.create(
        tenant=acme, action="store.created", created_at=timezone.now() - timedelta(hours=1)
    )
    newer = AuditEvent.objects.create(tenant=acme, action="key.created")
    client.force_login(alice)
    events = list(client.get(reverse("tenants:audit")).context["page_obj"])
    assert events.index(newer) < events.index(older)


def test_it_filters_by_action_and_actor(client, alice, bob):
    acme = acme_of(alice)
    audit(Action.STORE_CREATED, tenant=acme, user=alice)
    audit(Action.STORE_DELETED, tenant=acme, user=bob)
    audit(Action.STORE_CREATED, tenant=acme, user=bob)
    client.force_login(alice)
    by_action = client.get(reverse("tenants:audit"), {"action": "store.created"}).context["page_obj"]
    assert {e.action for e in by_action} == {"store.created"} and len(by_action) == 2
    by_both = client.get(reverse("tenants:audit"), {"action": "store.created", "actor": "bob@acme.test"})
    assert [(e.action, e.actor_label) for e in by_both.context["page_obj"]] == [
        ("store.created", "bob@acme.test")
    ]


def test_it_ignores_an_unknown_filter_value_and_says_so(client, alice):
    audit(Action.STORE_CREATED, tenant=acme_of(alice), user=alice)
    client.force_login(alice)
    response = client.get(reverse("tenants:audit"), {"actor": "mallory@evil.example"})
    assertContains(response, "Select a valid choice")
    assert len(response.context["page_obj"]) == 1


def test_it_swaps_only_the_table_for_htmx(client, alice):
    audit(Action.STORE_CREATED, tenant=acme_of(alice), user=alice)
    client.force_login(alice)
    response = client.get(
        reverse("tenants:audit"), {"action": "store.created"}, headers={"HX-Request": "true"}
    )
    assertTemplateUsed(response, "audit-table")
    assert b"<html" not in response.content
    assertContains(response, 'id="audit-table"')


def test_it_pages_by_fifty(client, alice):
    acme = acme_of(alice)
    AuditEvent.objects.bulk_create([AuditEvent(tenant=acme, action="store.tested") for _ in range(60)])
    client.force_login(alice)
    first = client.get(reverse("tenants:audit"), {"action": "store.tested"})
    assert len(first.context["page_obj"]) == 50
    assertContains(first, "page=2")
    assertContains(first, "action=store.tested")
    second = client.get(reverse("tenants:audit"), {"action": "store.tested", "page": 2})
    assert len(second.context["page_obj"]) == 10


def test_it_lets_every_member_read_it(client, vera):
    client.force_login(vera)
    assert client.get(reverse("tenants:audit")).status_code == 200


def test_it_never_shows_another_tenants_events(client, alice, charlie):
    audit(Action.STORE_CREATED, tenant=acme_of(alice), user=alice, target_label="Acme secret store")
    audit(Action.STORE_CREATED, tenant=acme_of(charlie), user=charlie, target_label="Globex store")
    client.force_login(charlie)
    response = client.get(reverse("tenants:audit"))
    assertContains(response, "Globex store")
    assertNotContains(response, "Acme secret store")
    assertNotContains(response, "alice@acme.test")
    filtered = client.get(
        reverse("tenants:audit"), {"actor": "alice@acme.test"}, headers={"HX-Request": "true"}
    )
    assertNotContains(filtered, "Acme secret store")


def test_it_renders_the_whole_audit_page_for_an_htmx_history_restore(client, alice):
    audit(Action.STORE_CREATED, tenant=acme_of(alice), user=alice)
    client.force_login(alice)
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = client.get(reverse("tenants:audit"), {"action": "store.created"}, headers=headers)
    assert b"<html" in response.content and b'id="audit-table"' in response.content
    assertContains(response, "<h1>Audit log</h1>")
