"""The URL OrderDesk posts order changes to: /webhooks/orderdesk/<token>/ (see postbacks.py).

Verification and de-duplication happen before the answer; the effects run after it, as a task of the
server's event loop, so OrderDesk's 30-second timeout never waits on our refresh and recording. Under
WSGI (the development server, live-server tests) there is no loop outliving the request, so they run
before the answer there.
"""

from __future__ import annotations

import asyncio
import contextvars
import time

from asgiref.sync import sync_to_async
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kernel import context
from orders import postbacks

_pending: set[asyncio.Task] = set()  # strong references: the loop keeps only weak ones


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _order_field(request: HttpRequest) -> str | None:
    """The `order` form field, refusing bodies over MAX_BODY_BYTES (by Content-Length, then as read)."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > postbacks.MAX_BODY_BYTES:
        raise postbacks.Refused(413, "Request Too Large")
    try:
        if len(request.body) > postbacks.MAX_BODY_BYTES:
            raise postbacks.Refused(413, "Request Too Large")
        return request.POST.get("order")
    except RequestDataTooBig:
        raise postbacks.Refused(413, "Request Too Large") from None


def _receive(request: HttpRequest, token: str) -> tuple[postbacks.Delivery, str] | HttpResponse:
    store = postbacks.find_store(token)
    if store is None:
        postbacks.note_unknown_token()
        return _text(404, "Not Found")
    try:
        delivery = postbacks.verify(
            store,
            store_id=request.headers.get("X-Order-Desk-Store-Id"),
            given_hash=request.headers.get("X-Order-Desk-Hash"),
            order_json=_order_field(request),
        )
    except postbacks.Refused as refused:
        postbacks.note_refusal(store, refused)
        return _text(refused.status, refused.message)
    return delivery, postbacks.accept(delivery)


@csrf_exempt
@require_POST
async def orderdesk_postback(request: HttpRequest, token: str) -> HttpResponse:
    started = time.perf_counter()
    received = await sync_to_async(_receive)(request, token)
    if isinstance(received, HttpResponse):
        return received
    delivery, outcome = received
    if outcome == "duplicate":
        return _text(200, "OK")
    if "wsgi.version" in request.META:
        await postbacks.apply(delivery, outcome, started)
    else:
        # A context of its own: the request's holds the executor of its sync middleware, gone once the
        # answer is sent, which the effects' database work would otherwise be sent to.
        work = _after_answer(context.current(), delivery, outcome, started)
        task = asyncio.create_task(work, context=contextvars.Context())
        _pending.add(task)
        task.add_done_callback(_pending.discard)
    return _text(200, "OK")


async def _after_answer(ctx: context.RequestContext, delivery, outcome: str, started: float) -> None:
    with context.bind(ctx):
        await postbacks.apply(delivery, outcome, started)


async def drain() -> None:
    """Wait for the effects still running (tests, and a clean shutdown)."""
    while _pending:
        await asyncio.gather(*list(_pending), return_exceptions=True)


urlpatterns = [path("<str:token>/", orderdesk_postback, name="orderdesk-postback")]
