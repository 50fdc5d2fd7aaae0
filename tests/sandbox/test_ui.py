"""The sandbox settings pages: tenant scoping, roles, CSRF, audit."""

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects, assertTemplateUsed

from sandbox.models import SandboxOrder, SandboxStore
from sandbox.provisioning import provision_sandbox_store
from stores.cache import cached
from tenants.audit import Action
from tenants.models import AuditEvent
from tests.helpers import sign_in

FAULTS = {
    "latency_ms": "150",
    "share_429": "0",
    "share_500": "0.1",
    "share_503": "0.2",
    "share_timeout": "0",
    "timeout_seconds": "20",
    "script": "503, 503, ok",
    "seed": "",
    "rate_limit_enabled": "on",
    "bucket_capacity": "20",
    "bucket_refill_rate": "3",
}


@pytest.fixture
def sandbox_store(acme):
    return provision_sandbox_store(tenant=acme, orders=3, seed=1)


def _urls(store) -> dict[str, str]:
    return {
        name: reverse(f"sandbox-ui:{name}", kwargs={"store_id": store.pk})
        for name in ("store", "faults", "seed")
    }


def test_it_lists_the_tenants_sandbox_stores(client, alice, sandbox_store):
    response = sign_in(client, alice).get(reverse("sandbox-ui:index"))

    assertContains(response, sandbox_store.name)
    assertContains(response, sandbox_store.orderdesk_store_id)
    assertTemplateUsed(response, "sandbox/sandbox_list.html")


def test_it_shows_the_store_id_and_base_url_but_never_the_key(client, bob, sandbox_store, settings):
    response = sign_in(client, bob).get(_urls(sandbox_store)["store"])

    assertContains(response, sandbox_store.orderdesk_store_id)
    assertContains(response, settings.SANDBOX_BASE_URL)
    assertNotContains(response, sandbox_store.get_api_key())
    assertContains(response, "Save fault settings")


def test_it_hides_another_tenants_sandbox(client, charlie, sandbox_store):
    sign_in(client, charlie)
    provision_sandbox_store(tenant=charlie.memberships.get().tenant, orders=1, seed=2)
    urls = _urls(sandbox_store)

    assert client.get(urls["store"]).status_code == 404
    assert client.post(urls["faults"], FAULTS).status_code == 404
    assert client.post(urls["seed"], {"orders": "5"}).status_code == 404
    assertNotContains(client.get(reverse("sandbox-ui:index")), sandbox_store.orderdesk_store_id)
    assert SandboxStore.objects.get(store=sandbox_store).fault_script == []


def test_it_answers_404_for_a_store_that_is_not_a_sandbox(client, alice, acme):
    from stores.models import Store

    real = Store(tenant=acme, name="Real", orderdesk_store_id="11")
    real.set_api_key("key")
    real.save()

    assert (
        sign_in(client, alice).get(reverse("sandbox-ui:store", kwargs={"store_id": real.pk})).status_code
        == 404
    )


def test_it_shows_viewers_the_settings_read_only(client, vera, sandbox_store):
    sign_in(client, vera)
    urls = _urls(sandbox_store)

    page = client.get(urls["store"])
    assert page.status_code == 200
    assertNotContains(page, "Save fault settings")
    assertContains(page, "<fieldset disabled>", html=False)
    assert client.post(urls["faults"], FAULTS).status_code == 403
    assert client.post(urls["seed"], {"orders": "5"}).status_code == 403
    assert SandboxStore.objects.get(store=sandbox_store).fault_script == []


def test_it_lets_operators_change_faults_and_audits_it(client, bob, sandbox_store):
    response = sign_in(client, bob).post(_urls(sandbox_store)["faults"], FAULTS)

    assertRedirects(response, _urls(sandbox_store)["store"])
    sandbox = SandboxStore.objects.get(store=sandbox_store)
    assert sandbox.fault_script == ["503", "503", "ok"]
    assert (sandbox.fault_latency_ms, sandbox.fault_share_500, sandbox.fault_share_503) == (150, 0.1, 0.2)
    event = AuditEvent.objects.get(action=Action.SANDBOX_FAULTS)
    assert event.actor_user == bob and event.target_id == str(sandbox_store.pk)
    assert event.detail["changed"]["script"] == ["503", "503", "ok"]


def test_it_renders_only_the_faults_panel_for_htmx(client, bob, sandbox_store):
    response = sign_in(client, bob).post(
        _urls(sandbox_store)["faults"], FAULTS, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assertTemplateUsed(response, "sandbox-faults")
    assert b"<html" not in response.content
    assertContains(response, "Fault settings saved.")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"share_500": "0.7", "share_503": "0.6"}, "add up to more than 1"),
        ({"script": "503, explode"}, "Unknown steps: explode"),
        ({"share_429": "1.5"}, "less than or equal to 1"),
    ],
)
def test_it_shows_invalid_fault_settings_next_to_the_form(client, bob, sandbox_store, changes, message):
    response = sign_in(client, bob).post(_urls(sandbox_store)["faults"], {**FAULTS, **changes})

    assert response.status_code == 200
    assertContains(response, message)
    assert SandboxStore.objects.get(store=sandbox_store).fault_script == []
    assert not AuditEvent.objects.filter(action=Action.SANDBOX_FAULTS).exists()


def test_it_lets_owners_refill_demo_data_and_audits_it(client, alice, sandbox_store):
    response = sign_in(client, alice).post(_urls(sandbox_store)["seed"], {"orders": "7", "seed": "42"})

    assertRedirects(response, _urls(sandbox_store)["store"])
    assert SandboxOrder.objects.filter(store__store=sandbox_store).count() == 7
    assert SandboxStore.objects.get(store=sandbox_store).seed == 42
    event = AuditEvent.objects.get(action=Action.SANDBOX_SEEDED)
    assert event.detail == {"orders": 7, "seed": 42} and event.source == "web"


def test_it_drops_the_apps_cached_reads_of_a_refilled_store(
    client, alice, sandbox_store, django_capture_on_commit_callbacks
):
    fetched = {"store": 0, "orders": 0, "inventory": 0}

    def read(resource):
        async def fetch():
            fetched[resource] += 1
            return fetched[resource]

        where = {"tenant_id": sandbox_store.tenant_id, "store_id": sandbox_store.pk}
        return async_to_sync(cached)(**where, resource=resource, args={}, ttl=300, fetch=fetch)

    before = [read(resource) for resource in fetched]
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(client, alice).post(_urls(sandbox_store)["seed"], {"orders": "4", "seed": "77"})
    after = [read(resource) for resource in fetched]

    # Folders get new ids with a new seed: a cached folder map would send moves to folders that are gone.
    assert (
        response.status_code == 302 and SandboxOrder.objects.filter(store__store=sandbox_store).count() == 4
    )
    assert before == [1, 1, 1] and after == [2, 2, 2]


def test_it_renders_only_the_seed_panel_for_htmx(client, alice, sandbox_store):
    response = sign_in(client, alice).post(
        _urls(sandbox_store)["seed"], {"orders": "4"}, headers={"HX-Request": "true"}
    )

    assertTemplateUsed(response, "sandbox-seed")
    assertContains(response, "4 orders")


def test_it_requires_a_csrf_token(alice, sandbox_store, csrf_client):
    strict = sign_in(csrf_client, alice)
    urls = _urls(sandbox_store)

    assert strict.post(urls["faults"], FAULTS).status_code == 403
    assert strict.post(urls["seed"], {"orders": "5"}).status_code == 403
    assert SandboxStore.objects.get(store=sandbox_store).fault_script == []

    token = strict.get(urls["store"]).context["csrf_token"]
    assert strict.post(urls["faults"], FAULTS, headers={"X-CSRFToken": str(token)}).status_code == 302


def test_it_sends_anonymous_visitors_to_sign_in(client, sandbox_store):
    response = client.get(_urls(sandbox_store)["store"])

    assert response.status_code == 302
    assert reverse("tenants:login") in response["Location"]
