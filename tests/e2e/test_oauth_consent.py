"""Journey: an MCP client sends a signed-out owner to the consent page; they sign in by magic link,
come back to it, see which client asks and where it will return, choose a store and the scope, and
approve; the browser lands on the client's redirect URI with a code and the client's state."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import unique_email

pytestmark = pytest.mark.e2e

CALLBACK = "http://127.0.0.1:48765/callback"


def test_an_owner_signs_in_and_approves_a_client_for_one_store(page, server):
    address = unique_email("oauth")
    server.create_tenant(address, "Consent Co")
    registered = httpx.post(
        f"{server.url}/oauth/register",
        json={
            "client_name": "Inspector e2e",
            "redirect_uris": [CALLBACK],
            "token_endpoint_auth_method": "none",
        },
    ).json()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    authorize = f"{server.url}/oauth/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": registered["client_id"],
            "redirect_uri": CALLBACK,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": f"{server.url}/mcp",
            "scope": "read read_write",
        }
    )
    # The client's own callback server, standing in for the one it would listen with.
    page.route(f"{CALLBACK}**", lambda route: route.fulfill(body="connected", content_type="text/plain"))

    page.goto(authorize)
    page.get_by_label("E-mail address").fill(address)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    page.goto(server.magic_link(address))
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Connect Inspector e2e?")).to_be_visible()
    expect(page.locator("#redirect-host")).to_have_text("127.0.0.1:48765")
    page.get_by_role("radio", name=re.compile(r"^read: ")).check()
    page.get_by_role("radio", name=re.compile(r"Only the stores ticked")).check()
    page.get_by_role("checkbox", name=re.compile(r"\(sandbox\)")).first.check()
    page.get_by_role("button", name="Approve").click()

    page.wait_for_url(f"{CALLBACK}?**")
    params = {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}
    assert params["state"] == state and params["code"] and params["iss"] == server.url
    tokens = httpx.post(
        f"{server.url}/oauth/token/",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": CALLBACK,
            "client_id": registered["client_id"],
            "code_verifier": verifier,
            "resource": f"{server.url}/mcp",
        },
    )
    assert tokens.status_code == 200 and tokens.json()["scope"] == "read"

    page.goto("/keys/")
    expect(page.locator("#app-table").get_by_role("row").filter(has_text="Inspector e2e")).to_contain_text(
        "read"
    )
