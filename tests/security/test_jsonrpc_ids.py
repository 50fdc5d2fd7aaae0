"""A JSON-RPC request whose id is null (or not a string or integer) is neither a request nor a
notification: refused with 400 and -32600 Invalid Request, on the 2025-era wire and the 2026 one."""

import pytest

from tests.mcp import fake_ops
from tests.mcp.conftest import (  # noqa: F401 (acme_db, committed, fake_registry, make_key: fixtures)
    acme_db,
    committed,
    fake_registry,
    make_key,
    modern_request,
    raw_http,
)

pytestmark = pytest.mark.django_db(transaction=True)

LEGACY_HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2025-11-25",
}
CALL = {"name": "stores_echo", "arguments": {"text": "hi"}}


def message(wire: str, method: str, params: dict | None = None, **fields) -> tuple[dict, dict]:
    """A JSON-RPC message for `wire` and its headers; `fields` replace or add top-level members."""
    if wire == "modern":
        body, headers = modern_request(method, params, name=(params or {}).get("name"))
    else:
        body, headers = {"jsonrpc": "2.0", "id": 1, "method": method}, dict(LEGACY_HEADERS)
        if params:
            body["params"] = params
    return {**body, **fields}, headers


async def post(raw: str, body, headers: dict):
    async with raw_http() as http:
        return await http.post("/mcp", json=body, headers={**headers, "Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize("wire", ["legacy", "modern"])
async def test_request_with_a_null_id_is_an_invalid_request(acme_db, make_key, fake_registry, wire):  # noqa: F811
    body, headers = message(wire, "tools/call", CALL, id=None)
    response = await post(await make_key(acme_db), body, headers)
    assert response.status_code == 400
    assert response.json()["jsonrpc"] == "2.0" and response.json()["id"] is None
    assert response.json()["error"]["code"] == -32600
    assert fake_ops.CALLS == []  # the tool never ran


@pytest.mark.parametrize("bad", [True, 1.5, [], {}])
@pytest.mark.parametrize("wire", ["legacy", "modern"])
async def test_a_request_id_that_is_not_a_string_or_integer_is_refused(acme_db, make_key, wire, bad):  # noqa: F811
    body, headers = message(wire, "tools/list", id=bad)
    response = await post(await make_key(acme_db), body, headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32600


@pytest.mark.parametrize("wire", ["legacy", "modern"])
async def test_a_batch_is_refused(acme_db, make_key, wire):  # noqa: F811
    body, headers = message(wire, "tools/list", id=None)
    response = await post(await make_key(acme_db), [body], headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32600


async def test_a_notification_is_still_accepted(acme_db, make_key):  # noqa: F811
    body, headers = message("legacy", "notifications/initialized")
    del body["id"]
    assert (await post(await make_key(acme_db), body, headers)).status_code == 202


@pytest.mark.parametrize("request_id", [7, "req-7"])
async def test_a_string_or_integer_id_still_works(acme_db, make_key, fake_registry, request_id):  # noqa: F811
    body, headers = message("legacy", "tools/list", id=request_id)
    response = await post(await make_key(acme_db), body, headers)
    assert response.status_code == 200
    assert f'"id":{request_id!r}'.replace("'", '"') in response.text.replace(" ", "")
