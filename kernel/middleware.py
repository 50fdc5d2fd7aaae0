"""Request id and client IP for every request, bound into the core's request context."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from kernel import context


@lru_cache(maxsize=32)
def _trusted_networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in net for net in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def resolve_client_ip(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's address: the peer, unless the peer is a trusted proxy.

    Behind trusted proxies we walk X-Forwarded-For from the right and take the first address that is
    not one of ours; entries further left were written by the client and prove nothing.
    """
    if not peer or not _is_trusted(peer) or not forwarded_for:
        return peer
    hops: Iterable[str] = reversed([hop.strip() for hop in forwarded_for.split(",") if hop.strip()])
    for hop in hops:
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer


def client_ip(request: HttpRequest) -> str:
    """django-ratelimit's RATELIMIT_IP_META_KEY hook and our audit IP."""
    return resolve_client_ip(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR")) or ""


class IdentifiedRequest(HttpRequest):
    """A request that went through RequestContextMiddleware, which gives it its id."""

    request_id: str


def asgi_client_ip(scope: Mapping[str, Any]) -> str | None:
    """The client's address for an ASGI request that bypasses Django (/mcp).

    Read as Django's ASGI handler builds REMOTE_ADDR and HTTP_X_FORWARDED_FOR (the peer; every
    X-Forwarded-For line, joined by commas), so a proxy that adds its own line instead of appending
    to the client's gets the same answer on /mcp as on the pages.
    """
    peer = (scope.get("client") or (None, None))[0]
    headers = scope.get("headers") or ()
    lines = [value.decode("latin-1") for name, value in headers if name.lower() == b"x-forwarded-for"]
    return resolve_client_ip(peer, ",".join(lines) or None)


def route_name(request: HttpRequest) -> str | None:
    """The URL pattern's name ("stores:detail"), else its route ("keys/<int:pk>/"): a metric label
    that stays bounded, unlike the path. None when no pattern matched."""
    match = request.resolver_match
    if match is None:
        return None
    return match.view_name if match.url_name else match.route


class RequestContextMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _context(self, request: IdentifiedRequest) -> context.RequestContext:
        ctx = context.RequestContext(
            source="web",
            request_id=context.clean_request_id(request.headers.get("X-Request-ID")),
            ip=client_ip(request) or None,
        )
        request.request_id = ctx.request_id
        return ctx

    def __call__(self, request: IdentifiedRequest):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        with context.bind(self._context(request)) as ctx:
            response = self.get_response(request)
        return self._stamp(request, response, ctx)

    async def __acall__(self, request: IdentifiedRequest):
        with context.bind(self._context(request)) as ctx:
            response = await self.get_response(request)
        return self._stamp(request, response, ctx)

    @staticmethod
    def _stamp(request: HttpRequest, response: HttpResponse, ctx: context.RequestContext) -> HttpResponse:
        context.note(route=route_name(request))
        response["X-Request-ID"] = ctx.request_id
        # Pages answer htmx with a fragment and browsers with the whole page at the same (pushed)
        # URL; without this the browser cache hands Back a bare fragment.
        patch_vary_headers(response, ("HX-Request",))
        return response
