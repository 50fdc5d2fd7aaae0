"""The client IP: one rule for the pages (Django's request) and for /mcp (the raw ASGI scope)."""

import io

import pytest
from django.core.handlers.asgi import ASGIRequest

from kernel.middleware import asgi_client_ip, client_ip


def scope(peer: str | None, *forwarded: str) -> dict:
    return {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "client": (peer, 5000) if peer else None,
        "headers": [(b"host", b"testserver"), *((b"x-forwarded-for", line.encode()) for line in forwarded)],
    }


@pytest.mark.parametrize(
    ("asgi_scope", "expected"),
    [
        (scope("203.0.113.7"), "203.0.113.7"),
        (scope("203.0.113.7", "198.51.100.1"), "203.0.113.7"),  # an untrusted peer's header proves nothing
        (scope("10.0.0.2", "198.51.100.1"), "198.51.100.1"),
        (scope("10.0.0.2", "198.51.100.1, 10.0.0.3"), "198.51.100.1"),
        (scope("10.0.0.2", "192.0.2.66", "198.51.100.1"), "198.51.100.1"),  # the proxy's own line wins
        (scope("10.0.0.2", "not-an-ip"), "10.0.0.2"),
        (scope("10.0.0.2"), "10.0.0.2"),
    ],
)
def test_it_finds_the_same_client_for_a_page_and_for_mcp(settings, asgi_scope, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert asgi_client_ip(asgi_scope) == expected
    assert client_ip(ASGIRequest(asgi_scope, io.BytesIO())) == expected


def test_it_has_no_client_without_a_peer():
    assert asgi_client_ip(scope(None, "198.51.100.1")) is None
