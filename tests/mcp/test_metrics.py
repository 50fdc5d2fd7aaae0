"""/metrics: Prometheus metrics behind a bearer token, counting what really happened."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from kernel import metrics
from stores.breaker import CircuitBreaker
from tests.mcp.conftest import connect, http_client, serving

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "metrics-token-7f3a9c1e5b2d4f60"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels` (0 when there are none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples(text).items() if n == name and wanted <= ls)


async def scrape(authorization: str | None = f"Bearer {TOKEN}"):
    headers = {"Authorization": authorization} if authorization else {}
    async with serving(), http_client(headers) as http:
        return await http.get("/metrics")


def test_it_is_not_served_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404
    assert b"orderdesk_admin" not in response.content


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"])
def test_it_refuses_a_scraper_without_the_token(client, settings, authorization):
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert b"orderdesk_admin" not in response.content and b"python_info" not in response.content


def test_it_serves_the_metrics_to_the_scraper(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "orderdesk_admin_operation_calls" in {
        f.name for f in text_string_to_metric_families(response.text)
    }


@override_settings(DEBUG=False, SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^metrics$"])
def test_it_answers_a_scraper_over_plain_http(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


async def test_it_counts_a_tool_call_its_upstream_calls_and_the_request(sandbox, acme_db, make_key, settings):
    settings.METRICS_TOKEN = TOKEN
    raw = await make_key(acme_db, scope="read")
    before = (await scrape()).text
    async with connect(raw) as agent:
        result = await agent.call_tool("orders_list", {"limit": 3})
        assert not result.is_error
        missing = await agent.call_tool("orders_get", {"order_id": "999999999"})
        assert missing.is_error
    response = await scrape()
    after = response.text
    assert response.status_code == 200

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    calls = "orderdesk_admin_operation_calls_total"
    assert grew(calls, operation="orders_list", source="mcp", outcome="ok") == 1
    assert grew(calls, operation="orders_get", source="mcp", outcome="not_found") == 1
    assert grew("orderdesk_admin_upstream_requests_total", method="GET", status="2xx") >= 1
    assert grew("orderdesk_admin_upstream_requests_total", method="GET", status="4xx") >= 1
    assert grew("orderdesk_admin_read_cache_lookups_total", resource="orders", result="miss") >= 1
    assert grew("orderdesk_admin_http_requests_total", method="POST", route="mcp", status="200") >= 2
    assert grew("orderdesk_admin_http_requests_total", method="GET", route="metrics", status="200") == 1
    # The route is the pattern's name: the paths the sandbox was called on never become labels.
    label_values = {v for (_, labels) in samples(after) for _, v in labels}
    assert not any("sandbox/api" in v or "999999999" in v for v in label_values)
    # No credential of any kind reaches the page.
    sandbox_key = (await sync_to_async(sandbox.credentials)()).api_key
    for secret in (raw, TOKEN, sandbox_key, "odk_"):
        assert secret not in after


async def test_it_counts_cache_hits(sandbox, acme_db, make_key, settings):
    settings.METRICS_TOKEN = TOKEN
    raw = await make_key(acme_db, scope="read")
    before = (await scrape()).text
    async with connect(raw) as agent:
        for _ in range(3):
            assert not (await agent.call_tool("orders_list", {"limit": 2})).is_error
    after = (await scrape()).text
    lookups = "orderdesk_admin_read_cache_lookups_total"
    hits = value(after, lookups, resource="orders", result="hit") - value(
        before, lookups, resource="orders", result="hit"
    )
    misses = value(after, lookups, resource="orders", result="miss") - value(
        before, lookups, resource="orders", result="miss"
    )
    assert (hits, misses) == (2, 1)


def test_it_shows_the_breaker_of_a_failing_store_open_then_closed():
    breaker = CircuitBreaker(threshold=2, on_change=metrics.breaker_changed)
    key = ("tenant-1", "store-metrics-test")

    def opens() -> float:
        return REGISTRY.get_sample_value("orderdesk_admin_breaker_opens_total") or 0

    def gauge() -> float | None:
        return REGISTRY.get_sample_value("orderdesk_admin_breaker_open", {"store": "store-metrics-test"})

    before = opens()
    breaker.failure(key)
    assert gauge() in (None, 0)
    breaker.failure(key)
    assert (gauge(), opens()) == (1, before + 1)
    breaker.failure(key)  # still open: not a second opening
    assert opens() == before + 1
    breaker.success(key)
    assert gauge() == 0
