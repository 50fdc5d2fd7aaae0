"""Every HTTP attempt becomes a span on the operation's trace, and no secret ever reaches one."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest

from kernel import tracing
from kernel.errors import RateLimited
from tests.client.conftest import API_KEY, err, ok

CARD = "4111111111111111"
BEARER = "odk_abc123_ZmFrZS1hZ2VudC1rZXktZm9yLXRlc3Rz"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


async def test_it_records_one_span_per_attempt_with_its_retry_reason(make_client, creds):
    client, _ = make_client(
        [
            err(503, "Service Unavailable", headers={"X-Tokens-Remaining": "18"}),
            httpx.ReadTimeout("read timed out"),
            ok({"orders": []}, headers={"X-Tokens-Remaining": "17"}),
        ]
    )

    with tracing.recording() as recorder:
        await client.get(creds, "/orders", params={"folder_id": 1001})

    first, second, third = recorder.spans
    assert [s.attempt for s in recorder.spans] == [1, 2, 3]
    assert [s.retry_reason for s in recorder.spans] == ["503", "timeout", ""]
    assert [s.status for s in recorder.spans] == [503, None, 200]
    assert [s.tokens_remaining for s in recorder.spans] == [18, None, 17]
    assert all(
        s.method == "GET" and s.path == "/orders" and s.query == "folder_id=1001" for s in recorder.spans
    )
    assert first.error == "HTTP 503" and "ReadTimeout" in second.error and third.error == ""
    assert json.loads(third.response_body) == {"status": "success", "orders": []}
    assert all(s.duration_ms >= 0 and s.started_at.tzinfo is not None for s in recorder.spans)


async def test_it_records_the_final_failed_attempt_without_a_retry_reason(make_client, creds):
    client, _ = make_client([err(429, headers={"X-Retry-After": "60"})])

    with tracing.recording() as recorder, pytest.raises(RateLimited):
        await client.post(creds, "/orders", json={"email": "a@b.test"})

    assert len(recorder.spans) == 1
    assert recorder.spans[0].status == 429 and recorder.spans[0].retry_reason == ""
    assert json.loads(recorder.spans[0].request_body) == {"email": "a@b.test"}


async def test_it_keeps_keys_tokens_and_card_numbers_out_of_every_span(make_client, creds):
    echo = {
        "status": "success",
        "order": {"id": "5", "cc_number": CARD, "order_metadata": {"note": f"key {API_KEY}"}},
        "debug": f"Authorization: Bearer {BEARER}",
        "api_key": API_KEY,
    }
    client, _ = make_client(
        [
            err(500, f"failed for {API_KEY}"),
            httpx.ConnectError(f"proxy said {API_KEY}"),
            httpx.Response(200, json=echo),
        ]
    )
    order = {
        "email": "a@b.test",
        "cc_number": CARD,
        "checkout_data": {"Authorization": f"Bearer {BEARER}"},
        "order_notes": f"my key is {API_KEY}",
    }

    with tracing.recording() as recorder:
        await client.get(creds, "/orders", params={"api_key": API_KEY, "q": f"Bearer {JWT}"})
        await client.put(creds, "/orders/5", json=order)

    assert len(recorder.spans) == 4
    recorded = json.dumps([dataclasses.asdict(s) for s in recorder.spans], default=str)
    for secret in (API_KEY, BEARER, JWT, CARD):
        assert secret not in recorded
    assert "[REDACTED]" in recorded


async def test_it_caps_recorded_bodies(make_client, creds, settings):
    settings.TRACE_BODY_LIMIT = 2000
    client, _ = make_client(
        [ok({"orders": [{"id": str(i), "email": f"c{i}@example.test"} for i in range(500)]})]
    )

    with tracing.recording() as recorder:
        result = await client.get(creds, "/orders")

    assert len(result["orders"]) == 500  # the caller gets everything; only the trace is capped
    body = recorder.spans[0].response_body
    assert len(body.encode()) <= 2000 and "truncated" in body


async def test_it_records_nothing_when_no_operation_is_being_traced(make_client, creds):
    client, script = make_client()

    await client.get(creds, "/orders")

    assert script.calls == 1 and tracing.current_recorder() is None
