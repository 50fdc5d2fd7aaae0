"""A revocation counts on the very next request in another app process: OAuth tokens are checked
against the database on every /mcp call, with no process-local cache to go stale."""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from api_keys.models import ApiKey, ApiKeyKind
from tests.oauth.helpers import Authorization, approve, exchange
from tests.reliability.servers import app_processes, shared_backends_missing

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


def tools_list(url: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{url}/mcp",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2025-06-18",
        },
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        timeout=30,
    )


def test_revoking_a_connected_app_stops_its_token_in_another_process(tmp_path, settings, alice, acme):
    if reason := shared_backends_missing(redis=False):
        pytest.skip(reason)
    with app_processes(1, tmp_path, redis=False) as [server]:
        # Tokens are issued for the one resource that process serves (its SITE_URL + /mcp).
        settings.SITE_URL, settings.OAUTH_RESOURCE = server.url, f"{server.url}/mcp"
        browser = Client()
        browser.force_login(alice)
        registered = (
            Client()
            .post(
                "/oauth/register",
                {"redirect_uris": ["http://127.0.0.1:33418/callback"], "token_endpoint_auth_method": "none"},
                content_type="application/json",
            )
            .json()
        )
        auth = Authorization(registered["client_id"])
        tokens = exchange(Client(), auth, approve(browser, auth, acme.pk)).json()
        assert tools_list(server.url, tokens["access_token"]).status_code == 200

        app = ApiKey.objects.get(kind=ApiKeyKind.OAUTH)
        assert browser.post(f"/keys/apps/{app.pk}/revoke/").status_code == 302

        refused = tools_list(server.url, tokens["access_token"])
        assert refused.status_code == 401
        assert 'error="invalid_token"' in refused.headers["www-authenticate"]
