"""WebSocket handshakes only from the site's own origin: scheme, host and port, as in SITE_URL.

Channels' AllowedHostsOriginValidator compares only the Origin's host with ALLOWED_HOSTS (read once,
at import), so a page served on the same host over plain http or on another port could open the live
tail with the operator's cookie. Browsers always send Origin on a WebSocket handshake, so one without
it is refused too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}
REFUSED = 4403


def _origin_key(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port out of range or not a number
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/") or parts.username:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def same_origin_as_site(origin: str | None) -> bool:
    key = _origin_key(origin) if origin else None
    return key is not None and key == _origin_key(settings.SITE_URL)


class SiteOriginValidator:
    """ASGI middleware for websocket scopes: refuses the handshake unless Origin is SITE_URL's."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        origins = [value for name, value in scope.get("headers", ()) if name == b"origin"]
        origin = origins[0].decode("latin-1") if len(origins) == 1 else None
        if scope["type"] == "websocket" and same_origin_as_site(origin):
            return await self.application(scope, receive, send)
        message = await receive()  # websocket.connect
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": REFUSED})
