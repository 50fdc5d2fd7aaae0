"""Asking for another tenant's object by id (a store, an API key, a trace, a member, a store's data over
/mcp) is answered exactly like a missing one, but it is not an ordinary not-found: it is audited as
`access.denied` in the asker's own tenant, once per actor and target per window, so a scanner cannot
flood the log and the victim's existence is never revealed in the answer."""

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.urls import reverse

from tenants.models import AuditEvent, Membership
from tests.factories import ApiKeyFactory
from tests.mcp.conftest import acme_db, committed, connect, make_key  # noqa: F401 (fixtures)
from tests.mcp.test_store_tools import orderdesk  # noqa: F401 (fixture: no real OrderDesk)
from tests.traces.factories import TraceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def denials():
    return AuditEvent.objects.filter(action="access.denied")


def test_another_tenants_store_page_is_a_plain_404_audited_once_per_window(client, charlie, acme_store):
    client.force_login(charlie)
    url = reverse("stores:detail", args=[acme_store.pk])
    missing = client.get(reverse("stores:detail", args=["00000000-0000-4000-8000-000000000000"]))
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == missing.status_code == 404
    assert b"Acme" not in first.content and len(first.content) == len(missing.content)
    event = denials().get()
    globex = charlie.memberships.get().tenant
    assert (event.tenant, event.actor_user, event.outcome) == (globex, charlie, "denied")
    assert (event.target_type, event.target_id, event.target_label) == ("store", str(acme_store.pk), "")
    assert event.detail == {"reason": "other_tenant", "answered": "not found"}
    assert "Acme" not in str(event.detail)

    cache.clear()  # the window is over
    client.get(url)
    assert denials().count() == 2


def test_missing_and_own_ids_are_ordinary_not_founds(client, alice, acme_store):
    client.force_login(alice)
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(reverse("stores:detail", args=[unknown])).status_code == 404
    assert client.get(reverse("keys:row", args=["nokey"])).status_code == 404
    assert not denials().exists()


def test_another_tenants_key_trace_and_member_are_audited(client, alice, bob, charlie):
    acme = alice.memberships.get().tenant
    key = ApiKeyFactory(tenant=acme)
    trace = TraceFactory(tenant=acme, operation="orders_get")
    bob_membership = Membership.objects.get(user=bob)
    client.force_login(charlie)
    assert client.get(reverse("keys:revoke", args=[key.pk])).status_code == 404
    assert client.post(reverse("keys:revoke", args=[key.pk])).status_code == 404
    assert client.get(reverse("mcp_bridge:trace-detail", args=[trace.pk])).status_code == 404
    role_url = reverse("tenants:member-role", args=[bob_membership.pk])
    assert client.post(role_url, {"role": "viewer"}).status_code == 404
    got = sorted(denials().values_list("target_type", "target_id"))
    assert got == sorted(
        [("apikey", key.pk), ("trace", str(trace.pk)), ("membership", str(bob_membership.pk))]
    )
    assert set(denials().values_list("tenant", flat=True)) == {charlie.memberships.get().tenant_id}
    assert Membership.objects.get(user=bob).role == "operator"


async def test_an_mcp_call_with_another_tenants_store_id_is_not_found_and_audited_once(
    acme_db,  # noqa: F811
    acme_store,
    globex_store,
    make_key,  # noqa: F811
    orderdesk,  # noqa: F811
):
    raw = await make_key(acme_db, scope="read_write")
    async with connect(raw) as client:
        first = await client.call_tool("stores_get", {"store": str(globex_store.pk)})
        second = await client.call_tool("orders_list", {"store": str(globex_store.pk)})
        by_name = await client.call_tool("stores_get", {"store": "Globex Shop"})
    assert first.is_error and second.is_error and by_name.is_error
    assert first.content[0].text.startswith(f"No store {str(globex_store.pk)!r}.")
    assert "Globex" not in first.content[0].text
    assert orderdesk.requests == []
    events = await sync_to_async(list)(denials())
    assert len(events) == 1  # one per key and target per window; names are not audited
    (event,) = events
    assert (event.tenant_id, event.source, event.target_type) == (acme_db.pk, "mcp", "store")
    assert event.target_id == str(globex_store.pk) and event.actor_key_id is not None


async def test_a_key_asking_for_a_store_outside_its_stores_is_audited(
    acme_db,  # noqa: F811
    acme_store,
    acme_outlet,
    make_key,  # noqa: F811
    orderdesk,  # noqa: F811
):
    async with connect(await make_key(acme_db, stores=[acme_store])) as client:
        result = await client.call_tool("stores_get", {"store": str(acme_outlet.pk)})
    assert result.is_error
    event = await denials().aget()
    assert (event.target_id, event.detail["reason"]) == (str(acme_outlet.pk), "not_allowed")
