"""The per-store leaky bucket: 20 tokens, 3 per second, shared through the database row."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from sandbox.engine import gate
from sandbox.engine.errors import ApiError
from sandbox.models import SandboxStore
from tests.sandbox.conftest import Api, make_store


@pytest.fixture
def limited(client, acme, frozen_clock) -> Api:
    store, key = make_store(acme, rate_limit=True)
    return Api(client, store, key)


def test_it_reports_the_tokens_left_on_every_response(limited):
    remaining = [int(limited.get("test").headers["X-Tokens-Remaining"]) for _ in range(5)]

    assert remaining == [19, 18, 17, 16, 15]


def test_it_answers_429_once_the_bucket_is_empty(limited):
    statuses = [limited.get("test").status_code for _ in range(20)]

    response = limited.get("orders")

    assert statuses == [200] * 20
    assert response.status_code == 429
    body = response.json()
    assert (body["status"], body["message"]) == ("error", "Too Many Requests")
    assert response.headers["X-Retry-After"] == "1"
    assert response.headers["Retry-After"] == "1"
    assert response.headers["X-Tokens-Remaining"] == "0"


def test_it_refills_three_tokens_per_second(limited, frozen_clock):
    for _ in range(20):
        limited.get("test")

    frozen_clock.now += 1.0

    statuses = [limited.get("test").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_it_refills_fractionally_and_says_how_long_to_wait(limited, frozen_clock):
    store = limited.store
    store.bucket_capacity, store.bucket_refill_rate = 2, 0.25
    store.save()
    limited.get("test"), limited.get("test")

    assert limited.get("test").headers["X-Retry-After"] == "4"  # one token takes 4 s
    frozen_clock.now += 2.5  # 0.625 tokens
    assert limited.get("test").headers["X-Retry-After"] == "2"  # 0.375 tokens more: 1.5 s, rounded up
    frozen_clock.now += 1.5
    assert limited.get("test").status_code == 200


def test_it_never_holds_more_than_its_capacity(limited, frozen_clock):
    frozen_clock.now += 3600

    assert limited.get("test").headers["X-Tokens-Remaining"] == "19"


def test_it_can_be_switched_off(client, acme):
    store, key = make_store(acme, rate_limit=False)
    api = Api(client, store, key)

    responses = [api.get("test") for _ in range(30)]

    assert {r.status_code for r in responses} == {200}
    assert {r.headers["X-Tokens-Remaining"] for r in responses} == {"20"}


def test_it_does_not_spend_tokens_on_bad_credentials(limited):
    for _ in range(25):
        limited.get("test", headers={"ORDERDESK-API-KEY": "wrong"})

    assert limited.get("test").headers["X-Tokens-Remaining"] == "19"


def test_it_keeps_a_bucket_per_store(limited, client, acme):
    store, key = make_store(acme, rate_limit=True)
    other = Api(client, store, key)
    for _ in range(20):
        limited.get("test")

    assert limited.get("test").status_code == 429
    assert other.get("test").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_it_never_overdraws_under_concurrent_requests(acme, frozen_clock):
    """40 simultaneous requests in one frozen instant: exactly 20 get through, each token once."""
    store, key = make_store(acme, rate_limit=True)

    def attempt(_):
        try:
            return gate.admit(store.orderdesk_store_id, key).tokens_remaining
        except ApiError as exc:
            return exc.status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(40)))

    admitted = sorted(o for o in outcomes if o != 429)
    assert admitted == list(range(20))  # every token value 19…0 handed out exactly once
    assert outcomes.count(429) == 20
    assert SandboxStore.objects.get(pk=store.pk).bucket_tokens == pytest.approx(0)
