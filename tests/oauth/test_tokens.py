"""The authorization code flow through the consent page, and what the tokens may and may not do."""

from __future__ import annotations

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from api_keys.models import ApiKey, ApiKeyKind, OAuthTokenBinding
from oauth import verify
from tenants.models import AuditEvent
from tests.oauth.helpers import Authorization, approve, exchange, refresh

pytestmark = pytest.mark.django_db


def test_it_issues_tokens_that_act_as_the_connected_app(browser, oauth_client, acme, acme_store):
    auth = Authorization(oauth_client["client_id"])
    code = approve(browser, auth, acme.pk, scope="read", stores=[acme_store.pk], toolsets=["orders"])
    response = exchange(Client(), auth, code)
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["scope"] == "read"
    verdict = verify.authenticate(tokens["access_token"])
    actor = verdict.actor
    assert actor is not None and actor.tenant == acme
    assert actor.allowed_store_ids == frozenset({acme_store.pk})
    assert actor.toolsets == frozenset({"orders"})
    assert {p.value for p in actor.permissions} == {"read"}
    app = ApiKey.objects.get(kind=ApiKeyKind.OAUTH)
    assert actor.api_key.pk == app.pk and app.name == "Test agent"


def test_no_token_is_stored_in_clear(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    tokens = exchange(Client(), auth, approve(browser, auth, acme.pk)).json()
    stored = [
        *AccessToken.objects.values_list("token", flat=True),
        *RefreshToken.objects.values_list("token", flat=True),
    ]
    assert stored and all(value == "" for value in stored)
    checksums = set(OAuthTokenBinding.objects.values_list("checksum", flat=True))
    assert tokens["access_token"] not in checksums and tokens["refresh_token"] not in checksums


def test_a_refresh_rotates_both_tokens_and_the_old_refresh_token_is_refused(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    first = exchange(Client(), auth, approve(browser, auth, acme.pk)).json()
    second = refresh(Client(), auth.client_id, first["refresh_token"])
    assert second.status_code == 200, second.content
    renewed = second.json()
    assert renewed["access_token"] != first["access_token"]
    assert renewed["refresh_token"] != first["refresh_token"]
    assert verify.authenticate(first["access_token"]).actor is None
    assert verify.authenticate(renewed["access_token"]).actor is not None
    replay = refresh(Client(), auth.client_id, first["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # A replayed refresh token may be a stolen one: its whole family ends.
    assert verify.authenticate(renewed["access_token"]).actor is None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"oauth.granted", "oauth.token_issued", "oauth.token_refreshed", "oauth.token_refused"} <= actions


def test_refreshing_does_not_pile_up_bindings_of_tokens_that_are_gone(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    tokens = exchange(Client(), auth, approve(browser, auth, acme.pk)).json()
    for _ in range(3):
        tokens = refresh(Client(), auth.client_id, tokens["refresh_token"]).json()
    kinds = list(OAuthTokenBinding.objects.values_list("kind", flat=True))
    # the code, the live access token, and the refresh tokens the toolkit keeps to spot a replay
    assert kinds.count("code") == 1 and kinds.count("access") == 1
    assert kinds.count("refresh") == RefreshToken.objects.count() == 4
