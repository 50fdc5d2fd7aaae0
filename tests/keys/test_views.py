import datetime as dt

import pytest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from api_keys import core
from api_keys.models import ApiKey
from tests.helpers import sign_in

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(client, alice):
    return sign_in(client, alice)


def form_data(**overrides):
    return {"name": "Claude", "scope": "read", "store_access": "all"} | overrides


def test_it_shows_the_page_to_owners(owner, alice, create_key):
    key, raw = create_key(alice, name="Nightly export")
    response = owner.get(reverse("keys:list"))
    assertContains(response, "Create a key")
    assertContains(response, "Nightly export")
    assertContains(response, key.prefix)
    assertNotContains(response, core.parse(raw)[1])


@pytest.mark.parametrize("persona", ["bob", "vera"])
def test_it_refuses_non_owners(client, persona, request):
    sign_in(client, request.getfixturevalue(persona))
    assert client.get(reverse("keys:list")).status_code == 403
    assert client.post(reverse("keys:create"), form_data()).status_code == 403
    assert not ApiKey.objects.exists()


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("keys:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("tenants:login"))


def test_it_creates_a_key_and_shows_it_once(owner, settings):
    settings.SITE_URL = "https://admin.example.com"
    response = owner.post(reverse("keys:create"), form_data(name="Claude desktop"))
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Claude desktop")
    raw = response.context["raw_key"]
    assert raw.startswith(f"odk_{key.pk}_")
    assert "no-store" in response["Cache-Control"]
    content = response.content.decode()
    assert content.count(raw) >= 5  # the key itself and each client configuration
    url = "https://admin.example.com/mcp"
    assert f"npx @modelcontextprotocol/inspector --cli {url} --transport http" in content
    assert f"claude mcp add --transport http orderdesk {url}" in content
    assert "mcp-remote" in content and "ORDERDESK_AUTH" in content
    assert "&quot;type&quot;: &quot;http&quot;" in content
    assert 'hx-history="false"' in content
    assert core.authenticate(raw) is not None
    later = owner.get(reverse("keys:list"))
    assertContains(later, "Claude desktop")
    assertNotContains(later, core.parse(raw)[1])


def test_it_keeps_the_key_out_of_the_session_and_messages(owner):
    response = owner.post(reverse("keys:create"), form_data())
    secret = core.parse(response.context["raw_key"])[1]
    assert secret not in str(dict(owner.session.items()))
    assert secret not in response.get("Location", "")
    assert not list(response.context["messages"])


def test_it_renders_the_created_panel_and_the_table_for_htmx(owner):
    response = owner.post(reverse("keys:create"), form_data(name="Swapped"), headers=HTMX)
    assertTemplateUsed(response, "key-created")
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="key-panel"' in content
    assert 'id="key-table" class="table-wrap" hx-swap-oob="true"' in content
    assert "Swapped" in content


def test_it_shows_errors_next_to_their_fields(owner):
    response = owner.post(
        reverse("keys:create"),
        form_data(name="", calls_per_minute="0", expires_at=str(timezone.now().date())),
        headers=HTMX,
    )
    assertTemplateUsed(response, "key-form")
    form = response.context["form"]
    assert set(form.errors) == {"name", "calls_per_minute", "expires_at"}
    assertContains(response, 'class="errorlist"')
    assert "<html" not in response.content.decode()
    assert not ApiKey.objects.exists()


def test_it_shows_errors_in_the_full_page_without_javascript(owner):
    response = owner.post(reverse("keys:create"), form_data(scope="everything"))
    assertContains(response, "<html")
    assert "scope" in response.context["form"].errors


def test_it_limits_a_key_to_chosen_stores(owner, acme, store_factory):
    store, _other = store_factory(tenant=acme, name="Main"), store_factory(tenant=acme)
    tomorrow = timezone.now().date() + dt.timedelta(days=1)
    owner.post(
        reverse("keys:create"),
        form_data(
            store_access="some",
            store_ids=[str(store.pk)],
            toolsets=["orders", "shipments"],
            expires_at=str(tomorrow),
            calls_per_minute="60",
            stores_admin="on",
            scope="read_write",
        ),
    )
    key = ApiKey.objects.get()
    assert not key.all_stores and list(key.stores.all()) == [store]
    assert key.toolsets == ["orders", "shipments"]
    assert key.expires_at == dt.datetime.combine(tomorrow, dt.time.min, tzinfo=dt.UTC)
    assert key.calls_per_minute == 60 and key.stores_admin and key.scope == "read_write"


def test_it_creates_a_key_with_structured_output_and_lists_it(owner):
    page = owner.get(reverse("keys:list"))
    assertContains(page, 'name="output_schema"')
    assertContains(page, "Send MCP outputSchema and structuredContent")
    owner.post(reverse("keys:create"), form_data(output_schema="on"))
    assert ApiKey.objects.get().output_schema
    assertContains(owner.get(reverse("keys:list")), "structured output</span>")


def test_it_leaves_structured_output_off_by_default(owner):
    owner.post(reverse("keys:create"), form_data())
    assert not ApiKey.objects.get().output_schema
    assertNotContains(owner.get(reverse("keys:list")), "structured output</span>")


def test_it_requires_a_store_when_limiting_stores(owner):
    response = owner.post(reverse("keys:create"), form_data(store_access="some"))
    assert "store_ids" in response.context["form"].errors


def test_it_rejects_another_tenants_store(owner, globex, store_factory):
    foreign = store_factory(tenant=globex)
    response = owner.post(reverse("keys:create"), form_data(store_access="some", store_ids=[str(foreign.pk)]))
    assert "store_ids" in response.context["form"].errors
    assert not ApiKey.objects.exists()
    assertNotContains(response, foreign.name)


def test_it_asks_before_revoking(owner, alice, create_key):
    key, _ = create_key(alice)
    response = owner.get(reverse("keys:revoke", args=[key.pk]), headers=HTMX)
    assertTemplateUsed(response, "key-revoke-confirm")
    assertContains(response, "cannot be undone")
    key.refresh_from_db()
    assert key.revoked_at is None
    full_page = owner.get(reverse("keys:revoke", args=[key.pk]))
    assertContains(full_page, "<html")
    assertContains(full_page, "cannot be undone")


def test_it_revokes_and_swaps_the_row(owner, alice, create_key):
    key, raw = create_key(alice)
    assert core.authenticate(raw) is not None
    response = owner.post(reverse("keys:revoke", args=[key.pk]), headers=HTMX)
    assertTemplateUsed(response, "key-row")
    assertContains(response, f'id="key-{key.pk}"')
    assertContains(response, "revoked")
    assert core.authenticate(raw) is None


def test_it_redirects_after_revoking_without_javascript(owner, alice, create_key):
    key, _ = create_key(alice)
    response = owner.post(reverse("keys:revoke", args=[key.pk]))
    assert response.status_code == 302 and response.url == reverse("keys:list")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_it_renders_one_row_for_cancel(owner, alice, create_key):
    key, _ = create_key(alice, name="Keep me")
    response = owner.get(reverse("keys:row", args=[key.pk]), headers=HTMX)
    assertTemplateUsed(response, "key-row")
    assertContains(response, "Keep me")


def test_it_hides_acmes_keys_from_charlie(client, alice, charlie, create_key):
    key, raw = create_key(alice, name="Acme agent")
    sign_in(client, charlie)
    assertNotContains(client.get(reverse("keys:list")), "Acme agent")
    assert client.get(reverse("keys:revoke", args=[key.pk])).status_code == 404
    assert client.get(reverse("keys:revoke", args=[key.pk]), headers=HTMX).status_code == 404
    assert client.post(reverse("keys:revoke", args=[key.pk]), headers=HTMX).status_code == 404
    assert client.get(reverse("keys:row", args=[key.pk]), headers=HTMX).status_code == 404
    assert core.authenticate(raw) is not None


def csrf_token(client) -> str:
    """The token the keys page hands the signed-in client."""
    return get_token(client.get(reverse("keys:list")).wsgi_request)


def test_it_enforces_csrf_on_create(alice, csrf_client):
    client = sign_in(csrf_client, alice)
    token = csrf_token(client)
    assert client.post(reverse("keys:create"), form_data()).status_code == 403
    assert not ApiKey.objects.exists()
    response = client.post(reverse("keys:create"), form_data(), headers=HTMX | {"X-CSRFToken": token})
    assert response.status_code == 200 and ApiKey.objects.count() == 1


def test_it_enforces_csrf_on_revoke(alice, create_key, csrf_client):
    key, _ = create_key(alice)
    client = sign_in(csrf_client, alice)
    token = csrf_token(client)
    assert client.post(reverse("keys:revoke", args=[key.pk]), headers=HTMX).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None
    response = client.post(reverse("keys:revoke", args=[key.pk]), headers=HTMX | {"X-CSRFToken": token})
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None
