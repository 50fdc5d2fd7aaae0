"""A post-back's effects, which run after its answer, still run on a real server.

Under uvicorn the post-back view sits behind synchronous middleware, so it runs inside an executor of
that request; that executor quits once the answer is sent. Effects scheduled with the request's
context would send their database work to it and fail ("CurrentThreadExecutor already quit"), leaving
the delivery answered 200 but never recorded and the caches never refreshed.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from operations.models import Trace, TraceSource
from orders.postbacks import signature
from tests.reliability.servers import app_processes, shared_backends_missing

pytestmark = pytest.mark.django_db(transaction=True)


async def _post_all(url: str, store_id: str, count: int) -> list[int]:
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(n: int) -> int:
            await asyncio.sleep(n * 0.02)  # 50 a second, overlapping
            text = json.dumps({"id": str(7000 + n), "date_updated": "2026-01-01 10:00:00"})
            headers = {
                "X-ORDER-DESK-STORE-ID": store_id,
                "X-ORDER-DESK-HASH": signature("acme-secret-key-1234", text),
            }
            return (await client.post(url, data={"order": text}, headers=headers)).status_code

        return list(await asyncio.gather(*(one(n) for n in range(count))))


def test_every_answered_postback_is_recorded_after_its_answer_on_uvicorn(acme_store, tmp_path):
    reason = shared_backends_missing(redis=True)
    if reason:
        pytest.skip(reason)
    count = 30
    with app_processes(1, tmp_path, redis=True) as (server,):
        url = f"{server.url}/webhooks/orderdesk/{acme_store.postback_token}/"
        statuses = asyncio.run(_post_all(url, acme_store.orderdesk_store_id, count))
        assert statuses == [200] * count
        traces = Trace.objects.filter(source=TraceSource.POSTBACK, store_id=acme_store.pk)
        deadline = time.monotonic() + 10
        while traces.count() < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert traces.count() == count, server.log()[-3000:]
