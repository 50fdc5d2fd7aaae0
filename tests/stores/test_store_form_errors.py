"""The store form reports every wrong field at once, and says when the typed API key must be re-entered."""

from django.urls import reverse

from tests.helpers import sign_in


def test_store_form_reports_every_wrong_field_at_once(client, bob, acme_store):
    data = {
        "name": acme_store.name.upper(),  # taken (names are unique ignoring case)
        "orderdesk_store_id": "12a",
        "api_key": "a-valid-looking-api-key-0123456789",
        "base_url": "http://169.254.169.254/latest",
    }
    body = sign_in(client, bob).post(reverse("stores:add"), data).content.decode()
    assert "there is already a store called" in body
    assert "Digits only" in body or "digits only" in body
    assert 'id="id_base_url_error"' in body
    assert "a-valid-looking-api-key-0123456789" not in body
    assert "Type the API key again" in body


def test_no_reentry_note_when_the_key_itself_was_wrong(client, bob):
    data = {"name": "New", "orderdesk_store_id": "12", "api_key": "short"}
    body = sign_in(client, bob).post(reverse("stores:add"), data).content.decode()
    assert "Type the API key again" not in body and 'id="id_api_key_error"' in body


def test_edit_form_keeps_the_stores_own_name(client, bob, acme_store):
    data = {"name": acme_store.name, "orderdesk_store_id": "99", "base_url": "", "label": ""}
    response = sign_in(client, bob).post(reverse("stores:edit", args=[acme_store.pk]), data)
    assert response.status_code == 302
    acme_store.refresh_from_db()
    assert acme_store.orderdesk_store_id == "99"
