"""stores_get and stores_test through the real OrderDesk client, on an httpx.MockTransport."""

import json

import httpx
import pytest
from asgiref.sync import async_to_sync

from operations.models import Span, Trace
from operations.registry import REGISTRY
from operations.runner import run_operation
from stores import services
from stores.breaker import CircuitBreaker
from stores.client import OrderDeskClient, override_client
from stores.models import Store
from tests.helpers import actor_for, run
from tests.stores.conftest import STORE_ENVELOPE, TEST_ENVELOPE


class OrderDeskDouble:
    """Answers like OrderDesk for one store: checks the credential headers, counts the calls."""

    def __init__(self, store_id="11", api_key="acme-secret-key-1234"):
        self.store_id, self.api_key = store_id, api_key
        self.requests: list[httpx.Request] = []
        self.replies: dict[str, object] = {"/api/v2/test": TEST_ENVELOPE, "/api/v2/store": STORE_ENVELOPE}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies[request.url.path]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        if (request.headers.get("ORDERDESK-STORE-ID"), request.headers.get("ORDERDESK-API-KEY")) != (
            self.store_id,
            self.api_key,
        ):
            return httpx.Response(401, json={"status": "error", "message": "Invalid API Key or Store ID"})
        return httpx.Response(200, json=reply, headers={"X-Tokens-Remaining": "19"})


@pytest.fixture
def orderdesk():
    double = OrderDeskDouble()

    async def no_sleep(_seconds):
        return None

    client = OrderDeskClient(transport=httpx.MockTransport(double), sleep=no_sleep, breaker=CircuitBreaker())
    with override_client(client):
        yield double


def test_it_tests_a_store_against_the_real_client(bob, acme_store, orderdesk):
    actor = actor_for(bob)

    result = run(services.stores_test, tenant=actor.tenant, actor=actor)

    assert result.ok and result.message == "Connection Successful"
    assert result.current_date_time == "2015-04-14 22:00:10" and result.tokens_remaining == 19
    (request,) = orderdesk.requests
    assert str(request.url) == "https://app.orderdesk.me/api/v2/test"
    assert Store.objects.get(pk=acme_store.pk).last_test_ok is True


def test_it_reports_rejected_credentials_as_a_failed_test(bob, acme_store, orderdesk):
    orderdesk.api_key = "a-different-key"
    actor = actor_for(bob)

    result = run(services.stores_test, tenant=actor.tenant, actor=actor)

    assert not result.ok and result.needs_new_key and "re-enter the API key" in result.message
    assert "acme-secret" not in result.message


def test_it_reports_an_unreachable_orderdesk_as_a_failed_test(bob, acme_store, orderdesk):
    orderdesk.replies["/api/v2/test"] = httpx.ConnectError("connection refused")
    actor = actor_for(bob)

    result = run(services.stores_test, tenant=actor.tenant, actor=actor)

    assert not result.ok and "could not be reached" in result.message and not result.needs_new_key
    assert len(orderdesk.requests) == 3  # a GET is retried on connection failures, 3 attempts at most


def test_it_reports_a_long_rate_limit_with_its_wait(bob, acme_store, orderdesk):
    orderdesk.replies["/api/v2/test"] = httpx.Response(
        429, json={"status": "error", "message": "Too Many Requests"}, headers={"X-Retry-After": "120"}
    )
    actor = actor_for(bob)

    result = run(services.stores_test, tenant=actor.tenant, actor=actor)

    assert not result.ok and "try again in 120 s" in result.message


def test_it_gets_settings_and_folders_once_per_five_minutes(vera, acme_store, orderdesk):
    actor = actor_for(vera)

    first = run(services.stores_get, tenant=actor.tenant, actor=actor, store="Acme Main")
    second = run(services.stores_get, tenant=actor.tenant, actor=actor, store="Acme Main")

    assert first == second and [f.name for f in first.folders] == ["New", "Prepared", "Closed", "Canceled"]
    assert len(orderdesk.requests) == 1
    assert "should-never-leak" not in first.model_dump_json()


def test_it_records_the_test_as_a_trace_with_its_redacted_span(bob, acme_store, orderdesk):
    invocation = async_to_sync(run_operation)(REGISTRY.get("stores_test"), {}, actor=actor_for(bob))

    trace = Trace.objects.get(pk=invocation.trace_id)
    assert trace.operation == "stores_test" and trace.outcome == "ok" and trace.store_id == acme_store.pk
    (span,) = Span.objects.filter(trace=trace)
    assert span.path == "/test" and span.status == 200 and span.tokens_remaining == 19
    stored = json.dumps([span.request_body, span.response_body, trace.result_summary], default=str)
    assert "acme-secret-key" not in stored
