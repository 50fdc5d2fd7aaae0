"""The sandbox page shows an owner its API key without changing it, and refilling asks first."""

from django.urls import reverse

from sandbox.provisioning import provision_sandbox_store
from tenants.models import AuditEvent
from tests.helpers import sign_in


def test_owner_sees_the_sandbox_key_unchanged(client, alice, acme):
    store = provision_sandbox_store(tenant=acme, orders=2, seed=1)
    key = store.get_api_key()
    response = sign_in(client, alice).post(reverse("sandbox-ui:key", args=[store.pk]))
    assert response.status_code == 200 and key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    store.refresh_from_db()
    assert store.get_api_key() == key  # shown, not re-minted
    assert AuditEvent.objects.filter(action="sandbox.key_shown", target_id=str(store.pk)).count() == 1


def test_operators_and_viewers_cannot_see_the_sandbox_key(client, bob, vera, acme):
    store = provision_sandbox_store(tenant=acme, orders=2, seed=1)
    for user in (bob, vera):
        page = sign_in(client, user).get(reverse("sandbox-ui:store", args=[store.pk])).content.decode()
        assert "Show API key" not in page and store.get_api_key() not in page
        assert client.post(reverse("sandbox-ui:key", args=[store.pk])).status_code == 403


def test_another_tenants_sandbox_key_is_not_found(client, charlie, acme):
    store = provision_sandbox_store(tenant=acme, orders=2, seed=1)
    assert sign_in(client, charlie).post(reverse("sandbox-ui:key", args=[store.pk])).status_code == 404


def test_refill_demo_data_asks_for_confirmation(client, bob, acme):
    store = provision_sandbox_store(tenant=acme, orders=2, seed=1)
    page = sign_in(client, bob).get(reverse("sandbox-ui:store", args=[store.pk])).content.decode()
    assert 'hx-confirm="Refill the demo data of' in page
