"""Liveness and readiness probes, and the Prometheus metrics."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kernel import metrics as app_metrics

# Each dependency answers within this or counts as down: a probe must answer before the load
# balancer's own timeout, even while a database connection attempt hangs.
READY_CHECK_TIMEOUT = 3.0


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        # A worker thread of its own: hand the connection back to the pool (or close it) here.
        connection.close()


def _cache() -> None:
    cache.set("readyz", "1", 5)
    if cache.get("readyz") != "1":
        raise RuntimeError("no round trip")


async def _channel_layer() -> None:
    """One message through the channel layer (Redis with REDIS_URL): the live tail's path."""
    layer = get_channel_layer()
    if layer is None:
        return
    channel = await layer.new_channel("readyz.")
    await layer.send(channel, {"type": "readyz"})
    await layer.receive(channel)


async def _check(probe: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(probe(), READY_CHECK_TIMEOUT)
    except TimeoutError:
        return "error: timeout"
    except Exception as exc:  # any failure means "not ready"; the type says enough
        return f"error: {type(exc).__name__}"
    return "ok"


@require_GET
@never_cache
async def readyz(request: HttpRequest) -> JsonResponse:
    """The database, the cache and the channel layer answer (each within READY_CHECK_TIMEOUT); 503
    names whichever does not. The checks run side by side, each in threads of its own, so a hanging
    database cannot hold up the thread Django's other synchronous code runs in."""
    database, cache_state, layer = await asyncio.gather(
        _check(sync_to_async(_database, thread_sensitive=False)),
        _check(sync_to_async(_cache, thread_sensitive=False)),
        _check(_channel_layer),
    )
    checks = {"database": database, "cache": cache_state, "channel_layer": layer}
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)


def _scraper_authorized(request: HttpRequest) -> bool:
    expected = f"Bearer {settings.METRICS_TOKEN}".encode()
    given = request.headers.get("Authorization", "").encode()
    return hmac.compare_digest(given, expected)  # constant time: the token is not guessed byte by byte


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a scraper holding METRICS_TOKEN.

    Without a token configured the page does not exist (404). A wrong or missing token gets 401 and
    nothing else: the URL is documented, so hiding it would protect nothing, and 401 tells an operator
    whose scraper is misconfigured what is wrong."""
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _scraper_authorized(request):
        return HttpResponse(
            "Unauthorized\n", status=401, content_type="text/plain", headers={"WWW-Authenticate": "Bearer"}
        )
    body, content_type = app_metrics.exposition(settings.PROMETHEUS_MULTIPROC_DIR)
    return HttpResponse(body, content_type=content_type)
