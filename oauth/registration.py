"""Dynamic Client Registration (RFC 7591): the smallest endpoint MCP clients need, on the toolkit's
own Application model.

Open registration (any MCP client may register itself, as the MCP authorization spec expects), so
what a registration may ask for is narrow: the authorization code grant (with refresh tokens) only,
redirect URIs that are https or, for native clients, http on a loopback address (RFC 8252 §7.3; any
port is accepted there at authorization time), and a public or confidential client. A registration
grants nothing by itself: an owner still approves every connection on the consent page. No
registration access token is issued (RFC 7592 management is not offered).

Clients may instead use a Client ID Metadata Document: an https URL as client_id, whose document the
toolkit fetches (SSRF-hardened) on first sight; the same redirect rules apply (`MetadataDocumentFetcher`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from oauth2_provider.cimd import CIMDError, SafeMetadataFetcher
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from tenants.audit import Action, audit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_REDIRECT_URIS = 10
MAX_URI_LENGTH = 2000
MAX_NAME_LENGTH = 100
AUTH_METHODS = {"none": "public", "client_secret_post": "confidential", "client_secret_basic": "confidential"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RegistrationError(ValueError):
    """An RFC 7591 error: `code` is `invalid_redirect_uri` or `invalid_client_metadata`."""

    def __init__(self, code: str, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def redirect_uri_problem(uri: object) -> str | None:
    """Why `uri` cannot be registered, or None when it can."""
    if not isinstance(uri, str) or not uri or len(uri) > MAX_URI_LENGTH:
        return "each redirect URI must be a string of at most 2,000 characters"
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        return f"{uri}: a redirect URI may not have a fragment"
    if parts.username or parts.password:
        return f"{uri}: a redirect URI may not carry credentials"
    if not parts.hostname:
        return f"{uri}: a redirect URI needs a host"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return None
    return f"{uri}: use https, or http on a loopback address (127.0.0.1, [::1] or localhost)"


def _clean(metadata: Any) -> dict[str, Any]:
    if not isinstance(metadata, dict):
        raise RegistrationError("invalid_client_metadata", "The body must be a JSON object.")
    uris = metadata.get("redirect_uris")
    if not isinstance(uris, list) or not uris or len(uris) > MAX_REDIRECT_URIS:
        raise RegistrationError("invalid_redirect_uri", "redirect_uris must list 1 to 10 URIs.")
    for uri in uris:
        if problem := redirect_uri_problem(uri):
            raise RegistrationError("invalid_redirect_uri", problem)
    grant_types = metadata.get("grant_types", ["authorization_code", "refresh_token"])
    if not isinstance(grant_types, list) or not set(grant_types) <= {"authorization_code", "refresh_token"}:
        raise RegistrationError(
            "invalid_client_metadata", "Only the authorization_code and refresh_token grants are offered."
        )
    if metadata.get("response_types", ["code"]) != ["code"]:
        raise RegistrationError("invalid_client_metadata", 'Only the "code" response type is offered.')
    method = metadata.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in AUTH_METHODS:
        raise RegistrationError(
            "invalid_client_metadata",
            f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}.",
        )
    name = metadata.get("client_name") or ""
    if not isinstance(name, str):
        raise RegistrationError("invalid_client_metadata", "client_name must be a string.")
    name = _CONTROL.sub("", name).strip()[:MAX_NAME_LENGTH]
    return {"redirect_uris": uris, "method": method, "name": name}


def client_register(metadata: Any) -> dict[str, Any]:
    """Register a client and return the RFC 7591 answer (the client secret appears only here)."""
    cleaned = _clean(metadata)
    Application = get_application_model()
    client_type = AUTH_METHODS[cleaned["method"]]
    secret = generate_client_secret() if client_type == "confidential" else ""
    client = Application(
        name=cleaned["name"],
        client_type=client_type,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(cleaned["redirect_uris"]),
        client_secret=secret,
        registration_source=Application.RegistrationSource.DCR,
    )
    try:
        client.full_clean()
    except ValidationError as exc:
        raise RegistrationError("invalid_client_metadata", "; ".join(exc.messages)) from None
    client.save()  # the secret is hashed on save
    audit(
        Action.OAUTH_CLIENT_REGISTERED,
        target=client,
        target_type="oauth_client",
        target_label=cleaned["name"] or client.client_id,
        detail={
            "client_id": client.client_id,
            "client_type": client_type,
            "redirect_uris": cleaned["redirect_uris"],
        },
    )
    answer: dict[str, Any] = {
        "client_id": client.client_id,
        "client_id_issued_at": int(client.created.timestamp()),
        "client_name": cleaned["name"],
        "redirect_uris": cleaned["redirect_uris"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": cleaned["method"],
    }
    if secret:
        answer |= {"client_secret": secret, "client_secret_expires_at": 0}
    return answer


# --- Client ID Metadata Documents -----------------------------------------------------------------------


class MetadataDocumentFetcher(SafeMetadataFetcher):
    """django-oauth-toolkit's SSRF-hardened fetcher of Client ID Metadata Documents (a client whose
    client_id is an https URL publishes its metadata there), held to this server's redirect rules:
    https, or http on a loopback address only, as for registered clients."""

    def fetch(self, client_id: str) -> tuple[dict[str, Any], int]:
        metadata, max_age = self.download(client_id)
        uris = metadata.get("redirect_uris") if isinstance(metadata, dict) else None
        for uri in uris if isinstance(uris, list) else []:
            if problem := redirect_uri_problem(uri):
                raise CIMDError(problem)
        return metadata, max_age

    def download(self, client_id: str) -> tuple[dict[str, Any], int]:
        return super().fetch(client_id)
