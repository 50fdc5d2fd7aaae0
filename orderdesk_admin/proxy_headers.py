"""One place decides the client's address: the app, from TRUSTED_PROXIES (kernel.middleware).

uvicorn rewrites the ASGI scope's client from X-Forwarded-For (and its scheme from
X-Forwarded-Proto) for any peer in `--forwarded-allow-ips`, 127.0.0.1 by default, before the app
runs. It leaves no trace of the peer it replaced, so the app can neither undo nor notice the rewrite
per request: a caller on the same host (or behind any local proxy) could then pick the address
every per-IP limit and audit row sees, by sending a new X-Forwarded-For each time.

So the server must pass the peer through untouched (`uvicorn --no-proxy-headers`, as `make run` and
the README's production command do), and `ServerProxyHeadersRefused` makes that a condition of
running at all: it looks up the call stack once, at the first event (the lifespan startup), for
uvicorn's proxy-headers middleware, which only runs there when the flag is missing. If it is there,
startup fails with a message saying what to pass; with the lifespan turned off, every request is
refused instead. Servers without such a layer (daphne, hypercorn by default, the test transports)
are unaffected.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from types import CodeType, FrameType
from typing import Any

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROBLEM = (
    "uvicorn is rewriting client addresses from X-Forwarded-For (its proxy headers are on), so "
    "clients could choose the address every rate limit and audit record sees. Start it with "
    "--no-proxy-headers; this app reads X-Forwarded-For itself, from the proxies in TRUSTED_PROXIES."
)
# The server calls the app through a handful of layers (a logging wrapper with --log-level trace,
# an ASGI 2 adapter, a wrapper such as the conformance app): far fewer frames than this.
_SEARCH_DEPTH = 12


def _rewriting_code() -> frozenset[CodeType]:
    """The code of the server layers that rewrite the client address."""
    try:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
    except ImportError:  # served by something else
        return frozenset()
    return frozenset({ProxyHeadersMiddleware.__call__.__code__})


def server_rewrites_client(frame: FrameType | None) -> bool:
    """Whether a server layer that rewrites the client address called the frame `frame`."""
    rewriting = _rewriting_code()
    for _ in range(_SEARCH_DEPTH):
        if frame is None:
            return False
        if frame.f_code in rewriting:
            return True
        frame = frame.f_back
    return False


class ServerProxyHeadersRefused:
    """ASGI: the app, as long as the server hands it the real peer address (see the module docstring)."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.misconfigured: bool | None = None  # unknown until the first event

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.misconfigured is None:
            self.misconfigured = server_rewrites_client(sys._getframe(1))
            if self.misconfigured:
                logger.critical(PROBLEM)
        if not self.misconfigured:
            await self.app(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _fail_startup(receive, send)
        elif scope["type"] == "http":
            await _refuse_request(send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1011})


async def _fail_startup(receive: Receive, send: Send) -> None:
    """Answer the lifespan with a failed startup, which makes uvicorn exit (lifespan "on" or "auto")."""
    message = await receive()
    if message["type"] == "lifespan.startup":
        await send({"type": "lifespan.startup.failed", "message": PROBLEM})


async def _refuse_request(send: Send) -> None:
    body = b"Server misconfigured: see the server log.\n"
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
