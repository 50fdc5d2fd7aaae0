"""Which failures are retried, how long the client waits, and which error the caller finally gets."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from kernel.errors import (
    OutcomeUnknown,
    RateLimited,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamUnavailable,
)
from stores.upstream import policy
from tests.client.conftest import API_KEY, TopRandom, err, ok


def connect_error():
    return httpx.ConnectError("connection refused")


def connect_timeout():
    return httpx.ConnectTimeout("connect timed out")


def read_timeout():
    return httpx.ReadTimeout("read timed out")


def read_error():
    return httpx.ReadError("connection reset by peer")


GET_RETRYABLE = {
    "connect": connect_error,
    "connect-timeout": connect_timeout,
    "timeout": read_timeout,
    "network": read_error,
    "429": lambda: err(429, "Too Many Requests"),
    "500": lambda: err(500),
    "502": lambda: err(502),
    "503": lambda: err(503),
    "504": lambda: err(504),
}


@pytest.mark.parametrize("condition", sorted(GET_RETRYABLE))
async def test_it_retries_a_get_on_each_retryable_condition(make_client, creds, condition):
    client, script = make_client([GET_RETRYABLE[condition](), ok({"orders": []})])

    result = await client.get(creds, "/orders")

    assert result == {"status": "success", "orders": []}
    assert script.calls == 2


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize(
    "failure",
    [lambda: err(429), lambda: err(503), connect_error, connect_timeout],
    ids=["429", "503", "connect", "connect-timeout"],
)
async def test_it_retries_put_and_delete_only_when_nothing_was_applied(make_client, creds, method, failure):
    client, script = make_client([failure(), ok({"message": "Order Updated"})])

    result = await client.request(creds, method, "/orders/5", json={"id": "5"} if method == "PUT" else None)

    assert result["message"] == "Order Updated"
    assert script.calls == 2


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize(
    "failure",
    [lambda: err(500), lambda: err(502), lambda: err(504), read_timeout, read_error],
    ids=["500", "502", "504", "timeout", "network"],
)
async def test_it_does_not_retry_put_or_delete_after_the_request_may_have_been_processed(
    make_client, creds, method, failure
):
    client, script = make_client([failure(), ok()])

    with pytest.raises(UpstreamUnavailable):
        await client.request(creds, method, "/orders/5", json={"id": "5"} if method == "PUT" else None)
    assert script.calls == 1


@pytest.mark.parametrize(
    "failure", [lambda: err(429), connect_error, connect_timeout], ids=["429", "connect", "connect-timeout"]
)
async def test_it_retries_a_post_only_when_it_was_refused_or_never_sent(make_client, creds, failure):
    client, script = make_client([failure(), ok({"order": {"id": "9"}}, status=201)])

    result = await client.post(creds, "/orders", json={"email": "a@b.test"})

    assert result["order"] == {"id": "9"}
    assert script.calls == 2


@pytest.mark.parametrize(
    "failure",
    [read_timeout, read_error, lambda: err(500), lambda: err(502), lambda: err(503), lambda: err(504)],
    ids=["timeout", "network", "500", "502", "503", "504"],
)
async def test_it_reports_an_unknown_outcome_for_a_post_that_may_have_been_applied(
    make_client, creds, failure
):
    client, script = make_client([failure(), ok()])

    with pytest.raises(OutcomeUnknown) as caught:
        await client.post(creds, "/orders", json={"email": "a@b.test"})

    assert script.calls == 1
    assert "may or may not have been applied; check before retrying" in str(caught.value)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_it_never_retries_a_rejected_request(make_client, creds, method, status):
    client, script = make_client([err(status, "Order Not Found" if status == 404 else "Bad value"), ok()])
    body = None if method in ("GET", "DELETE") else {"id": "5"}

    with pytest.raises(UpstreamError) as caught:
        await client.request(creds, method, "/orders/5", json=body)

    assert script.calls == 1
    assert caught.value.status == status
    assert client.clock.sleeps == []


@pytest.mark.parametrize("status", [401, 403])
async def test_it_reports_rejected_credentials_in_words_a_person_can_act_on(make_client, creds, status):
    client, _ = make_client([err(status, "Invalid API Key or Store ID")])

    with pytest.raises(UpstreamAuthFailed) as caught:
        await client.get(creds, "/test")

    assert str(caught.value) == (
        f"OrderDesk rejected the store's credentials (HTTP {status}); re-enter the API key."
    )


async def test_it_carries_orderdesk_message_for_unknown_ids_and_rejected_input(make_client, creds):
    client, _ = make_client([err(404, "Order Not Found"), err(400, "Missing tracking_number")])

    with pytest.raises(UpstreamError) as not_found:
        await client.get(creds, "/orders/77")
    with pytest.raises(UpstreamError) as rejected:
        await client.post(creds, "/orders/77/shipments", json={"carrier_code": "UPS"})

    assert not_found.value.status == 404 and "Order Not Found" in str(not_found.value)
    assert rejected.value.status == 400 and "Missing tracking_number" in str(rejected.value)


async def test_it_makes_at_most_three_attempts(make_client, creds):
    client, script = make_client([err(503)])

    with pytest.raises(UpstreamUnavailable) as caught:
        await client.get(creds, "/orders")

    assert script.calls == 3
    assert caught.value.status == 503
    assert len(client.clock.sleeps) == 2


async def test_it_answers_rate_limited_when_429s_outlast_the_attempts(make_client, creds):
    client, script = make_client([err(429, headers={"X-Retry-After": "1"})])

    with pytest.raises(RateLimited) as caught:
        await client.get(creds, "/orders")

    assert script.calls == 3
    assert caught.value.retry_after == 1
    assert "retry after 1 s" in str(caught.value)


async def test_it_waits_full_jitter_bounded_by_the_exponential_cap(make_client, creds):
    client, _ = make_client([err(503)], rng=TopRandom())

    with pytest.raises(UpstreamUnavailable):
        await client.get(creds, "/orders")

    assert client.clock.sleeps == [0.5, 1.0]  # min(8, 0.5·2^n) for n = 0, 1


def test_it_draws_backoff_uniformly_below_the_cap():
    rng = random.Random(42)
    draws = {n: [policy.backoff(n, rng) for _ in range(500)] for n in range(6)}

    for n, values in draws.items():
        bound = min(8.0, 0.5 * 2**n)
        assert all(0 <= v <= bound for v in values)
        assert max(values) > bound * 0.9 and min(values) < bound * 0.1  # the whole range, not a fixed delay
    assert policy.backoff(10, TopRandom()) == 8.0


async def test_it_prefers_x_retry_after_over_retry_after(make_client, creds):
    client, _ = make_client([err(429, headers={"X-Retry-After": "2", "Retry-After": "5"}), ok()])

    await client.get(creds, "/orders")

    assert client.clock.sleeps == [2.0]


async def test_it_uses_retry_after_seconds_when_orderdesk_sends_only_that(make_client, creds):
    client, _ = make_client([err(503, headers={"Retry-After": "4"}), ok()])

    await client.get(creds, "/orders")

    assert client.clock.sleeps == [4.0]


async def test_it_understands_retry_after_as_an_http_date(make_client, creds):
    when = format_datetime(datetime.fromtimestamp(1.7e9 + 6, UTC), usegmt=True)
    client, _ = make_client([err(429, headers={"Retry-After": when}), ok()])

    await client.get(creds, "/orders")

    assert client.clock.sleeps == [6.0]


async def test_it_falls_back_to_backoff_without_a_usable_hint(make_client, creds):
    client, _ = make_client([err(429, headers={"X-Retry-After": "soon"}), ok()], rng=TopRandom())

    await client.get(creds, "/orders")

    assert client.clock.sleeps == [0.5]


async def test_it_answers_a_hint_longer_than_the_deadline_at_once(make_client, creds):
    client, script = make_client([err(429, headers={"X-Retry-After": "45"}), ok()])

    with pytest.raises(RateLimited) as caught:
        await client.get(creds, "/orders")

    assert script.calls == 1
    assert client.clock.sleeps == []
    assert caught.value.retry_after == 45
    assert str(caught.value) == "OrderDesk rate limit: retry after 45 s."


async def test_it_measures_the_hint_against_the_deadline_given_by_the_caller(make_client, creds):
    client, script = make_client([err(429, headers={"X-Retry-After": "3"}), ok()])

    with pytest.raises(RateLimited) as caught:
        await client.request(creds, "GET", "/orders", deadline=2)

    assert script.calls == 1 and client.clock.sleeps == []
    assert caught.value.retry_after == 3


async def test_it_stops_retrying_when_the_backoff_would_outlive_the_deadline(make_client, creds):
    client, script = make_client([err(503)], rng=TopRandom())

    with pytest.raises(UpstreamUnavailable):
        # 0.5 s fits with a second left for the attempt; 1.0 s more would leave 0.2 s, so it does not.
        await client.request(creds, "GET", "/orders", deadline=1.7)

    assert script.calls == 2
    assert client.clock.sleeps == [0.5]


async def test_it_does_not_wait_out_a_hint_that_would_leave_the_retry_no_time(make_client, creds):
    client, script = make_client([err(429, headers={"X-Retry-After": "1.5"}), ok()])

    with pytest.raises(RateLimited) as caught:
        # Sleeping 1.5 s would send the retried POST with 0.5 s to run: refused now, nothing was applied.
        await client.request(creds, "POST", "/orders", json={"order_items": []}, deadline=2)

    assert script.calls == 1 and client.clock.sleeps == []
    assert caught.value.retry_after == 2


async def test_it_treats_a_status_error_body_on_200_as_a_failure_without_retrying(make_client, creds):
    client, script = make_client([err(200, "Shipment Not Added"), ok()])

    with pytest.raises(UpstreamError) as caught:
        await client.post(creds, "/orders/5/shipments", json={"tracking_number": "1Z"})

    assert script.calls == 1
    assert caught.value.status == 200
    assert "Shipment Not Added" in str(caught.value)


async def test_it_treats_a_non_json_success_as_a_failure(make_client, creds):
    client, script = make_client([httpx.Response(200, text="<html>maintenance</html>")])

    with pytest.raises(UpstreamError) as caught:
        await client.get(creds, "/orders")

    assert script.calls == 1 and caught.value.status == 200
    assert "not a JSON object" in str(caught.value)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_it_does_not_follow_redirects(make_client, creds, status):
    client, script = make_client(
        [httpx.Response(status, headers={"Location": "https://evil.test/steal"}), ok()]
    )

    with pytest.raises(UpstreamError) as caught:
        await client.get(creds, "/orders")

    assert script.calls == 1
    assert [r.url.host for r in script.requests] == ["app.orderdesk.me"]
    assert caught.value.status == status and f"HTTP {status}" in str(caught.value)


async def test_it_keeps_the_api_key_out_of_error_messages(make_client, creds):
    client, _ = make_client([err(400, f"Key {API_KEY} is not valid for this store"), connect_error()])

    with pytest.raises(UpstreamError) as rejected:
        await client.post(creds, "/orders", json={})

    assert API_KEY not in str(rejected.value)
    assert "[REDACTED]" in str(rejected.value)


async def test_it_keeps_the_api_key_out_of_transport_error_messages(make_client, creds):
    client, _ = make_client([httpx.ConnectError(f"cannot reach with {API_KEY}")])

    with pytest.raises(UpstreamUnavailable) as caught:
        await client.get(creds, "/orders")

    assert API_KEY not in str(caught.value)
    assert "Could not connect to OrderDesk" in str(caught.value)
