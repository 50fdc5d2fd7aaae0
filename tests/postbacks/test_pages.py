"""The post-back URL on the store page, its regeneration, and the sandbox's post-back settings."""

from django.urls import reverse

from sandbox.models import SandboxStore
from sandbox.provisioning import provision_sandbox_store
from tenants.models import AuditEvent
from tests.helpers import sign_in


def test_the_store_page_shows_managers_the_postback_url_with_setup_steps(client, alice, acme_store):
    page = sign_in(client, alice).get(reverse("stores:detail", args=[acme_store.pk])).content.decode()
    assert f"/webhooks/orderdesk/{acme_store.postback_token}/" in page
    assert "Post Order JSON" in page


def test_viewers_do_not_see_the_postback_url(client, vera, acme_store):
    page = sign_in(client, vera).get(reverse("stores:detail", args=[acme_store.pk])).content.decode()
    assert acme_store.postback_token not in page


def test_an_operator_can_make_a_new_url_and_the_old_one_stops_working(client, bob, acme_store):
    old = acme_store.postback_token
    sign_in(client, bob).post(reverse("stores:postback-regenerate", args=[acme_store.pk]))
    acme_store.refresh_from_db()
    assert acme_store.postback_token != old
    assert client.post(f"/webhooks/orderdesk/{old}/", {"order": "{}"}).status_code == 404
    assert AuditEvent.objects.filter(action="postback.token_regenerated").count() == 1


def test_a_viewer_cannot_make_a_new_url(client, vera, acme_store):
    old = acme_store.postback_token
    sign_in(client, vera).post(reverse("stores:postback-regenerate", args=[acme_store.pk]))
    acme_store.refresh_from_db()
    assert acme_store.postback_token == old


def test_another_tenant_cannot_make_a_new_url(client, charlie, acme_store):
    old = acme_store.postback_token
    response = sign_in(client, charlie).post(reverse("stores:postback-regenerate", args=[acme_store.pk]))
    acme_store.refresh_from_db()
    assert acme_store.postback_token == old and response.status_code == 404


def test_the_sandbox_page_switches_postbacks_on_and_refuses_outside_urls(client, alice, acme, settings):
    store = provision_sandbox_store(tenant=acme, orders=2, seed=1)
    url = reverse("sandbox-ui:postbacks", args=[store.pk])
    sign_in(client, alice)
    response = client.post(url, {"enabled": "on", "url": "http://169.254.169.254/"})
    assert response.status_code == 200 and "post-back URLs" in response.content.decode()
    assert not SandboxStore.objects.get(store=store).postback_enabled
    client.post(url, {"enabled": "on", "url": ""})
    assert SandboxStore.objects.get(store=store).postback_enabled


def test_a_postback_trace_shows_in_the_trace_list_detail_and_dashboard(client, alice, acme_store):
    from django.core.cache import cache

    from operations.models import Trace
    from tests.postbacks.helpers import delivery, order

    cache.clear()
    assert client.post(**delivery(acme_store, order("8123"))).status_code == 200
    trace = Trace.objects.get(order_id="8123")
    sign_in(client, alice)
    assert str(trace.pk) in client.get(reverse("mcp_bridge:trace-list")).content.decode()
    assert client.get(reverse("mcp_bridge:trace-detail", args=[trace.pk])).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200
