"""The console's "copy as" snippets work: the curl command and the Python script, run against the real
/mcp (the whole ASGI stack) with an agent key, get the result the console showed for the same call."""

from __future__ import annotations

import html
import json
import re
import shlex

import httpx2
import pytest
from asgiref.sync import sync_to_async
from django.test import Client as DjangoClient
from django.urls import reverse

from mcp_bridge import console_runs
from mcp_bridge.console_output import KEY_VARIABLE, PROTOCOL_VERSION
from orderdesk_admin.asgi import application
from tests.helpers import sign_in
from tests.mcp.conftest import raw_http, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def console_uses_the_fake_registry(monkeypatch, fake_registry):
    monkeypatch.setattr(console_runs, "get_registry", lambda: fake_registry)


def run_in_console(user, name: str, data: dict) -> str:
    client = sign_in(DjangoClient(), user)
    return client.post(reverse("mcp_bridge:console-run", args=[name]), data).content.decode()


def console_result(body: str) -> dict:
    return json.loads(html.unescape(body.split('<pre class="console-json">')[1].split("</pre>")[0]))


def snippet(body: str, slug: str) -> str:
    found = re.search(rf'<code class="snippet" id="console-as-{slug}">(.*?)</code>', body, re.S)
    assert found, f"no {slug} snippet"
    return html.unescape(found.group(1))


def parse_curl(command: str, key: str) -> tuple[str, dict[str, str], str]:
    """The URL, headers and body a shell would give curl (with the key variable set)."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:2] == ["curl", "-sS"]
    url, headers, body = words[2], {}, None
    rest = iter(words[3:])
    for word in rest:
        if word == "-H":
            name, value = next(rest).split(": ", 1)
            headers[name] = value.replace(f"${KEY_VARIABLE}", key)
        elif word == "--data-raw":
            body = next(rest)
        else:
            raise AssertionError(f"unexpected curl argument {word!r}")
    assert body is not None
    return url, headers, body


def sse_message(response) -> dict:
    data = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
    return json.loads(data[-1]) if data else response.json()


def without_notice(data: dict) -> dict:
    # /mcp adds a notice that shopper-entered text is data, not instructions; the console has no agent.
    return {name: value for name, value in data.items() if name != "data_notice"}


async def test_the_curl_snippet_gets_the_result_the_console_showed(
    acme_db, alice, make_key, console_uses_the_fake_registry
):
    raw = await make_key(acme_db)
    body = await sync_to_async(run_in_console)(alice, "orders_fake_page", {"limit": "3", "padding": "2"})
    url, headers, data = parse_curl(snippet(body, "curl"), raw)
    assert headers["MCP-Protocol-Version"] == PROTOCOL_VERSION
    assert json.loads(data) == json.loads(snippet(body, "jsonrpc"))  # the JSON-RPC snippet is the same body
    async with raw_http() as http:
        response = await http.post(url, content=data.encode(), headers=headers)
    assert response.status_code == 200, response.text
    message = sse_message(response)
    assert "error" not in message and not message["result"].get("isError"), message
    answered = json.loads(message["result"]["content"][0]["text"])
    assert without_notice(answered) == console_result(body)


async def test_the_python_snippet_gets_the_result_the_console_showed(
    acme_db, alice, make_key, console_uses_the_fake_registry, monkeypatch, capsys
):
    raw = await make_key(acme_db)
    body = await sync_to_async(run_in_console)(alice, "orders_fake_page", {"limit": "2", "padding": "1"})
    source = snippet(body, "python")
    assert source.rstrip().endswith("asyncio.run(main())")
    namespace: dict = {}
    exec(compile(source.rstrip().removesuffix("asyncio.run(main())"), "snippet.py", "exec"), namespace)

    class ThroughTheApp(httpx2.AsyncClient):  # the snippet's own client, sent to the ASGI app
        def __init__(self, **kwargs):
            super().__init__(transport=httpx2.ASGITransport(app=application), **kwargs)

    monkeypatch.setattr(httpx2, "AsyncClient", ThroughTheApp)
    monkeypatch.setenv(KEY_VARIABLE, raw)
    async with serving():
        await namespace["main"]()
    printed = json.loads(capsys.readouterr().out)
    assert without_notice(printed) == console_result(body)


def test_the_snippets_speak_a_protocol_version_the_sdk_serves():
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    assert PROTOCOL_VERSION in MODERN_PROTOCOL_VERSIONS
