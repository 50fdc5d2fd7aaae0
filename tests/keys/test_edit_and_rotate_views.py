"""/keys/<id>/edit/ and /keys/<id>/rotate/: owners change a key's settings or replace its secret."""

import logging

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from api_keys import core
from api_keys.models import ApiKey
from tests.helpers import sign_in


@pytest.fixture
def owner(client, alice):
    return sign_in(client, alice)


def settings_form(**overrides):
    return {"name": "Claude", "scope": "read", "store_access": "all"} | overrides


def test_it_shows_the_edit_form_filled_in(owner, alice, create_key):
    key, _ = create_key(alice, name="Nightly export", scope="read_write", calls_per_minute=42)
    response = owner.get(reverse("keys:edit", args=[key.pk]))
    assertContains(response, "Edit “Nightly export”")
    assertContains(response, 'value="Nightly export"')
    assertContains(response, 'value="42"')
    assert response.context["form"].initial["scope"] == "read_write"


def test_it_saves_an_edit_and_says_when_it_counts(owner, alice, create_key):
    key, raw = create_key(alice, scope="read_write")
    response = owner.post(
        reverse("keys:edit", args=[key.pk]), settings_form(name="Read only now", scope="read"), follow=True
    )
    assertContains(response, "The change counts from its next call")
    key.refresh_from_db()
    assert (key.name, key.scope) == ("Read only now", "read")
    assert core.authenticate(raw) is not None


def test_it_shows_edit_errors_next_to_their_fields(owner, alice, create_key):
    key, _ = create_key(alice)
    response = owner.post(reverse("keys:edit", args=[key.pk]), settings_form(name="", calls_per_minute="0"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "calls_per_minute"}
    assert ApiKey.objects.get().name == "agent"


@pytest.mark.parametrize("url", ["keys:edit", "keys:rotate"])
def test_another_tenants_key_is_404(client, charlie, alice, create_key, url):
    key, _ = create_key(alice)
    sign_in(client, charlie)
    assert client.get(reverse(url, args=[key.pk])).status_code == 404
    assert client.post(reverse(url, args=[key.pk]), settings_form() | {"grace": "0"}).status_code == 404
    assert ApiKey.objects.get().name == "agent" and ApiKey.objects.count() == 1


@pytest.mark.parametrize("url", ["keys:edit", "keys:rotate"])
def test_operators_are_refused(client, bob, alice, create_key, url):
    key, _ = create_key(alice)
    sign_in(client, bob)
    assert client.post(reverse(url, args=[key.pk]), settings_form() | {"grace": "0"}).status_code == 403


def test_it_asks_how_long_the_old_key_should_keep_working(owner, alice, create_key):
    key, _ = create_key(alice, name="Support laptop")
    response = owner.get(reverse("keys:rotate", args=[key.pk]))
    assertContains(response, "Rotate “Support laptop”")
    for label in ("At once", "In 1 hour", "In 24 hours"):
        assertContains(response, label)


def test_rotation_shows_the_new_key_once_like_a_creation(owner, alice, create_key, caplog):
    key, old_raw = create_key(alice)
    with caplog.at_level(logging.DEBUG):
        response = owner.post(reverse("keys:rotate", args=[key.pk]), {"grace": "0"})
    assert response.status_code == 200
    raw = response.context["raw_key"]
    new = ApiKey.objects.exclude(pk=key.pk).get()
    assert raw.startswith(f"odk_{new.pk}_")
    assert "no-store" in response["Cache-Control"]
    assertContains(response, "Key “agent” rotated")
    assertContains(response, "no longer works")
    assertContains(response, 'hx-history="false"')
    assert core.parse(raw)[1] not in caplog.text
    assert core.authenticate(old_raw) is None and core.authenticate(raw) is not None
    later = owner.get(reverse("keys:list"))
    assertNotContains(later, core.parse(raw)[1])
    assertContains(later, f"replaced by <code>{new.prefix}…</code>", html=False)


def test_rotation_with_a_grace_period_says_until_when_the_old_key_works(owner, alice, create_key):
    key, old_raw = create_key(alice)
    response = owner.post(
        reverse("keys:rotate", args=[key.pk]), {"grace": "24h"}, headers={"HX-Request": "true"}
    )
    assertContains(response, "move your agents to the new key before then")
    assert core.authenticate(old_raw) is not None
    assert 'id="key-table"' in response.content.decode()  # the list swapped in beside the new key


def test_the_list_offers_edit_and_rotate_for_active_keys_only(owner, alice, acme, create_key):
    active, _ = create_key(alice, name="active")
    revoked, _ = create_key(alice, name="revoked")
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=revoked.created_at)
    content = owner.get(reverse("keys:list")).content.decode()
    assert reverse("keys:edit", args=[active.pk]) in content
    assert reverse("keys:rotate", args=[active.pk]) in content
    assert reverse("keys:edit", args=[revoked.pk]) not in content
    assert reverse("keys:rotate", args=[revoked.pk]) not in content
