"""Where a call may go and what it carries: the host allow-list, safe paths, headers and bodies, and one
pooled httpx.AsyncClient per event loop."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from kernel.errors import InvalidInput
from stores.models import StoreCredentials
from stores.per_loop import PerLoop
from stores.types import BASE_URL_MAX
from stores.upstream.body import ACCEPT_ENCODING

try:
    APP_VERSION = version("orderdesk-admin")
except PackageNotFoundError:  # running from a checkout that was never installed
    APP_VERSION = "dev"

# OrderDesk asks integrations for a unique, descriptive User-Agent.
USER_AGENT = f"OrderDeskAdmin/{APP_VERSION} (OrderDesk admin and MCP gateway; httpx/{httpx.__version__})"

TransportSource = httpx.AsyncBaseTransport | Callable[[], httpx.AsyncBaseTransport] | None

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port filled in; None if there is no host."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0)


def check_base_url(base_url: str) -> str:
    """The one rule for where a store's calls may go, applied when a store is saved and again before
    every connection: an https URL on an ORDERDESK_ALLOWED_HOSTS host (default port), or this app's own
    sandbox (exactly the scheme, host and port of SANDBOX_BASE_URL or SITE_URL). Anything else could
    turn a store's base URL into a way to reach machines on our network, so it is refused.

    Returns the URL without a trailing slash; raises InvalidInput naming `base_url`.
    """
    url = (base_url or "").strip()
    allowed = ", ".join(settings.ORDERDESK_ALLOWED_HOSTS) or "none"
    try:
        parts = urlsplit(url)
        origin = _origin(url)
    except ValueError:
        origin = None
    if origin is None or origin[0] not in _DEFAULT_PORTS:
        raise InvalidInput(
            "base_url: give an https URL such as https://app.orderdesk.me/api/v2.", field="base_url"
        )
    if len(url) > BASE_URL_MAX or parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInput(
            "base_url: give a plain URL such as https://app.orderdesk.me/api/v2 (no user name, password, "
            f"query or fragment, at most {BASE_URL_MAX} characters).",
            field="base_url",
        )
    if origin in {_origin(settings.SANDBOX_BASE_URL), _origin(settings.SITE_URL)}:
        return url.rstrip("/")
    scheme, host, port = origin
    hosts = {h.lower() for h in settings.ORDERDESK_ALLOWED_HOSTS}
    if host not in hosts or scheme != "https" or port != 443:
        raise InvalidInput(
            f"base_url: must be an https URL on an OrderDesk host ({allowed}), so the API key is never "
            "sent anywhere else or in clear.",
            field="base_url",
        )
    return url.rstrip("/")


def check_path(path: str) -> str:
    """A path relative to the base URL ("/orders/123"). Ids from callers end up in paths, so anything
    that could climb out of the API (../, //, a query or fragment, backslashes) is refused."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        raise InvalidInput(f"OrderDesk paths start with a single '/', not {path!r}.", field="path")
    segments = path.split("/")[1:]
    if any(s in (".", "..") for s in segments) or any(c in path for c in "?#\\\r\n\t "):
        raise InvalidInput(
            f"The OrderDesk path {path!r} contains characters that are not allowed in an id.", field="path"
        )
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")  # OrderDesk's timestamp format
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent to OrderDesk as JSON")


def encode_body(body: Any) -> bytes:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default)
    return text.encode()


def request_headers(creds: StoreCredentials, *, has_body: bool) -> dict[str, str]:
    headers = {
        "ORDERDESK-STORE-ID": str(creds.orderdesk_store_id),
        "ORDERDESK-API-KEY": creds.api_key,
    }
    # The current OrderDesk docs call Content-Type on a GET invalid: only send it with a body.
    if has_body:
        headers["Content-Type"] = "application/json"
    return headers


def attempt_timeout(remaining: float) -> httpx.Timeout:
    """connect 5 s / read 15 s, never beyond what is left of the call's deadline."""
    connect = max(0.001, min(settings.ORDERDESK_CONNECT_TIMEOUT, remaining))
    read = max(0.001, min(settings.ORDERDESK_READ_TIMEOUT, remaining))
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


class ClientPool:
    """One httpx.AsyncClient per running event loop (see stores.per_loop): in production one pooled
    client per process, and an AsyncClient's connections are never used from a loop other than their
    own."""

    def __init__(self, transport: TransportSource = None):
        self._transport = transport
        self._clients = PerLoop(self._new_client)

    def _new_client(self) -> httpx.AsyncClient:
        transport = self._transport() if callable(self._transport) else self._transport
        return httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(
                settings.ORDERDESK_READ_TIMEOUT, connect=settings.ORDERDESK_CONNECT_TIMEOUT
            ),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            # No proxies, netrc credentials or certificate overrides from the environment: where the
            # store's API key goes is decided by the allow-list above and nothing else.
            trust_env=False,
        )

    def get(self) -> httpx.AsyncClient:
        return self._clients.get()

    async def aclose(self) -> None:
        """Close the current loop's client (shutdown and tests)."""
        client = self._clients.pop()
        if client is not None:
            await client.aclose()

    def loops(self) -> int:
        return len(self._clients)
