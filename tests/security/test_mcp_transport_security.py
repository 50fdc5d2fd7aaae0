"""/mcp is an ASGI app beside Django, so Django's SecurityMiddleware never sees it: with the HTTPS
redirect on, /mcp still answered over plain http, and none of its answers carried HSTS or nosniff.
It holds the pages' policy now; a JSON-RPC client gets a JSON error rather than an HTML redirect."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx2
import pytest

from orderdesk_admin.asgi import application
from tests.mcp.conftest import modern_request, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def https_policy(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = False
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    settings.SECURE_REFERRER_POLICY = "same-origin"


@contextlib.asynccontextmanager
async def mcp_at(origin: str) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=application)
    async with serving(), httpx2.AsyncClient(transport=transport, base_url=origin, timeout=30) as http:
        yield http


async def post_tools_list(http: httpx2.AsyncClient, headers: dict[str, str] | None = None):
    body, route = modern_request("tools/list")
    return await http.post(
        "/mcp", json=body, headers={**route, "Authorization": "Bearer odk_x_y", **(headers or {})}
    )


async def test_mcp_over_plain_http_is_refused_when_ssl_redirect_is_on(https_policy):
    async with mcp_at("http://127.0.0.1:8000") as http:
        response = await post_tools_list(http)

    assert response.status_code == 403 and "location" not in response.headers
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == -32600 and "https://" in error["message"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers  # never over plain http


async def test_mcp_behind_a_tls_proxy_is_served_when_the_proxy_says_https(https_policy, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    async with mcp_at("http://127.0.0.1:8000") as http:
        proxied = await post_tools_list(http, {"X-Forwarded-Proto": "https"})
        direct = await post_tools_list(http, {"X-Forwarded-Proto": "http"})

    assert proxied.status_code == 401  # past the HTTPS policy, on to the (bad) key
    assert proxied.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert direct.status_code == 403


async def test_mcp_responses_carry_hsts_and_nosniff(https_policy):
    async with mcp_at("https://127.0.0.1:8000") as http:
        refused = await post_tools_list(http)
        wrong_method = await http.get("/mcp")

    for response in (refused, wrong_method):
        assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"
    assert refused.status_code == 401


async def test_mcp_over_plain_http_is_served_when_ssl_redirect_is_off(settings):
    settings.SECURE_SSL_REDIRECT = False
    async with mcp_at("http://127.0.0.1:8000") as http:
        response = await post_tools_list(http)

    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"
