"""Connected apps on /keys/: listed with what they were granted, revocable by the team's owners only."""

from __future__ import annotations

import pytest
from django.test import Client

from api_keys.models import ApiKey, ApiKeyKind
from oauth import verify
from tests.oauth.helpers import Authorization, approve, exchange

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(browser, oauth_client, acme, acme_store):
    auth = Authorization(oauth_client["client_id"])
    code = approve(browser, auth, acme.pk, scope="read_write", stores=[acme_store.pk], toolsets=["orders"])
    tokens = exchange(Client(), auth, code).json()
    return ApiKey.objects.get(kind=ApiKeyKind.OAUTH), tokens


def test_it_lists_connected_apps_apart_from_keys(browser, connected):
    app, _tokens = connected
    page = browser.get("/keys/").content.decode()
    section = page[page.index('id="app-table"') :]
    assert f'id="app-{app.pk}"' in section and "Test agent" in section and "Acme Main" in section
    assert "read_write" in section and "orders" in section and "alice@acme.test" in section
    keys_table = page[page.index('id="key-table"') : page.index('id="app-table"')]
    assert f"key-{app.pk}" not in keys_table  # a connected app is not an API key


def test_revoking_on_the_keys_page_ends_its_tokens(browser, connected):
    app, tokens = connected
    response = browser.post(f"/keys/apps/{app.pk}/revoke/")
    assert response.status_code == 302
    assert verify.authenticate(tokens["access_token"]).actor is None
    refreshed = Client().post(
        "/oauth/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app.oauth_client.client_id,
        },
    )
    assert refreshed.status_code == 400
    assert f'id="app-{app.pk}"' not in browser.get("/keys/").content.decode()


def test_another_teams_owner_gets_a_404(connected, charlie):
    app, tokens = connected
    other = Client()
    other.force_login(charlie)
    assert other.post(f"/keys/apps/{app.pk}/revoke/").status_code == 404
    assert verify.authenticate(tokens["access_token"]).actor is not None


def test_an_operator_cannot_revoke(connected, bob):
    app, _tokens = connected
    operator = Client()
    operator.force_login(bob)
    assert operator.post(f"/keys/apps/{app.pk}/revoke/").status_code == 403


def test_the_api_key_views_do_not_touch_a_connected_app(browser, connected):
    app, tokens = connected
    assert browser.post(f"/keys/{app.pk}/revoke/").status_code == 404
    assert browser.get(f"/keys/{app.pk}/edit/").status_code == 404
    assert verify.authenticate(tokens["access_token"]).actor is not None
