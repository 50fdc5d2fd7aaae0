"""The pages' HTTPS policy and security headers for /mcp, which Django's middleware never sees.

/mcp is an ASGI app beside Django (orderdesk_admin.asgi), so `SecurityMiddleware` neither redirects
its plain-http requests nor adds HSTS and nosniff to its answers. Rather than restate those rules,
this asks Django's own middleware (SecurityMiddleware, XFrameOptionsMiddleware) what it would do
with the request: the same settings (SECURE_SSL_REDIRECT, SECURE_PROXY_SSL_HEADER,
SECURE_REDIRECT_EXEMPT, SECURE_HSTS_*, …) then mean the same thing on both sides.

One difference: where a page would be redirected to https, /mcp answers 403 with a JSON-RPC error
naming the https address. A JSON-RPC client cannot use an HTML redirect, and following it would
re-send the request (and its key) without the caller noticing that it went out in clear.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _unused(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only the middleware's request and response hooks are called")


def _needs_https(security: SecurityMiddleware, request: HttpRequest) -> bool:
    """Whether Django would redirect this request to https (the probes' exemptions apply)."""
    try:
        return security.process_request(request) is not None
    except DisallowedHost:
        return True  # only a redirect reads the host; the guard refuses that host anyway


def _policy_headers(security: SecurityMiddleware, request: HttpRequest) -> list[tuple[bytes, bytes]]:
    """The headers Django's middleware adds to a page answering `request` (HSTS only over https)."""
    response = HttpResponse()
    before = set(response.headers)
    security.process_response(request, response)
    XFrameOptionsMiddleware(_unused).process_response(request, response)
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers.items()
        if name not in before
    ]


def _https_url(request: HttpRequest) -> str:
    try:
        host = settings.SECURE_SSL_HOST or request.get_host()
    except DisallowedHost:
        host = settings.SITE_URL.split("://", 1)[-1].rstrip("/")
    return f"https://{host}{request.path}"


def _with_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    """`send`, adding each of `headers` the answer does not set itself."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            own = {name.lower() for name, _ in message.get("headers", ())}
            extra = [(name, value) for name, value in headers if name not in own]
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return wrapped


class HttpsPolicy:
    """ASGI middleware: refuse plain http when SECURE_SSL_REDIRECT is on, and add the pages' headers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Built from the scope alone (no body is read): Django's view of the scheme, the
        # SECURE_PROXY_SSL_HEADER included, and of the path the exemptions are matched against.
        request = ASGIRequest(scope, io.BytesIO())
        security = SecurityMiddleware(_unused)  # per request: it reads the settings when built
        send = _with_headers(send, _policy_headers(security, request))
        if _needs_https(security, request):
            await _refuse_plain_http(send, _https_url(request))
            return
        await self.app(scope, receive, send)


async def _refuse_plain_http(send: Send, url: str) -> None:
    message = f"This endpoint is served over HTTPS only; send the request to {url}"
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
