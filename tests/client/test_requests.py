"""What goes on the wire, where it may go, and which client object carries it."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest

from kernel.errors import InvalidInput
from stores.client import OrderDeskClient, get_client, override_client
from tests.client.conftest import API_KEY, make_creds, ok


async def test_it_sends_both_auth_headers_a_descriptive_agent_and_no_body_on_get(make_client, creds):
    client, script = make_client()

    await client.get(creds, "/orders", params={"folder_id": 1001, "limit": 50})

    request = script.requests[0]
    assert request.method == "GET"
    assert str(request.url) == "https://app.orderdesk.me/api/v2/orders?folder_id=1001&limit=50"
    assert request.headers["ORDERDESK-STORE-ID"] == "11"
    assert request.headers["ORDERDESK-API-KEY"] == API_KEY
    assert request.headers["User-Agent"].startswith("OrderDeskAdmin/")
    assert request.headers["Accept"] == "application/json"
    assert "Content-Type" not in request.headers and "Content-Length" not in request.headers
    assert request.content == b""


async def test_it_sends_json_with_a_content_type_only_when_there_is_a_body(make_client, creds):
    client, script = make_client()

    await client.put(creds, "/orders/5", json={"id": "5", "email": "ä@b.test"})
    await client.delete(creds, "/orders/5")

    put, delete = script.requests
    assert put.headers["Content-Type"] == "application/json"
    assert json.loads(put.content) == {"id": "5", "email": "ä@b.test"}
    assert "Content-Type" not in delete.headers and delete.content == b""


async def test_it_refuses_a_body_on_get(make_client, creds):
    client, script = make_client()

    with pytest.raises(ValueError, match="body on GET"):
        await client.request(creds, "GET", "/orders", json={"x": 1})
    assert script.calls == 0


@pytest.mark.parametrize(
    "base_url",
    [
        "http://10.0.0.5/api/v2",
        "https://169.254.169.254/latest",
        "https://app.orderdesk.me.evil.test/api/v2",
        "http://127.0.0.1:6379/",  # our own host, but not the port the app or sandbox listens on
        "https://user:pw@app.orderdesk.me/api/v2",
        "ftp://app.orderdesk.me/api/v2",
        "http://app.orderdesk.me/api/v2",  # the key would travel in clear
        "",
    ],
)
async def test_it_refuses_base_urls_outside_the_allow_list_before_connecting(make_client, base_url):
    client, script = make_client()

    with pytest.raises(InvalidInput) as caught:
        await client.get(make_creds(base_url=base_url), "/test")

    assert caught.value.field == "base_url"
    assert script.calls == 0


async def test_it_allows_the_sandbox_and_configured_orderdesk_hosts(make_client, settings):
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:8123/sandbox/api/v2"
    settings.ORDERDESK_ALLOWED_HOSTS = ["app.orderdesk.me", "eu.orderdesk.example"]
    client, script = make_client()

    await client.get(make_creds(base_url="http://127.0.0.1:8123/sandbox/api/v2/"), "/test")
    await client.get(make_creds(base_url="https://eu.orderdesk.example/api/v2"), "/test")
    await client.get(make_creds(base_url=settings.SITE_URL + "/sandbox/api/v2"), "/test")

    assert [str(r.url) for r in script.requests] == [
        "http://127.0.0.1:8123/sandbox/api/v2/test",
        "https://eu.orderdesk.example/api/v2/test",
        settings.SITE_URL + "/sandbox/api/v2/test",
    ]


@pytest.mark.parametrize(
    "path", ["orders", "//evil.test/x", "/orders/../../admin", "/orders/1?x=1", "/orders/1#f", "/a\\b"]
)
async def test_it_refuses_paths_that_could_leave_the_api(make_client, creds, path):
    client, script = make_client()

    with pytest.raises(InvalidInput) as caught:
        await client.get(creds, path)

    assert caught.value.field == "path"
    assert script.calls == 0


async def test_it_reuses_one_pooled_http_client_per_event_loop():
    client = OrderDeskClient(transport=httpx.MockTransport(lambda r: ok()))
    here = client._pool.get()
    assert client._pool.get() is here

    elsewhere: list[httpx.AsyncClient] = []

    def other_loop() -> None:
        async def grab() -> None:
            elsewhere.append(client._pool.get())

        asyncio.run(grab())

    thread = threading.Thread(target=other_loop)
    thread.start()
    thread.join()

    assert elsewhere[0] is not here
    # The other loop is closed now: its client is dropped on the next lookup instead of being reused.
    assert client._pool.get() is here
    assert client._pool.loops() == 1
    await client.aclose()


def test_it_hands_out_one_process_wide_client_that_tests_can_override():
    default = get_client()
    assert get_client() is default

    substitute = OrderDeskClient(transport=httpx.MockTransport(lambda r: ok()))
    with override_client(substitute):
        assert get_client() is substitute
    assert get_client() is default
