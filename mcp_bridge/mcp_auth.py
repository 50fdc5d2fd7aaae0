"""Who is calling /mcp: the HTTP guard in front of the MCP SDK, and the caller each tool call reads.

`McpGuard` is a plain ASGI middleware. For every /mcp request, in this order:
1. Host must be one of ALLOWED_HOSTS (421) and a present Origin one of SITE_URL's origin or
   MCP_ALLOWED_ORIGINS (403): both before anything about the caller is looked at. Browser-based
   clients on an allowed origin get CORS headers, and their preflights an answer without a key
   (Starlette's CORSMiddleware, given the same origins);
2. an IP that has used up its failed authentications gets 429 + Retry-After, before any key is
   looked at (so no bcrypt runs for it);
3. `Authorization: Bearer …` is the only credential (query strings and cookies are ignored): an API
   key (`odk_…`) or an OAuth access token issued by this site's authorization server (`oauth`) for
   exactly this resource (RFC 8707 audience `SITE_URL/mcp`; a token for any other audience is
   refused). Both resolve to the same kind of `Actor`, the OAuth one through its connected app. A
   missing credential gets 401 `WWW-Authenticate: Bearer realm="mcp", resource_metadata="…"` naming
   the protected-resource metadata (RFC 9728), from which MCP clients discover how to sign in; a bad,
   revoked or expired one 401 with `error="invalid_token"` too (counted, and audited at most once per
   IP per minute);
4. the connection's own narrowing headers (`ConnectionOptions`) are read: they may ask for fewer
   tools than the key allows (toolsets, read-only) and for output schemas, never for more access;
5. the request context (source "mcp", request id, client IP) and the authenticated `Caller` are
   bound in context variables, which the SDK carries into the tool handlers.

/mcp serves no server-initiated stream (stateless: every response travels on its own POST), so a GET
is answered 405 with `Allow`, as the transport specification lets a server do, instead of an event
stream that would stay open and idle.

The OAuth token itself, like an API key, never goes upstream: OrderDesk calls use only the stores'
own credentials.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host
from starlette.middleware.cors import CORSMiddleware

from api_keys import core as keys
from api_keys.models import ApiKey
from kernel import context
from kernel.errors import Forbidden
from kernel.middleware import asgi_client_ip
from mcp_bridge import mcp_limits
from oauth import verify as oauth_tokens
from operations.registry import TOOLSETS
from tenants.actors import Actor
from tenants.audit import Action, audit
from tenants.models import AuditOutcome

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

AUDIT_FAILURE_EVERY_SECONDS = 60


# --- The caller -----------------------------------------------------------------------------------------

TOOLSETS_HEADER = b"x-orderdesk-toolsets"
READ_ONLY_HEADER = b"x-orderdesk-read-only"
OUTPUT_SCHEMA_HEADER = b"x-orderdesk-output-schema"
_YES, _NO = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class ConnectionOptions:
    """What one connection asks for on top of its key: fewer tools, and whether tools carry output
    schemas (None: the key's own setting). A connection can narrow its key, never widen it."""

    toolsets: frozenset[str] | None = None
    read_only: bool = False
    output_schema: bool | None = None

    def narrow(self, actor: Actor) -> Actor:
        """The actor as this connection may use it (raises Forbidden when no toolset is left)."""
        if self.toolsets is None and not self.read_only:
            return actor
        return actor.narrowed(toolsets=self.toolsets, read_only=self.read_only)

    def output_schema_for(self, actor: Actor) -> bool:
        if self.output_schema is not None:
            return self.output_schema
        return bool(getattr(actor.api_key, "output_schema", False))


def _flag(name: str, value: str | None) -> bool | None:
    if value is None:
        return None
    cleaned = value.strip().lower()
    if cleaned in _YES or cleaned in _NO:
        return cleaned in _YES
    raise ValueError(f"{name} must be true or false, not {value.strip()[:40]!r}.")


def parse_options(
    toolsets: str | None, read_only: str | None, output_schema: str | None
) -> ConnectionOptions:
    """The options from their header values; ValueError names a bad header and says what it takes."""
    chosen = None
    if toolsets is not None:
        chosen = frozenset(part.strip().lower() for part in toolsets.split(",") if part.strip())
        unknown = sorted(chosen - set(TOOLSETS))
        if unknown or not chosen:
            raise ValueError(
                f"X-OrderDesk-Toolsets names unknown toolsets ({', '.join(unknown) or 'none given'}); "
                f"choose from {', '.join(TOOLSETS)}."
            )
    return ConnectionOptions(
        toolsets=chosen,
        read_only=bool(_flag("X-OrderDesk-Read-Only", read_only)),
        output_schema=_flag("X-OrderDesk-Output-Schema", output_schema),
    )


@dataclass(frozen=True)
class Caller:
    """The authenticated side of an MCP connection, as tool handlers see it."""

    actor: Actor
    source: str  # "mcp" or "stdio": the interface recorded on traces and audit events
    ip: str | None = None
    # One HTTP request carries one MCP message, so /mcp reuses the request's id; stdio has no
    # requests and gets a fresh id per tool call (None here).
    request_id: str | None = None
    # A long-lived connection (stdio) re-verifies its key on every message, so a revocation or an
    # expiry counts on the very next call there too. /mcp authenticates every request instead.
    reauthenticate: Callable[[], Awaitable[Actor | None]] | None = None
    options: ConnectionOptions = ConnectionOptions()

    async def current_actor(self) -> Actor | None:
        """The key's actor, narrowed by the connection's options (re-verified first on stdio)."""
        if self.reauthenticate is None:
            return self.actor
        actor = await self.reauthenticate()
        return None if actor is None else self.options.narrow(actor)

    def output_schema(self, actor: Actor) -> bool:
        return self.options.output_schema_for(actor)

    def request_context(self) -> context.RequestContext:
        return context.RequestContext(
            source=self.source, request_id=self.request_id or context.new_request_id(), ip=self.ip
        )


_caller: ContextVar[Caller | None] = ContextVar("mcp_caller", default=None)


def current_caller() -> Caller | None:
    return _caller.get()


@contextlib.contextmanager
def bind_caller(caller: Caller) -> Iterator[Caller]:
    token = _caller.set(caller)
    try:
        yield caller
    finally:
        _caller.reset(token)


# --- Host and Origin allow-lists ----------------------------------------------------------------------


def site_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}".lower()


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
# A server whose own address is loopback serves local tools (the MCP Inspector, a browser client on
# another port): any loopback origin may call it, as the MCP SDK's own defaults allow. A loopback
# origin cannot be reached by a remote page, and Host is still checked (DNS rebinding).
LOOPBACK_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*")


def _site_is_loopback() -> bool:
    return (urlsplit(settings.SITE_URL).hostname or "").lower() in LOOPBACK_HOSTS


def allowed_origins() -> list[str]:
    configured = [site_origin(), *(o.rstrip("/").lower() for o in settings.MCP_ALLOWED_ORIGINS)]
    if _site_is_loopback():
        configured += [origin for origin in LOOPBACK_ORIGINS if origin not in configured]
    return configured


@lru_cache(maxsize=8)
def origin_pattern(origins: tuple[str, ...]) -> re.Pattern[str]:
    """The allowed origins as one expression, matched whole and case-insensitively; an entry ending
    in ":*" ("http://localhost:*") allows any port. The guard's check and the CORS headers both use it,
    so they cannot disagree about an origin."""
    alternatives = (re.escape(o[:-1]) + "[0-9]+" if o.endswith(":*") else re.escape(o) for o in origins)
    return re.compile("(?i:" + "|".join(alternatives) + ")")


def origin_allowed(origin: str | None) -> bool:
    """No Origin is fine (agents are not browsers); a present one must be on the list."""
    if origin is None:
        return True
    return origin_pattern(tuple(allowed_origins())).fullmatch(origin.strip()) is not None


def host_allowed(host: str | None) -> bool:
    """Django's own rules for ALLOWED_HOSTS (".example.com" subdomains, "*"), port ignored."""
    if not host:
        return False
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def sdk_allowed_hosts() -> list[str] | None:
    """ALLOWED_HOSTS in the MCP SDK's notation (exact or "host:*"), or None when it has wildcards
    the SDK cannot express (the guard checks those itself with Django's rules)."""
    hosts = list(settings.ALLOWED_HOSTS)
    if any(h == "*" or h.startswith(".") for h in hosts):
        return None
    return [*hosts, *(f"{h}:*" for h in hosts)]


# --- Credentials ----------------------------------------------------------------------------------------


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header (scheme case-insensitive), else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _failure_subject(raw: str) -> tuple[ApiKey | None, str]:
    """Which key a failed token named, if any, and why it failed (never any token material)."""
    parsed = keys.parse(raw)
    if parsed is None:
        return None, "malformed key"
    key = ApiKey.objects.select_related("tenant").filter(pk=parsed[0]).first()
    if key is None:
        return None, "unknown key"
    if key.revoked_at is not None:
        return key, "revoked key"
    if not key.is_active:
        return key, "expired key"
    return key, "wrong secret"


def audit_auth_failure(raw: str, *, interface: str) -> None:
    """One `key.auth_failed` event, in the key's tenant when the token named a real key."""
    key, reason = _failure_subject(raw)
    audit(
        Action.KEY_AUTH_FAILED,
        tenant=key.tenant if key else None,
        target_type="api_key" if key else "",
        target_id=key.pk if key else "",
        target_label=key.name[:200] if key else "",  # not str(key): that shows the secret's first characters
        outcome=AuditOutcome.FAILURE,
        detail={"reason": reason, "interface": interface},
    )


def audit_oauth_failure(verdict: oauth_tokens.Verdict) -> None:
    """One `key.auth_failed` event for a refused OAuth token, in its connected app's team if known."""
    app = verdict.app
    audit(
        Action.KEY_AUTH_FAILED,
        tenant=app.tenant if app else None,
        target_type="connected_app" if app else "",
        target_id=app.pk if app else "",
        target_label=app.name[:200] if app else "",
        outcome=AuditOutcome.FAILURE,
        detail={"reason": verdict.reason, "interface": "mcp", "credential": "oauth"},
    )


async def note_auth_failure(raw: str, ip: str | None, verdict: oauth_tokens.Verdict | None = None) -> None:
    """Count a failed authentication against the IP; audit only the first per IP per minute, so a
    guessing client cannot flood the audit log."""
    await mcp_limits.record_auth_failure(ip)
    if await cache.aadd(f"mcp:auth-failure-audited:{ip or 'unknown'}", 1, AUDIT_FAILURE_EVERY_SECONDS):
        if verdict is not None:
            await sync_to_async(audit_oauth_failure)(verdict)
        else:
            await sync_to_async(audit_auth_failure)(raw, interface="mcp")


# --- The guard --------------------------------------------------------------------------------------------


_OWS = (b" ", b"\t")


def _without_ows(scope: Scope) -> Scope:
    """Header values without surrounding whitespace (RFC 9110 §5.5). Some HTTP parsers keep it, and
    the SDK compares routing headers such as Mcp-Name with the body exactly."""
    headers = scope.get("headers") or ()
    if any(value[:1] in _OWS or value[-1:] in _OWS for _, value in headers):
        return {**scope, "headers": [(key, value.strip(b" \t")) for key, value in headers]}
    return scope


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _respond(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()
) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _jsonrpc_error(message: str, code: int = -32600) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}


def resource_metadata_url() -> str:
    return f"{settings.SITE_URL}/.well-known/oauth-protected-resource/mcp"


def _unauthorized(error: str | None, description: str) -> tuple[dict[str, Any], list[tuple[bytes, bytes]]]:
    challenge = f'Bearer realm="mcp", resource_metadata="{resource_metadata_url()}"'
    if error:
        challenge += f', error="{error}", error_description="{description}"'
    body = {"error": error or "unauthorized", "error_description": description}
    return body, [(b"www-authenticate", challenge.encode())]


def _needs_connection_cleanup() -> bool:
    """Django closes stale or broken database connections at the end of each request; /mcp bypasses
    Django's handler, so it does the same itself (with a pool, that returns the connection to it).
    SQLite is left open: a local file has no server to lose, and reopening it on every request (Django
    re-registers its SQL functions each time) would cost more than the rest of a tool call."""
    return any(db["ENGINE"] != "django.db.backends.sqlite3" for db in settings.DATABASES.values())


class McpGuard:
    """Origin/Host checks, bearer authentication and the request context, before the SDK runs."""

    def __init__(self, app: ASGIApp, *, source: str = "mcp"):
        self.app = app
        self.source = source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = _without_ows(scope)
        if not host_allowed(_header(scope, b"host")):
            await _respond(send, 421, _jsonrpc_error("Invalid Host header"))
            return
        if not origin_allowed(_header(scope, b"origin")):
            await _respond(send, 403, _jsonrpc_error("Forbidden: this Origin may not call /mcp"))
            return
        # Past here an Origin is an allowed one: CORS answers its preflights (they never carry a key)
        # and adds its headers to every answer, the guard's own 401 and 429 included.
        await _cors(self._authenticated, tuple(allowed_origins()))(scope, receive, send)

    async def _authenticated(self, scope: Scope, receive: Receive, send: Send) -> None:
        ip = asgi_client_ip(scope)
        request_id = context.clean_request_id(_header(scope, b"x-request-id"))
        send = _adding_headers(send, [(b"x-request-id", request_id.encode())])
        with context.bind(context.RequestContext(source=self.source, request_id=request_id, ip=ip)):
            try:
                actor = await self._authenticate(scope, send, ip)
                if actor is None:
                    return
                # Every log line of this request names the tenant, also for calls that run no operation.
                context.note(tenant=str(actor.tenant.pk))
                if scope.get("method") == "GET":
                    await _respond(
                        send,
                        405,
                        _jsonrpc_error("This server sends no server-initiated stream; use POST."),
                        [(b"allow", b"POST")],
                    )
                    return
                try:
                    options = parse_options(
                        _header(scope, TOOLSETS_HEADER),
                        _header(scope, READ_ONLY_HEADER),
                        _header(scope, OUTPUT_SCHEMA_HEADER),
                    )
                    actor = options.narrow(actor)
                except (ValueError, Forbidden) as exc:
                    await _respond(send, 400, _jsonrpc_error(str(exc)))
                    return
                caller = Caller(
                    actor=actor, source=self.source, ip=ip, request_id=request_id, options=options
                )
                with bind_caller(caller):
                    await self.app(scope, receive, send)
            finally:
                if _needs_connection_cleanup():
                    await sync_to_async(close_old_connections)()

    async def _authenticate(self, scope: Scope, send: Send, ip: str | None) -> Actor | None:
        """The Actor for this request, or None after answering it with 401 or 429."""
        retry_after = await mcp_limits.auth_failures_exceeded(ip)
        if retry_after is not None:
            body = {
                "error": "rate_limited",
                "error_description": f"Too many failed authentications; retry after {retry_after} s.",
            }
            await _respond(send, 429, body, [(b"retry-after", str(retry_after).encode())])
            return None
        token = bearer_token(_header(scope, b"authorization"))
        if not token:
            body, headers = _unauthorized(
                None, "Send an API key (Authorization: Bearer odk_...) or sign in with OAuth."
            )
            await _respond(send, 401, body, headers)
            return None
        if token.startswith("odk_"):
            actor, verdict = (await keys.aauthenticate(token) if keys.parse(token) else None), None
        else:
            verdict = await oauth_tokens.aauthenticate(token)
            actor = verdict.actor
        if actor is None:
            await note_auth_failure(token, ip, verdict)
            body, headers = _unauthorized("invalid_token", "The token is invalid, revoked or expired.")
            await _respond(send, 401, body, headers)
            return None
        return actor


def _adding_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *headers]}
        await send(message)

    return wrapped


# The MCP transport's headers a browser-based client sends and reads, plus the ones the guard itself
# reads (X-Request-ID) or answers with (WWW-Authenticate on 401, Retry-After on 429). Mcp-Method and
# Mcp-Name are the routing headers of the 2026-07-28 protocol; without them its preflights fail.
CORS_ALLOWED_METHODS = ("GET", "POST", "DELETE", "OPTIONS")
CORS_ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "Mcp-Protocol-Version",
    "Mcp-Session-Id",
    "Mcp-Method",
    "Mcp-Name",
    "Last-Event-ID",
    "X-Request-ID",
    "X-OrderDesk-Toolsets",
    "X-OrderDesk-Read-Only",
    "X-OrderDesk-Output-Schema",
)
CORS_EXPOSED_HEADERS = (
    "Mcp-Session-Id",
    "Mcp-Protocol-Version",
    "WWW-Authenticate",
    "Retry-After",
    "X-Request-ID",
)


@lru_cache(maxsize=8)
def _cors(app: ASGIApp, origins: tuple[str, ...]) -> CORSMiddleware:
    """`app` behind CORS for `origins` (rebuilt when the settings name other origins)."""
    return CORSMiddleware(
        app,
        allow_origin_regex=origin_pattern(origins).pattern,
        allow_methods=CORS_ALLOWED_METHODS,
        allow_headers=CORS_ALLOWED_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        max_age=600,
    )
