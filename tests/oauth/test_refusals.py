"""What the authorization server refuses, and that each refusal leaves a trace in the audit log."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from api_keys import connected_apps
from api_keys.models import ApiKey, ApiKeyKind, OAuthTokenKind
from oauth import verify
from tenants.models import AuditEvent
from tests.factories import MembershipFactory
from tests.oauth.helpers import (
    REDIRECT,
    Authorization,
    approve,
    consent,
    exchange,
    redirected_params,
    register,
)

pytestmark = pytest.mark.django_db


def actions() -> set[str]:
    return set(AuditEvent.objects.values_list("action", flat=True))


# --- Audience (RFC 8707) ---------------------------------------------------------------------------------


def test_it_refuses_to_authorize_for_another_resource(browser, oauth_client):
    auth = Authorization(oauth_client["client_id"], resource="https://other.example/mcp")
    params = redirected_params(browser.get(auth.url()))
    assert params["error"] == "invalid_target" and params["state"] == auth.state
    assert not ApiKey.objects.filter(kind=ApiKeyKind.OAUTH).exists()


def test_it_refuses_a_token_request_for_another_resource(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    code = approve(browser, auth, acme.pk)
    response = exchange(Client(), auth, code, resource="https://other.example/mcp")
    assert response.status_code == 400 and response.json()["error"] == "invalid_target"
    assert "oauth.token_refused" in actions()


def test_an_approval_without_a_resource_is_still_bound_to_this_server(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"], resource="")
    url = auth.url(resource=None)
    browser.get(url)
    code = redirected_params(browser.post(url, consent(acme.pk)))["code"]
    tokens = exchange(Client(), auth, code, resource=None).json()
    stored = AccessToken.objects.get(token_checksum=connected_apps.checksum(tokens["access_token"]))
    assert stored.resource == ["http://127.0.0.1:8000/mcp"]


def test_a_token_issued_for_another_audience_is_refused_at_mcp(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    tokens = exchange(Client(), auth, approve(browser, auth, acme.pk)).json()
    assert verify.authenticate(tokens["access_token"]).actor is not None
    AccessToken.objects.update(resource=["https://other.example/mcp"])
    verdict = verify.authenticate(tokens["access_token"])
    assert verdict.actor is None and verdict.reason == "access token issued for another resource"
    AccessToken.objects.update(resource=[])  # "any audience" is no audience here either
    assert verify.authenticate(tokens["access_token"]).actor is None


def test_an_expired_access_token_is_refused(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    tokens = exchange(Client(), auth, approve(browser, auth, acme.pk)).json()
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert verify.authenticate(tokens["access_token"]).reason == "expired access token"


# --- Codes and PKCE --------------------------------------------------------------------------------------


def test_a_reused_code_is_refused_and_revokes_what_it_issued(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    code = approve(browser, auth, acme.pk)
    first = exchange(Client(), auth, code)
    assert first.status_code == 200
    again = exchange(Client(), auth, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert verify.authenticate(first.json()["access_token"]).actor is None
    assert ApiKey.objects.get(kind=ApiKeyKind.OAUTH).revoked_at is not None
    assert {"oauth.code_reused", "oauth.app_revoked", "oauth.token_refused"} <= actions()


def test_it_refuses_a_code_without_its_pkce_verifier(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    code = approve(browser, auth, acme.pk)
    assert exchange(Client(), auth, code, code_verifier=None).status_code == 400
    wrong = exchange(Client(), auth, code, code_verifier="x" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert AuditEvent.objects.filter(action="oauth.token_refused").count() == 2


@pytest.mark.parametrize("overrides", [{"code_challenge": None, "code_challenge_method": None}])
def test_it_refuses_an_authorization_request_without_pkce(browser, oauth_client, overrides):
    auth = Authorization(oauth_client["client_id"])
    params = redirected_params(browser.get(auth.url(**overrides)))
    assert params["error"] == "invalid_request"


def test_it_refuses_plain_pkce(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"], method="plain")
    auth.challenge = auth.verifier
    params = redirected_params(browser.get(auth.url()))
    assert params["error"] == "invalid_request" and params["state"] == auth.state
    # Nor does a consent posted to such a URL get a code.
    assert "code" not in redirected_params(browser.post(auth.url(), consent(acme.pk)))


def test_it_requires_state(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    params = redirected_params(browser.get(auth.url(state=None)))
    assert params["error"] == "invalid_request" and "state" not in params
    assert "code" not in redirected_params(browser.post(auth.url(state=None), consent(acme.pk)))


# --- Redirect URIs ---------------------------------------------------------------------------------------


def test_it_never_redirects_to_an_unregistered_uri(browser, oauth_client):
    auth = Authorization(oauth_client["client_id"], redirect_uri="https://evil.example/callback")
    response = browser.get(auth.url())
    assert response.status_code == 400 and "Location" not in response
    assert b"cannot be connected" in response.content


def test_it_accepts_any_port_on_a_registered_loopback_redirect(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"], redirect_uri="http://127.0.0.1:50123/callback")
    browser.get(auth.url())
    location = browser.post(auth.url(), consent(acme.pk))["Location"]
    assert location.startswith("http://127.0.0.1:50123/callback?")


def test_it_refuses_a_token_request_with_another_redirect_uri(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    code = approve(browser, auth, acme.pk)
    response = exchange(Client(), auth, code, redirect_uri="http://127.0.0.1:33418/other")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com/callback",
        "javascript:alert(1)",
        "https://user:pw@example.com/cb",
        "https://example.com/cb#fragment",
        "ftp://example.com/cb",
    ],
)
def test_registration_refuses_unsafe_redirect_uris(client, db, uri):
    body = {"client_name": "x", "redirect_uris": [uri], "token_endpoint_auth_method": "none"}
    response = client.post("/oauth/register", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_redirect_uri"


@pytest.mark.parametrize(
    "metadata",
    [
        {"grant_types": ["client_credentials"]},
        {"grant_types": ["implicit"]},
        {"response_types": ["token"]},
        {"token_endpoint_auth_method": "private_key_jwt"},
    ],
)
def test_registration_offers_only_the_code_flow(client, db, metadata):
    body = {"redirect_uris": [REDIRECT]} | metadata
    response = client.post("/oauth/register", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_client_metadata"


def test_a_confidential_client_gets_its_secret_once_and_must_present_it(browser, acme):
    registered = register(Client(), token_endpoint_auth_method="client_secret_post")
    assert registered["client_secret"]
    auth = Authorization(registered["client_id"])
    code = approve(browser, auth, acme.pk)
    assert exchange(Client(), auth, code).status_code == 401  # no secret
    ok = exchange(Client(), auth, code, client_secret=registered["client_secret"])
    assert ok.status_code == 200, ok.content


def test_registration_is_rate_limited(client, db, settings):
    settings.RATE_OAUTH_REGISTER_PER_IP = "2/h"
    body = json.dumps({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"})
    answers = [client.post("/oauth/register", body, content_type="application/json") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[-1]["Retry-After"]


# --- The consent rules ----------------------------------------------------------------------------------


def test_another_teams_store_in_the_consent_is_refused_and_audited(browser, oauth_client, acme, globex_store):
    auth = Authorization(oauth_client["client_id"])
    browser.get(auth.url())
    response = browser.post(auth.url(), consent(acme.pk, stores=[globex_store.pk]))
    assert response.status_code == 400 and "Location" not in response
    assert not ApiKey.objects.filter(kind=ApiKeyKind.OAUTH).exists()
    event = AuditEvent.objects.get(action="oauth.grant_refused")
    assert "store_ids" in event.detail["errors"]


def test_a_team_the_person_is_not_in_cannot_be_chosen(browser, oauth_client, globex):
    auth = Authorization(oauth_client["client_id"])
    response = browser.post(auth.url(), consent(globex.pk))
    assert response.status_code == 400
    assert not ApiKey.objects.filter(kind=ApiKeyKind.OAUTH).exists()


@pytest.mark.parametrize("scope", ["read_write", "read"])
def test_an_operator_cannot_connect_apps(bob, oauth_client, acme, scope):
    operator = Client()
    operator.force_login(bob)
    auth = Authorization(oauth_client["client_id"])
    page = operator.get(auth.url())
    assert b"Only an owner of Acme can connect apps" in page.content
    response = operator.post(auth.url(), consent(acme.pk, scope=scope))
    assert response.status_code == 400
    assert b"Only owners manage API keys." in response.content
    assert not ApiKey.objects.filter(kind=ApiKeyKind.OAUTH).exists()
    assert AuditEvent.objects.filter(action="oauth.grant_refused", outcome="denied").exists()


def test_read_write_is_granted_only_to_a_client_that_asked_for_it(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"], scope="read")
    browser.get(auth.url())
    response = browser.post(auth.url(), consent(acme.pk, scope="read_write"))
    assert response.status_code == 400
    assert not ApiKey.objects.filter(kind=ApiKeyKind.OAUTH).exists()


def test_deny_sends_access_denied_back_to_the_client(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    params = redirected_params(browser.post(auth.url(), {"deny": "1"}))
    assert params == {"error": "access_denied", "state": auth.state, "iss": "http://127.0.0.1:8000"}
    assert "oauth.denied" in actions()
    assert not ApiKey.objects.filter(kind=ApiKeyKind.OAUTH).exists()


def test_a_code_of_a_revoked_app_buys_nothing(browser, oauth_client, acme, alice_actor):
    auth = Authorization(oauth_client["client_id"])
    code = approve(browser, auth, acme.pk)
    app = ApiKey.objects.get(kind=ApiKeyKind.OAUTH)
    connected_apps.connected_app_revoke(tenant=acme, actor=alice_actor, app_id=app.pk)
    assert exchange(Client(), auth, code).status_code == 400


def test_connecting_again_replaces_the_previous_connection(browser, oauth_client, acme):
    auth = Authorization(oauth_client["client_id"])
    first = exchange(Client(), auth, approve(browser, auth, acme.pk)).json()
    again = Authorization(oauth_client["client_id"])
    exchange(Client(), again, approve(browser, again, acme.pk))
    assert verify.authenticate(first["access_token"]).actor is None
    assert ApiKey.objects.filter(kind=ApiKeyKind.OAUTH, revoked_at__isnull=True).count() == 1


# --- Signing in on the way -------------------------------------------------------------------------------


def test_it_sends_a_signed_out_person_to_sign_in_and_back(client, oauth_client, alice):
    auth = Authorization(oauth_client["client_id"])
    response = client.get(auth.url())
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert len(next_url) <= 300  # what a magic link keeps
    client.force_login(alice)
    resumed = client.get(next_url)
    assert resumed.status_code == 302 and resumed["Location"] == auth.url()


def test_the_consent_page_names_the_client_and_its_redirect_host(browser, oauth_client):
    page = Client.get(browser, Authorization(oauth_client["client_id"]).url())
    assert b'<span id="client-name">Test agent</span>' in page.content
    assert b'<strong id="redirect-host">127.0.0.1:33418</strong>' in page.content


def test_api_key_login_cannot_use_a_connected_app_row(browser, oauth_client, acme):
    """A connected app has no secret: no odk_ key made from its id authenticates."""
    from api_keys import core

    auth = Authorization(oauth_client["client_id"])
    exchange(Client(), auth, approve(browser, auth, acme.pk))
    app = ApiKey.objects.get(kind=ApiKeyKind.OAUTH)
    assert core.authenticate(f"odk_{app.pk}_" + "A" * 43) is None
    assert connected_apps.bound_app(OAuthTokenKind.ACCESS, "nope") is None


def test_browser_clients_get_answers_to_their_preflights(client, db):
    for path in ("/oauth/register", "/oauth/token/", "/.well-known/oauth-authorization-server"):
        response = client.options(path, HTTP_ORIGIN="http://localhost:6274")
        assert response.status_code == 204 and response["Access-Control-Allow-Origin"] == "*"
        assert "Content-Type" in response["Access-Control-Allow-Headers"]


def test_the_discovery_documents_name_this_server(client, db):
    resource = client.get("/.well-known/oauth-protected-resource/mcp").json()
    assert resource["resource"] == "http://127.0.0.1:8000/mcp"
    assert resource["authorization_servers"] == ["http://127.0.0.1:8000"]
    server = client.get("/.well-known/oauth-authorization-server").json()
    assert server["issuer"] == "http://127.0.0.1:8000"
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert server["registration_endpoint"] == "http://127.0.0.1:8000/oauth/register"


def test_an_owner_of_two_teams_chooses_which_one_to_connect(
    browser, oauth_client, alice, globex, globex_store
):
    MembershipFactory(tenant=globex, user=alice, role="owner")
    auth = Authorization(oauth_client["client_id"])
    switched = browser.post(auth.url(), {"grant-team": str(globex.pk), "change_team": "1"})
    assert switched.status_code == 200 and globex_store.name.encode() in switched.content
    code = redirected_params(browser.post(auth.url(), consent(globex.pk, stores=[globex_store.pk])))["code"]
    tokens = exchange(Client(), auth, code).json()
    actor = verify.authenticate(tokens["access_token"]).actor
    assert actor.tenant == globex and actor.allowed_store_ids == frozenset({globex_store.pk})


def test_authorization_requests_are_rate_limited(browser, oauth_client, settings):
    settings.RATE_OAUTH_AUTHORIZE_PER_IP = "2/m"
    url = Authorization(oauth_client["client_id"]).url()
    assert [browser.get(url).status_code for _ in range(3)] == [200, 200, 429]
