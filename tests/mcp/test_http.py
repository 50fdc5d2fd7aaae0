"""/mcp at the HTTP level: authentication, Host/Origin checks, throttling, protocol versions.

Raw requests where the SDK client would hide status codes and headers.
"""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from django.test import Client as DjangoClient
from django.utils import timezone

from api_keys import core as keys
from api_keys.models import ApiKey
from mcp_bridge import mcp_auth
from operations.models import Trace
from tenants.audit import Action
from tenants.models import AuditEvent
from tests.mcp.conftest import modern_request, raw_http

pytestmark = pytest.mark.django_db(transaction=True)

# Every 401 names the protected-resource metadata (RFC 9728), where MCP clients learn how to sign in.
NO_CREDENTIAL_CHALLENGE = (
    'Bearer realm="mcp", resource_metadata="http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"'
)


def tool_data(response) -> dict:
    """A tools/call response's result, as its text content says it (structured content is opt-in)."""
    return json.loads(payload(response)["result"]["content"][0]["text"])


def payload(response) -> dict:
    """The JSON-RPC message of a response, whether it came as JSON or as one SSE event."""
    if response.headers["content-type"].startswith("text/event-stream"):
        data = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
        return json.loads(data[-1])
    return response.json()


async def call(http, raw: str | None, tool: str = "stores_echo", arguments: dict | None = None, headers=None):
    body, route = modern_request(
        "tools/call", {"name": tool, "arguments": arguments or {"text": "hi"}}, name=tool
    )
    if raw is not None:
        route["Authorization"] = f"Bearer {raw}"
    return await http.post("/mcp", json=body, headers={**route, **(headers or {})})


def header_names(value: str) -> set[str]:
    """The names of a comma-separated header list (names are case-insensitive)."""
    return {name.strip().lower() for name in value.split(",")}


@pytest.fixture
def spy_auth(monkeypatch):
    """Count calls to the key verifier and to bcrypt, still running the real ones."""
    spy = mock.Mock(verify=0, bcrypt=0)
    real_verify, real_bcrypt = keys.aauthenticate, keys._check_secret

    async def verify(raw):
        spy.verify += 1
        return await real_verify(raw)

    def bcrypt(key, secret):
        spy.bcrypt += 1
        return real_bcrypt(key, secret)

    monkeypatch.setattr(keys, "aauthenticate", verify)
    monkeypatch.setattr(keys, "_check_secret", bcrypt)
    return spy


async def test_it_serves_a_tool_call_to_a_valid_key(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db)
    async with raw_http() as http:
        response = await call(http, raw, headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "abc-123"
    assert tool_data(response)["text"] == "hi"


async def test_it_answers_401_with_a_bearer_challenge_when_no_key_is_sent(acme_db, fake_registry, spy_auth):
    async with raw_http() as http:
        response = await call(http, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == NO_CREDENTIAL_CHALLENGE
    assert spy_auth.verify == 0


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-key", "Bearer odk_000000000000_" + "A" * 43, "bearer odk_short_x", "Bearer "],
)
async def test_it_answers_401_invalid_token_for_a_malformed_or_unknown_key(
    acme_db, fake_registry, authorization
):
    async with raw_http() as http:
        response = await call(http, None, headers={"Authorization": authorization})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    if authorization.strip().lower() == "bearer":
        assert challenge == NO_CREDENTIAL_CHALLENGE  # nothing was presented
    else:
        assert challenge.startswith(NO_CREDENTIAL_CHALLENGE + ', error="invalid_token"')


async def test_it_refuses_a_wrong_secret(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db)
    wrong = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    async with raw_http() as http:
        response = await call(http, wrong)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_it_refuses_other_schemes(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db)
    async with raw_http() as http:
        response = await call(http, None, headers={"Authorization": f"Basic {raw}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == NO_CREDENTIAL_CHALLENGE


async def test_it_refuses_expired_and_revoked_keys(acme_db, make_key, fake_registry):
    expired = await make_key(acme_db, expires_at=timezone.now() - timedelta(seconds=1))
    revoked = await make_key(acme_db, revoked_at=timezone.now())
    async with raw_http() as http:
        assert (await call(http, expired)).status_code == 401
        assert (await call(http, revoked)).status_code == 401


async def test_it_refuses_a_key_on_the_very_next_call_after_revocation(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db)
    async with raw_http() as http:
        assert (await call(http, raw)).status_code == 200
        await ApiKey.objects.filter(pk=raw.split("_")[1]).aupdate(revoked_at=timezone.now())
        assert (await call(http, raw)).status_code == 401


async def test_it_refuses_a_key_on_the_very_next_call_after_expiry(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db, expires_at=timezone.now() + timedelta(hours=1))
    async with raw_http() as http:
        assert (await call(http, raw)).status_code == 200
        await ApiKey.objects.filter(pk=raw.split("_")[1]).aupdate(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert (await call(http, raw)).status_code == 401


@pytest.mark.parametrize("parameter", ["api_key", "access_token", "key", "token"])
async def test_it_ignores_a_key_in_the_query_string(acme_db, make_key, fake_registry, spy_auth, parameter):
    raw = await make_key(acme_db)
    body, route = modern_request(
        "tools/call", {"name": "stores_echo", "arguments": {"text": "hi"}}, name="stores_echo"
    )
    async with raw_http() as http:
        response = await http.post(f"/mcp?{parameter}={raw}", json=body, headers=route)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == NO_CREDENTIAL_CHALLENGE
    assert spy_auth.verify == 0


async def test_it_ignores_a_signed_in_session_cookie(acme_db, alice, fake_registry):
    django_client = DjangoClient()
    await sync_to_async(django_client.force_login)(alice)
    cookie = f"sessionid={django_client.cookies['sessionid'].value}"
    async with raw_http() as http:
        response = await call(http, None, headers={"Cookie": cookie})
    assert response.status_code == 401


async def test_it_names_its_protected_resource_metadata_in_every_401(acme_db, fake_registry):
    """MCP clients discover the authorization server from the 401 (RFC 9728); API keys work as before."""
    async with raw_http() as http:
        metadata = await http.get("/.well-known/oauth-protected-resource/mcp")
        response = await call(http, None)
    assert metadata.status_code == 200
    assert metadata.json()["resource"] == "http://127.0.0.1:8000/mcp"
    assert metadata.json()["authorization_servers"] == ["http://127.0.0.1:8000"]
    assert (
        'resource_metadata="http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"'
        in (response.headers["www-authenticate"])
    )


async def test_it_refuses_a_foreign_origin_before_authenticating(acme_db, make_key, fake_registry, spy_auth):
    raw = await make_key(acme_db)
    async with raw_http() as http:
        response = await call(http, raw, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("Forbidden")
    assert spy_auth.verify == 0 and spy_auth.bcrypt == 0
    assert not await Trace.objects.aexists()


async def test_it_accepts_the_sites_own_origin_and_configured_ones(
    acme_db, make_key, fake_registry, settings
):
    settings.SITE_URL = "https://admin.example.test"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "admin.example.test"]
    settings.MCP_ALLOWED_ORIGINS = ["http://localhost:6274"]
    raw = await make_key(acme_db)
    async with raw_http() as http:
        own = await call(http, raw, headers={"Origin": "https://admin.example.test"})
        configured = await call(http, raw, headers={"Origin": "http://localhost:6274"})
        other_port = await call(http, raw, headers={"Origin": "http://localhost:6275"})
    assert (own.status_code, configured.status_code, other_port.status_code) == (200, 200, 403)


async def test_it_accepts_any_loopback_origin_when_the_site_itself_is_loopback(
    acme_db, make_key, fake_registry, settings
):
    """The MCP Inspector's web UI and the conformance suite's client run on another loopback port."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    raw = await make_key(acme_db)
    origins = ["http://localhost:6274", "http://127.0.0.1:3001", "http://[::1]:9000"]
    async with raw_http() as http:
        statuses = [(await call(http, raw, headers={"Origin": o})).status_code for o in origins]
        remote = await call(http, raw, headers={"Origin": "http://evil.example:8000"})
        https_loopback = await call(http, raw, headers={"Origin": "https://localhost:6274"})
    assert statuses == [200, 200, 200]
    assert (remote.status_code, https_loopback.status_code) == (403, 403)


async def test_it_answers_a_cors_preflight_from_an_allowed_origin_without_credentials(
    acme_db, fake_registry, settings, spy_auth
):
    settings.MCP_ALLOWED_ORIGINS = ["http://localhost:6274"]
    preflight = {
        "Origin": "http://localhost:6274",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, mcp-protocol-version",
    }
    async with raw_http() as http:
        allowed = await http.options("/mcp", headers=preflight)
        refused = await http.options("/mcp", headers={**preflight, "Origin": "https://evil.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:6274"
    assert {"authorization", "content-type", "mcp-protocol-version"} <= header_names(
        allowed.headers["access-control-allow-headers"]
    )
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    assert spy_auth.verify == 0


async def test_it_lets_an_allowed_browser_origin_read_responses(acme_db, make_key, fake_registry, settings):
    settings.MCP_ALLOWED_ORIGINS = ["http://localhost:6274"]
    raw = await make_key(acme_db)
    async with raw_http() as http:
        ok = await call(http, raw, headers={"Origin": "http://localhost:6274"})
        unauthorized = await call(http, None, headers={"Origin": "http://localhost:6274"})
        no_origin = await call(http, raw)
    for response in (ok, unauthorized):
        assert response.headers["access-control-allow-origin"] == "http://localhost:6274"
        assert "www-authenticate" in header_names(response.headers["access-control-expose-headers"])
    assert (ok.status_code, unauthorized.status_code) == (200, 401)
    assert "access-control-allow-origin" not in no_origin.headers
    assert unauthorized.headers["x-request-id"]


async def test_it_refuses_a_host_outside_allowed_hosts(acme_db, make_key, fake_registry, spy_auth):
    raw = await make_key(acme_db)
    async with raw_http() as http:
        response = await call(http, raw, headers={"Host": "rebound.example"})
    assert response.status_code == 421
    assert spy_auth.verify == 0


async def test_it_throttles_failed_authentications_per_ip_before_any_bcrypt(
    acme_db, make_key, fake_registry, settings, spy_auth
):
    settings.RATE_MCP_AUTH_FAILURES_PER_IP = "3/m"
    raw = await make_key(acme_db)
    wrong = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    async with raw_http() as http:
        statuses = [(await call(http, wrong)).status_code for _ in range(3)]
        bcrypt_before = spy_auth.bcrypt
        blocked_wrong = await call(http, wrong)
        blocked_valid = await call(http, raw)
    assert statuses == [401, 401, 401]
    assert blocked_wrong.status_code == 429 and blocked_valid.status_code == 429
    assert 1 <= int(blocked_valid.headers["retry-after"]) <= 60
    assert spy_auth.bcrypt == bcrypt_before  # no bcrypt once over the limit
    assert spy_auth.verify == 3


async def test_it_does_not_count_successful_authentications(acme_db, make_key, fake_registry, settings):
    settings.RATE_MCP_AUTH_FAILURES_PER_IP = "2/m"
    raw = await make_key(acme_db)
    async with raw_http() as http:
        statuses = [(await call(http, raw)).status_code for _ in range(4)]
    assert statuses == [200] * 4


async def test_it_counts_failures_per_client_ip_behind_a_trusted_proxy(
    acme_db, make_key, fake_registry, settings
):
    settings.RATE_MCP_AUTH_FAILURES_PER_IP = "1/m"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    async with raw_http() as http:
        first = await call(http, "odk_bad", headers={"X-Forwarded-For": "203.0.113.7"})
        same = await call(http, "odk_bad", headers={"X-Forwarded-For": "203.0.113.7"})
        other = await call(http, "odk_bad", headers={"X-Forwarded-For": "203.0.113.8"})
    assert (first.status_code, same.status_code, other.status_code) == (401, 429, 401)


async def test_it_ignores_forwarded_for_from_an_untrusted_peer(acme_db, fake_registry, settings):
    settings.RATE_MCP_AUTH_FAILURES_PER_IP = "1/m"
    settings.TRUSTED_PROXIES = []
    async with raw_http() as http:
        first = await call(http, "odk_bad", headers={"X-Forwarded-For": "203.0.113.7"})
        spoofed = await call(http, "odk_bad", headers={"X-Forwarded-For": "203.0.113.8"})
    assert (first.status_code, spoofed.status_code) == (401, 429)


async def test_it_audits_a_failed_authentication_once_per_ip_per_minute_without_the_token(
    acme_db, make_key, fake_registry
):
    raw = await make_key(acme_db, name="billing agent")
    wrong = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    async with raw_http() as http:
        for _ in range(3):
            await call(http, wrong)
    events = [e async for e in AuditEvent.objects.filter(action=Action.KEY_AUTH_FAILED)]
    assert len(events) == 1
    event = events[0]
    assert (event.outcome, event.source, event.ip, event.tenant_id) == (
        "failure",
        "mcp",
        "127.0.0.1",
        acme_db.pk,
    )
    assert (event.target_type, event.target_id) == ("api_key", raw.split("_")[1])
    assert event.detail == {"reason": "wrong secret", "interface": "mcp"}
    assert event.target_label == "billing agent"
    secret = raw.split("_", 2)[2]
    assert secret[:4] not in json.dumps(event.detail) + event.target_label


async def test_it_audits_unknown_keys_without_a_tenant(acme_db, fake_registry):
    async with raw_http() as http:
        await call(http, "odk_garbage")
    event = await AuditEvent.objects.aget(action=Action.KEY_AUTH_FAILED)
    assert event.tenant_id is None
    assert event.detail == {"reason": "malformed key", "interface": "mcp"}


async def test_it_audits_an_unknown_bearer_token_as_an_oauth_failure(acme_db, fake_registry):
    async with raw_http() as http:
        await call(http, "garbage")
    event = await AuditEvent.objects.aget(action=Action.KEY_AUTH_FAILED)
    assert event.tenant_id is None
    assert event.detail == {
        "reason": "unknown or revoked access token",
        "interface": "mcp",
        "credential": "oauth",
    }


async def test_it_accepts_a_raw_initialize_at_2025_06_18(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db)
    headers = {
        "Authorization": f"Bearer {raw}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "old-client", "version": "1"},
        },
    }
    async with raw_http() as http:
        response = await http.post("/mcp", json=initialize, headers=headers)
        listed = await http.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
            headers={**headers, "MCP-Protocol-Version": "2025-06-18"},
        )
        called = await http.post(
            "/mcp",
            json={
                "jsonrpc": "2.0",
                "id": 3,
                "method": "tools/call",
                "params": {"name": "stores_echo", "arguments": {"text": "x"}},
            },
            headers={**headers, "MCP-Protocol-Version": "2025-06-18"},
        )
    result = payload(response)["result"]
    assert result["protocolVersion"] == "2025-06-18"
    assert result["serverInfo"]["name"] == "orderdesk-admin"
    assert result["instructions"].startswith("OrderDesk Admin")
    assert "mcp-session-id" not in response.headers  # stateless: any process can serve the next request
    assert [t["name"] for t in payload(listed)["result"]["tools"]] == [
        "stores_echo",
        "orders_fake_fail",
        "orders_fake_page",
        "describe_tool",
    ]
    assert tool_data(called)["text"] == "x"


async def test_it_ignores_whitespace_around_header_values(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db)
    body, route = modern_request("tools/call", {"name": "stores_echo", "arguments": {"text": "x"}})
    route["Mcp-Name"] = "  stores_echo\t"
    async with raw_http() as http:
        response = await http.post("/mcp", json=body, headers={**route, "Authorization": f"Bearer {raw}  "})
    assert response.status_code == 200
    assert tool_data(response)["text"] == "x"


async def test_it_keeps_protocol_errors_as_json_rpc_errors(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db)
    body, route = modern_request("tools/call", {"arguments": {}})  # no tool name
    async with raw_http() as http:
        response = await http.post("/mcp", json=body, headers={**route, "Authorization": f"Bearer {raw}"})
    message = payload(response)
    assert "result" not in message
    assert message["error"]["code"] == -32602


async def test_it_answers_503_rather_than_crashing_without_a_lifespan(acme_db, make_key, fake_registry):
    from tests.mcp.conftest import http_client

    raw = await make_key(acme_db)
    async with http_client() as http:  # no serving(): the SDK's task group is not running
        response = await call(http, raw)
    assert response.status_code == 503


async def test_it_lets_a_browser_client_preflight_the_transports_headers_and_methods(
    acme_db, fake_registry, settings
):
    settings.MCP_ALLOWED_ORIGINS = ["http://localhost:*"]
    transport = {
        "authorization",
        "content-type",
        "mcp-protocol-version",
        "mcp-session-id",
        "mcp-method",
        "mcp-name",
        "last-event-id",
    }
    origin = {"Origin": "http://localhost:6274"}

    async def preflight(http, method: str, headers: str):
        request = {
            **origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        }
        return await http.options("/mcp", headers=request)

    async with raw_http() as http:
        answers = [
            await preflight(http, method, ", ".join(transport)) for method in ("GET", "POST", "DELETE")
        ]
        unlisted_header = await preflight(http, "POST", "x-debug")
        unlisted_method = await preflight(http, "PUT", "content-type")
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "http://localhost:6274"
        assert transport <= header_names(answer.headers["access-control-allow-headers"])
        methods = header_names(answer.headers["access-control-allow-methods"])
        assert methods == {"get", "post", "delete", "options"}
    assert (unlisted_header.status_code, unlisted_method.status_code) == (400, 400)


async def test_it_lets_a_browser_client_read_the_retry_after_of_a_429(acme_db, fake_registry, settings):
    settings.RATE_MCP_AUTH_FAILURES_PER_IP = "1/m"
    async with raw_http() as http:
        await call(http, "odk_bad")
        blocked = await call(http, "odk_bad", headers={"Origin": "http://127.0.0.1:8000"})
    assert blocked.status_code == 429
    assert blocked.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    assert {"retry-after", "x-request-id", "mcp-session-id", "mcp-protocol-version"} <= header_names(
        blocked.headers["access-control-expose-headers"]
    )


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:6274", True),
        ("HTTP://LOCALHOST:6274", True),
        ("http://localhost:1", True),
        ("http://localhost", False),
        ("http://localhost:62x4", False),
        ("http://localhost:6274.evil.example", False),
        ("https://app.example.com", True),
        ("https://app-example.com", False),
        ("https://app.example.com.evil.example", False),
    ],
)
def test_it_matches_origins_whole_with_any_port_only_where_configured(settings, origin, allowed):
    settings.MCP_ALLOWED_ORIGINS = ["http://localhost:*", "https://app.example.com/"]
    assert mcp_auth.origin_allowed(origin) is allowed
