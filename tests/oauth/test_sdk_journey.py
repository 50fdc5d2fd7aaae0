"""The MCP SDK's own OAuth client connects by URL alone against the app served by uvicorn: discovery,
registration, a signed-in owner's consent, tokens, tools scoped to the grant, refresh, and revocation
on /keys/ ending the connection on its very next request."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from asgiref.sync import sync_to_async
from django.test import Client as DjangoClient
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from api_keys.models import ApiKey, ApiKeyKind
from tenants.models import AuditEvent
from tests.mcp.live import free_port, serving_on

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "http://127.0.0.1:47123/callback"
WRITE_TOOLS = {
    "orders_create",
    "orders_add_note",
    "orders_update",
    "orders_move",
    "orders_delete",
    "stores_register",
}


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class ConsentingOwner:
    """The person at the browser: signed in (a real session cookie), approving on the consent page."""

    def __init__(self, session_cookie: str, choices: dict) -> None:
        self.session_cookie = session_cookie
        self.choices = choices
        self.callback: dict[str, str] = {}
        self.seen_page = ""

    async def redirect_handler(self, authorization_url: str) -> None:
        cookies = {"sessionid": self.session_cookie}
        async with httpx2.AsyncClient(cookies=cookies, timeout=30) as browser:
            page = await browser.get(authorization_url)
            assert page.status_code == 200, page.text[:500]
            self.seen_page = page.text
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
            answer = await browser.post(
                authorization_url, data={"csrfmiddlewaretoken": token, "approve": "1", **self.choices}
            )
            assert answer.status_code == 302, answer.text[:500]
            location = answer.headers["location"]
            assert location.startswith(CALLBACK)
            self.callback = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    async def callback_handler(self) -> AuthorizationCodeResult:
        return AuthorizationCodeResult(
            code=self.callback["code"], state=self.callback["state"], iss=self.callback.get("iss")
        )


@contextlib.asynccontextmanager
async def served(settings) -> AsyncIterator[str]:
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    settings.SITE_URL, settings.OAUTH_RESOURCE = site, f"{site}/mcp"
    settings.OAUTH2_PROVIDER = settings.OAUTH2_PROVIDER | {"OIDC_ISS_ENDPOINT": site}
    async with serving_on(port):
        yield site


@sync_to_async
def signed_in_cookie(user) -> str:
    browser = DjangoClient()
    browser.force_login(user)
    return browser.cookies["sessionid"].value


@sync_to_async
def revoke_on_keys_page(user, app_id: str) -> int:
    browser = DjangoClient()
    browser.force_login(user)
    return browser.post(f"/keys/apps/{app_id}/revoke/").status_code


async def test_the_sdk_client_connects_with_consent_refreshes_and_is_cut_off_by_revocation(
    settings, alice, acme, acme_store, acme_outlet
):
    owner = ConsentingOwner(
        await signed_in_cookie(alice),
        {
            "grant-team": str(acme.pk),
            "grant-scope": "read",
            "grant-store_access": "some",
            "grant-store_ids": str(acme_store.pk),
            "grant-toolsets": ["orders", "stores"],
        },
    )
    storage = MemoryStorage()
    async with served(settings) as site:
        provider = OAuthClientProvider(
            server_url=f"{site}/mcp",
            client_metadata=OAuthClientMetadata(
                client_name="SDK test agent",
                redirect_uris=[CALLBACK],
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
                token_endpoint_auth_method="none",
            ),
            storage=storage,
            redirect_handler=owner.redirect_handler,
            callback_handler=owner.callback_handler,
        )
        async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
            async with Client(streamable_http_client(f"{site}/mcp", http_client=http)) as client:
                names = {tool.name for tool in (await client.list_tools()).tools}
            assert "SDK test agent" in owner.seen_page and "127.0.0.1:47123" in owner.seen_page
            assert "orders_list" in names and "stores_list" in names
            assert not names & WRITE_TOOLS  # a read grant lists no write tools
            assert not any(name.startswith(("products_", "shipments_")) for name in names)
            first = storage.tokens
            assert first is not None and first.refresh_token

            provider.context.token_expiry_time = 1.0  # long past: the SDK refreshes before its next call
            async with Client(streamable_http_client(f"{site}/mcp", http_client=http)) as client:
                assert {tool.name for tool in (await client.list_tools()).tools} == names
            renewed = storage.tokens
            assert renewed.access_token != first.access_token
            assert renewed.refresh_token != first.refresh_token

            app = await ApiKey.objects.aget(kind=ApiKeyKind.OAUTH)
            assert await revoke_on_keys_page(alice, app.pk) == 302
            raw = httpx2.AsyncClient(timeout=30)
            async with raw:
                answer = await raw.post(
                    f"{site}/mcp",
                    headers={"Authorization": f"Bearer {renewed.access_token}", "Accept": "application/json"},
                    json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                )
            assert answer.status_code == 401
            challenge = answer.headers["www-authenticate"]
            assert 'error="invalid_token"' in challenge
            assert f'resource_metadata="{site}/.well-known/oauth-protected-resource/mcp"' in challenge
    actions = {a async for a in AuditEvent.objects.values_list("action", flat=True)}
    assert {
        "oauth.client_registered",
        "oauth.granted",
        "oauth.token_issued",
        "oauth.token_refreshed",
        "oauth.app_revoked",
    } <= actions
