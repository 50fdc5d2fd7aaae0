"""An OAuth client's side of the flow, driven through Django's test client: register, ask for consent
as a signed-in person, approve or deny, and trade the code for tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.test import Client

REDIRECT = "http://127.0.0.1:33418/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def register(client: Client, **metadata) -> dict:
    body = {"client_name": "Test agent", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}
    response = client.post("/oauth/register", json.dumps(body | metadata), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


@dataclass
class Authorization:
    client_id: str
    redirect_uri: str = REDIRECT
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    scope: str = "read read_write"
    resource: str | None = None
    verifier: str = ""
    challenge: str = ""
    method: str = "S256"

    def __post_init__(self) -> None:
        if not self.verifier:
            self.verifier, self.challenge = pkce_pair()
        if self.resource is None:
            self.resource = settings.OAUTH_RESOURCE

    def url(self, **overrides) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": self.state,
            "scope": self.scope,
            "code_challenge": self.challenge,
            "code_challenge_method": self.method,
            "resource": self.resource,
        } | overrides
        return "/oauth/authorize/?" + urlencode({k: v for k, v in params.items() if v is not None})


def consent(
    team: object, scope: str = "read", stores: list | None = None, toolsets: list | None = None
) -> dict:
    data = {"grant-team": str(team), "grant-scope": scope, "approve": "1"}
    if stores is None:
        data["grant-store_access"] = "all"
    else:
        data |= {"grant-store_access": "some", "grant-store_ids": [str(s) for s in stores]}
    if toolsets:
        data["grant-toolsets"] = toolsets
    return data


def redirected_params(response) -> dict[str, str]:
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    assert location.startswith(REDIRECT.split("/callback")[0]), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def approve(browser: Client, auth: Authorization, team: object, **choices) -> str:
    """The code the consent page hands back (its state checked)."""
    url = auth.url()
    assert browser.get(url).status_code == 200
    params = redirected_params(browser.post(url, consent(team, **choices)))
    assert params["state"] == auth.state
    assert "code" in params, params
    return params["code"]


def exchange(client: Client, auth: Authorization, code: str, **overrides):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": auth.redirect_uri,
        "client_id": auth.client_id,
        "code_verifier": auth.verifier,
        "resource": settings.OAUTH_RESOURCE,
    } | overrides
    return client.post("/oauth/token/", {k: v for k, v in data.items() if v is not None})


def refresh(client: Client, client_id: str, refresh_token: str, **overrides):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id} | overrides
    return client.post("/oauth/token/", data)
