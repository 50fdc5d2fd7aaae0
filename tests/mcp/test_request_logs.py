"""The "request finished" and "operation finished" lines, through the whole ASGI application."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY, generate_latest

from tenants.services import magic_links
from tests.logs import json_logs
from tests.mcp.conftest import http_client, modern_request, raw_http, serving

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_mcp_tool_call_logs_its_operation_and_its_request(acme_db, make_key, fake_registry):
    raw = await make_key(acme_db, scope="read")
    body, headers = modern_request(
        "tools/call", {"name": "stores_echo", "arguments": {"text": "hi"}}, name="stores_echo"
    )
    with json_logs() as logs:
        async with raw_http({**headers, "Authorization": f"Bearer {raw}"}) as http:
            response = await http.post("/mcp", json=body)
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    (operation,) = logs.find("operation stores_echo finished: ok")
    assert operation["operation"] == "stores_echo" and operation["outcome"] == "ok"
    assert (operation["request_id"], operation["source"], operation["tenant"]) == (
        request_id,
        "mcp",
        str(acme_db.pk),
    )
    assert operation["duration_ms"] >= 0
    (finished,) = logs.find("request finished")
    assert {key: finished[key] for key in ("method", "path", "route", "status", "request_id")} == {
        "method": "POST",
        "path": "/mcp",
        "route": "mcp",
        "status": 200,
        "request_id": request_id,
    }
    assert finished["tenant"] == str(acme_db.pk) and finished["operation"] == "stores_echo"
    assert finished["duration_ms"] >= operation["duration_ms"]
    assert raw not in logs.text


async def test_an_mcp_request_that_runs_no_operation_is_logged_with_its_tenant(acme_db, make_key):
    raw = await make_key(acme_db, scope="read")
    body, headers = modern_request("tools/list")
    with json_logs() as logs:
        async with raw_http({**headers, "Authorization": f"Bearer {raw}"}) as http:
            response = await http.post("/mcp", json=body)
    assert response.status_code == 200
    (finished,) = logs.find("request finished")
    assert (finished["status"], finished["tenant"]) == (200, str(acme_db.pk))


async def test_a_refused_mcp_request_is_logged_without_its_key(committed):
    body, headers = modern_request("tools/list")
    with json_logs() as logs:
        async with raw_http({**headers, "Authorization": "Bearer odk_nope_0123456789abcdef0123"}) as http:
            response = await http.post("/mcp", json=body)
    assert response.status_code == 401
    (finished,) = logs.find("request finished")
    assert (finished["status"], finished["route"]) == (401, "mcp")
    assert "0123456789abcdef0123" not in logs.text


async def test_a_page_request_is_logged_by_its_route_name(committed):
    with json_logs() as logs:
        async with serving(), http_client({"X-Request-ID": "probe-1"}) as http:
            response = await http.get("/healthz?verbose=1")
    assert response.status_code == 200
    (finished,) = logs.find("request finished")
    assert (finished["route"], finished["path"], finished["request_id"], finished["source"]) == (
        "healthz",
        "/healthz",
        "probe-1",
        "web",
    )


async def test_a_magic_link_path_is_logged_redacted(committed):
    token = magic_links.new_token("login")
    with json_logs() as logs:
        async with serving(), http_client() as http:
            response = await http.get(f"/auth/magic/{token}/")
    assert response.status_code == 400  # a link never issued
    (finished,) = logs.find("request finished")
    assert finished["status"] == 400
    assert finished["path"] == "/auth/magic/[REDACTED]/" and finished["route"] == "tenants:magic"
    assert token not in logs.text and token.split(".")[1] not in logs.text


async def test_an_unknown_path_is_counted_as_unmatched(committed):
    with json_logs() as logs:
        async with serving(), http_client() as http:
            response = await http.get("/no/such/page/12345")
    assert response.status_code == 404
    (finished,) = logs.find("request finished")
    assert (finished["route"], finished["status"]) == ("unmatched", 404)


async def test_an_invented_method_adds_no_metric_series(committed):
    labels = {"method": "other", "route": "healthz", "status": "403"}  # CSRF refuses unknown methods
    before = REGISTRY.get_sample_value("orderdesk_admin_http_requests_total", labels) or 0
    async with serving(), http_client() as http:
        for method in ("BREW", "BREW2"):
            assert (await http.request(method, "/healthz")).status_code == 403
    assert "BREW" not in generate_latest(REGISTRY).decode()
    assert REGISTRY.get_sample_value("orderdesk_admin_http_requests_total", labels) == before + 2
