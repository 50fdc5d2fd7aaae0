"""The store pages: wiring, fragments, roles, CSRF and tenant isolation."""

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects, assertTemplateUsed

from kernel.errors import UpstreamUnavailable
from operations.models import Trace
from sandbox.models import SandboxStore
from sandbox.provisioning import provision_sandbox_store
from stores.models import Store
from tenants.models import AuditEvent
from tests.helpers import sign_in
from tests.stores.conftest import STORE_ENVELOPE, TEST_ENVELOPE

HTMX = {"HX-Request": "true"}
NEW_STORE = {
    "name": "Second shop",
    "orderdesk_store_id": "555",
    "api_key": "new-store-key-0042",
    "base_url": "",
    "label": "",
}


def url(name, store):
    return reverse(f"stores:{name}", kwargs={"store_id": store.pk})


# --- list -----------------------------------------------------------------------------------------------


def test_it_lists_the_tenants_stores_with_the_key_masked(client, bob, acme_store, globex_store):
    response = sign_in(client, bob).get(reverse("stores:list"))

    assertContains(response, "Acme Main")
    assertContains(response, "••••1234")
    assertContains(response, "Not tested")
    assertContains(response, reverse("stores:add"))
    assertNotContains(response, "acme-secret-key")
    assertNotContains(response, "Globex Shop")


def test_it_never_shows_another_tenants_stores(client, charlie, acme_store, globex_store):
    response = sign_in(client, charlie).get(reverse("stores:list"))

    assertContains(response, "Globex Shop")
    assertNotContains(response, "Acme Main")
    assertNotContains(response, str(acme_store.pk))


def test_it_marks_sandbox_stores(client, bob, store_factory, acme):
    store_factory(tenant=acme, name="Playground", is_sandbox=True)

    assertContains(sign_in(client, bob).get(reverse("stores:list")), "Sandbox")


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("stores:list"))

    assert response.status_code == 302 and reverse("tenants:login") in response["Location"]


# --- add ------------------------------------------------------------------------------------------------


def test_it_adds_a_store_and_redirects_to_it(client, bob):
    response = sign_in(client, bob).post(reverse("stores:add"), NEW_STORE)

    store = Store.objects.get(name="Second shop")
    assertRedirects(response, url("detail", store), fetch_redirect_response=False)
    assert store.get_api_key() == "new-store-key-0042"


def test_it_shows_errors_next_to_the_fields_in_the_form_fragment(client, bob, acme_store):
    data = NEW_STORE | {"name": "acme main", "base_url": "https://evil.example/api"}

    response = sign_in(client, bob).post(reverse("stores:add"), data, headers=HTMX)

    assertTemplateUsed(response, "store-form")
    assert b"<html" not in response.content
    assertContains(response, 'id="id_name_error"')
    assertContains(response, "already a store called")
    assert not Store.objects.filter(name__iexact="second shop").exists()


def test_it_shows_the_base_url_refusal_next_to_its_field(client, bob):
    response = sign_in(client, bob).post(
        reverse("stores:add"), NEW_STORE | {"base_url": "https://evil.example/api"}
    )

    assert response.status_code == 200
    assertContains(response, 'id="id_base_url_error"')
    assertContains(response, "OrderDesk host")
    assert not Store.objects.exists()


def test_it_redirects_htmx_with_a_client_redirect(client, bob):
    response = sign_in(client, bob).post(reverse("stores:add"), NEW_STORE, headers=HTMX)

    assert response["HX-Redirect"] == url("detail", Store.objects.get(name="Second shop"))


def test_it_never_renders_a_submitted_key_back(client, bob):
    response = sign_in(client, bob).post(reverse("stores:add"), NEW_STORE | {"orderdesk_store_id": "abc"})

    assertContains(response, 'id="id_orderdesk_store_id_error"')
    assertNotContains(response, "new-store-key-0042")


# --- detail, settings and test ---------------------------------------------------------------------------


def test_it_shows_a_store_with_its_controls_to_operators(client, bob, acme_store):
    response = sign_in(client, bob).get(url("detail", acme_store))

    assertContains(response, "Acme Main")
    assertContains(response, "••••1234")
    assertContains(response, url("edit", acme_store))
    assertContains(response, url("delete", acme_store))
    assertContains(response, "Test connection")
    assertContains(response, url("settings", acme_store))  # the settings load lazily
    assertNotContains(response, "acme-secret-key")


def test_it_shows_viewers_a_read_only_page(client, vera, acme_store):
    response = sign_in(client, vera).get(url("detail", acme_store))

    assert response.status_code == 200
    assertNotContains(response, url("edit", acme_store))
    assertNotContains(response, url("delete", acme_store))
    assertContains(response, "Test connection")  # testing is a read: the stores_test rule


def test_it_refuses_viewers_every_change(client, vera, acme_store):
    sign_in(client, vera)

    assert client.get(reverse("stores:add")).status_code == 403
    assert client.post(reverse("stores:add"), NEW_STORE).status_code == 403
    for name in ["edit", "delete"]:
        assert client.post(url(name, acme_store), {"name": "x"}).status_code == 403
    assert Store.objects.get(pk=acme_store.pk).name == "Acme Main"
    assert Store.objects.count() == 1


def test_it_lets_a_viewer_test_a_store_on_its_page_as_in_the_console(client, vera, acme_store, fake_client):
    fake_client.answers["/test"] = {"status": "success", "message": "Connection Successful"}

    response = sign_in(client, vera).post(url("test", acme_store), headers=HTMX)

    assertContains(response, "Connection Successful")
    assert Store.objects.get(pk=acme_store.pk).last_test_ok is True
    trace = Trace.objects.get()
    assert (trace.operation, trace.source, trace.actor_user) == ("stores_test", "web", vera)
    assert trace.outcome == "ok"


def test_it_loads_settings_and_folders_as_a_fragment(client, vera, acme_store, fake_client):
    fake_client.answers["/store"] = STORE_ENVELOPE

    response = sign_in(client, vera).get(url("settings", acme_store), headers=HTMX)

    assertTemplateUsed(response, "store-settings")
    assert b"<html" not in response.content
    assertContains(response, "America/Los_Angeles")
    assertContains(response, "21655")
    assertContains(response, "Prepared")
    assertNotContains(response, "should-never-leak")


def test_it_shows_the_whole_page_with_settings_without_javascript(client, vera, acme_store, fake_client):
    fake_client.answers["/store"] = STORE_ENVELOPE

    response = sign_in(client, vera).get(url("settings", acme_store))

    assertContains(response, "<html")
    assertContains(response, "Canceled")


def test_it_explains_when_the_settings_cannot_be_loaded(client, bob, acme_store, fake_client):
    fake_client.answers["/store"] = UpstreamUnavailable("OrderDesk did not answer in time")

    response = sign_in(client, bob).get(url("settings", acme_store), headers=HTMX)

    assert response.status_code == 200
    assertContains(response, "could not be loaded from OrderDesk")
    assertContains(response, "did not answer in time")


def test_it_tests_the_connection_and_swaps_the_result_in(client, bob, acme_store, fake_client):
    fake_client.answers["/test"] = TEST_ENVELOPE

    response = sign_in(client, bob).post(url("test", acme_store), headers=HTMX)

    assertTemplateUsed(response, "store-test-result")
    assert b"<html" not in response.content
    assertContains(response, "Connection Successful")
    assertContains(response, "2015-04-14 22:00:10")
    assert Store.objects.get(pk=acme_store.pk).last_test_ok is True
    assert AuditEvent.objects.filter(action="store.tested", actor_user=bob).exists()


def test_it_tests_the_connection_without_javascript_too(client, bob, acme_store, fake_client):
    fake_client.answers["/test"] = UpstreamUnavailable("ConnectError")
    sign_in(client, bob)

    response = client.post(url("test", acme_store))

    assertRedirects(response, url("detail", acme_store), fetch_redirect_response=False)
    page = client.get(url("detail", acme_store))
    assertContains(page, "could not be reached")
    assertContains(page, "Failed")


def test_it_only_tests_by_post(client, bob, acme_store, fake_client):
    response = sign_in(client, bob).get(url("test", acme_store))
    assertRedirects(response, url("detail", acme_store), fetch_redirect_response=False)
    assert fake_client.calls == []  # a GET tests nothing: it lands on the store's page


def test_it_asks_to_re_enter_an_undecryptable_key_instead_of_failing(client, bob, acme_store, fake_client):
    Store.objects.filter(pk=acme_store.pk).update(api_key_encrypted="v1:garbage")
    sign_in(client, bob)

    page = client.get(url("detail", acme_store))
    settings_fragment = client.get(url("settings", acme_store), headers=HTMX)
    tested = client.post(url("test", acme_store), headers=HTMX)

    for response in [page, settings_fragment, tested]:
        assert response.status_code == 200
        assertContains(response, "Re-enter the API key")
    assertContains(settings_fragment, "can no longer be decrypted")
    assert fake_client.calls == []


def test_it_links_a_sandbox_store_to_its_fault_settings(client, bob, store_factory, acme):
    sandbox = store_factory(tenant=acme, name="Playground", is_sandbox=True)
    fault_page = reverse("sandbox-ui:store", kwargs={"store_id": sandbox.pk})
    sign_in(client, bob)

    assertContains(client.get(url("detail", sandbox)), fault_page)
    real = store_factory(tenant=acme, name="Real")
    assertNotContains(client.get(url("detail", real)), f"/sandbox/{real.pk}/")


# --- edit -------------------------------------------------------------------------------------------------


def test_it_offers_to_keep_the_current_key(client, bob, acme_store):
    response = sign_in(client, bob).get(url("edit", acme_store))

    assertContains(response, "Leave blank to keep the current key ending in 1234")
    assertContains(response, 'value="Acme Main"')
    assertNotContains(response, "acme-secret-key")


def test_it_saves_edits_and_keeps_the_key_when_left_blank(client, bob, acme_store):
    data = {"name": "Acme Renamed", "orderdesk_store_id": "11", "api_key": "", "base_url": "", "label": "EU"}

    response = sign_in(client, bob).post(url("edit", acme_store), data)

    assertRedirects(response, url("detail", acme_store), fetch_redirect_response=False)
    stored = Store.objects.get(pk=acme_store.pk)
    assert (stored.name, stored.label, stored.get_api_key()) == ("Acme Renamed", "EU", "acme-secret-key-1234")


def test_it_replaces_the_key_from_the_edit_form(client, bob, acme_store):
    data = {"name": "Acme Main", "orderdesk_store_id": "11", "api_key": "replacement-key-7777"}

    response = sign_in(client, bob).post(url("edit", acme_store), data, headers=HTMX)

    assert response["HX-Redirect"] == url("detail", acme_store)
    assert Store.objects.get(pk=acme_store.pk).get_api_key() == "replacement-key-7777"


def test_it_shows_edit_errors_in_the_form_fragment(client, bob, acme_store):
    data = {"name": "", "orderdesk_store_id": "11", "api_key": "short"}

    response = sign_in(client, bob).post(url("edit", acme_store), data, headers=HTMX)

    assertTemplateUsed(response, "store-form")
    assertContains(response, 'id="id_name_error"')
    assertContains(response, 'id="id_api_key_error"')
    assert Store.objects.get(pk=acme_store.pk).get_api_key() == "acme-secret-key-1234"


# --- delete -----------------------------------------------------------------------------------------------


def test_it_asks_before_deleting(client, bob, acme_store):
    sign_in(client, bob)

    page = client.get(url("delete", acme_store))
    fragment = client.get(url("delete", acme_store), headers=HTMX)

    assertContains(page, "Delete store")
    assertTemplateUsed(fragment, "store-delete-confirm")
    assert b"<html" not in fragment.content
    assert Store.objects.filter(pk=acme_store.pk).exists()


def test_it_warns_that_deleting_a_sandbox_store_deletes_its_demo_data(client, bob, acme):
    sandbox = provision_sandbox_store(tenant=acme, orders=1, seed=1)
    sign_in(client, bob)

    page = client.get(url("delete", sandbox))

    assertNotContains(page, "Nothing in OrderDesk itself is deleted")
    assertContains(page, "its demo orders, inventory and credentials in the")
    client.post(url("delete", sandbox))
    assert not SandboxStore.objects.filter(orderdesk_store_id=sandbox.orderdesk_store_id).exists()


def test_it_deletes_after_confirmation(client, bob, acme_store):
    response = sign_in(client, bob).post(url("delete", acme_store))

    assertRedirects(response, reverse("stores:list"), fetch_redirect_response=False)
    assert not Store.objects.filter(pk=acme_store.pk).exists()


def test_it_deletes_with_an_htmx_client_redirect(client, bob, acme_store):
    response = sign_in(client, bob).post(url("delete", acme_store), headers=HTMX)

    assert response["HX-Redirect"] == reverse("stores:list")
    assert not Store.objects.filter(pk=acme_store.pk).exists()


# --- tenant isolation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "headers"),
    [
        ("get", "detail", {}),
        ("get", "detail", HTMX),
        ("get", "settings", {}),
        ("get", "settings", HTMX),
        ("get", "edit", {}),
        ("get", "edit", HTMX),
        ("post", "edit", HTMX),
        ("get", "delete", {}),
        ("get", "delete", HTMX),
        ("post", "delete", {}),
        ("post", "test", {}),
        ("post", "test", HTMX),
    ],
)
def test_it_answers_404_for_another_tenants_store(
    client, charlie, acme_store, fake_client, method, name, headers
):
    fake_client.answers["/store"] = STORE_ENVELOPE
    fake_client.answers["/test"] = TEST_ENVELOPE
    sign_in(client, charlie)

    response = getattr(client, method)(
        url(name, acme_store), {"name": "Stolen", "orderdesk_store_id": "1"}, headers=headers
    )

    assert response.status_code == 404
    assert fake_client.calls == []
    stored = Store.objects.get(pk=acme_store.pk)
    assert (stored.name, stored.last_test_at) == ("Acme Main", None)


def test_it_answers_404_for_an_unknown_store(client, bob):
    response = sign_in(client, bob).get(
        reverse("stores:detail", kwargs={"store_id": "00000000-0000-0000-0000-000000000000"})
    )

    assert response.status_code == 404


# --- CSRF -------------------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(csrf_client, bob):
    """Bob signed in on a client that checks CSRF, holding the cookie a page would set."""
    sign_in(csrf_client, bob)
    csrf_client.get(reverse("stores:add"))
    return csrf_client


def _token(client):
    return client.cookies["csrftoken"].value


def test_it_refuses_posts_without_a_csrf_token(csrf_client, acme_store, fake_client):
    fake_client.answers["/test"] = TEST_ENVELOPE

    assert csrf_client.post(reverse("stores:add"), NEW_STORE).status_code == 403
    assert csrf_client.post(url("edit", acme_store), NEW_STORE).status_code == 403
    assert csrf_client.post(url("test", acme_store)).status_code == 403
    assert csrf_client.post(url("delete", acme_store)).status_code == 403
    assert Store.objects.count() == 1 and fake_client.calls == []


def test_it_accepts_the_htmx_csrf_header(csrf_client, acme_store, fake_client):
    fake_client.answers["/test"] = TEST_ENVELOPE
    headers = HTMX | {"X-CSRFToken": _token(csrf_client)}

    assert csrf_client.post(reverse("stores:add"), NEW_STORE, headers=headers).status_code == 200
    edit = NEW_STORE | {"name": "Edited", "api_key": ""}
    assert csrf_client.post(url("edit", acme_store), edit, headers=headers).status_code == 200
    assert csrf_client.post(url("test", acme_store), headers=headers).status_code == 200
    assert csrf_client.post(url("delete", acme_store), headers=headers).status_code == 200
    assert list(Store.objects.values_list("name", flat=True)) == ["Second shop"]


def test_it_accepts_the_form_csrf_token(csrf_client):
    response = csrf_client.post(
        reverse("stores:add"), NEW_STORE | {"csrfmiddlewaretoken": _token(csrf_client)}
    )

    assert response.status_code == 302


def test_it_serves_the_async_views_through_the_asgi_handler(async_client, bob, acme_store, fake_client):
    fake_client.answers["/test"] = TEST_ENVELOPE
    fake_client.answers["/store"] = STORE_ENVELOPE
    sign_in(async_client, bob)

    tested = async_to_sync(async_client.post)(url("test", acme_store), headers=HTMX)
    tested_plain = async_to_sync(async_client.post)(url("test", acme_store))
    settings_page = async_to_sync(async_client.get)(url("settings", acme_store))

    assertContains(tested, "Connection Successful")
    assert tested_plain.status_code == 302
    assertContains(settings_page, "Prepared")
    assertContains(settings_page, "bob@acme.test")  # the page chrome renders in an async view too


def test_it_requires_a_new_key_when_the_stored_one_cannot_be_decrypted(client, bob, acme_store):
    Store.objects.filter(pk=acme_store.pk).update(api_key_encrypted="v1:garbage")
    sign_in(client, bob)
    data = {"name": "Acme Main", "orderdesk_store_id": "11", "api_key": ""}

    assertContains(client.get(url("edit", acme_store)), "enter the store&#x27;s API key again")
    assertContains(client.post(url("edit", acme_store), data), 'id="id_api_key_error"')
    client.post(url("edit", acme_store), data | {"api_key": "fresh-key-2468"})

    assert Store.objects.get(pk=acme_store.pk).get_api_key() == "fresh-key-2468"
