"""Fault injection: scripts, shares, latency and timeouts."""

import pytest

from sandbox.api import dispatch
from sandbox.models import SandboxOrder, SandboxStore
from tests.sandbox.conftest import Api, make_store, order_body


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """What the emulator slept for, without sleeping."""
    recorded: list[float] = []
    monkeypatch.setattr(dispatch, "sleep", recorded.append)
    return recorded


def _configure(api: Api, **fields) -> None:
    SandboxStore.objects.filter(pk=api.store.pk).update(**fields)


def test_it_plays_a_script_one_step_per_request(blank_api):
    _configure(blank_api, fault_script=["503", "503", "ok", "500", "429"])

    responses = [blank_api.get("test") for _ in range(6)]

    assert [r.status_code for r in responses] == [503, 503, 200, 500, 429, 200]
    assert responses[0].json()["message"] == "Service Unavailable"
    assert responses[3].json()["message"] == "Internal Server Error"
    assert responses[4].json()["message"] == "Too Many Requests"
    assert responses[4].headers["X-Retry-After"] == "1"
    assert all("X-Tokens-Remaining" in r.headers for r in responses)
    assert SandboxStore.objects.get(pk=blank_api.store.pk).fault_script == []


def test_it_does_no_work_for_an_injected_error(blank_api):
    _configure(blank_api, fault_script=["500"])

    assert blank_api.post("orders", order_body()).status_code == 500
    assert not SandboxOrder.objects.exists()


def test_it_fails_every_call_with_a_share_of_one(blank_api):
    _configure(blank_api, fault_share_500=1.0)

    assert {blank_api.get("test").status_code for _ in range(5)} == {500}


def test_it_draws_seeded_shares_reproducibly(client, acme, globex):
    sequences = []
    for tenant in (acme, globex):
        store, key = make_store(tenant)
        api = Api(client, store, key)
        _configure(api, fault_share_503=0.5, fault_seed=1234)
        sequences.append([api.get("test").status_code for _ in range(20)])

    assert sequences[0] == sequences[1]
    assert set(sequences[0]) == {200, 503}


def test_it_splits_shares_between_fault_kinds(blank_api, waits):
    _configure(
        blank_api, fault_share_429=0.25, fault_share_500=0.25, fault_share_503=0.25, fault_share_timeout=0.25
    )
    _configure(blank_api, fault_seed=99)

    statuses = {blank_api.get("test").status_code for _ in range(60)}

    assert statuses == {200, 429, 500, 503}
    assert waits  # the timeouts waited


def test_it_adds_latency(blank_api, waits):
    _configure(blank_api, fault_latency_ms=250)

    response = blank_api.get("test")

    assert response.status_code == 200
    assert waits == [0.25]


def test_it_holds_back_the_answer_of_a_timeout_after_doing_the_work(blank_api, waits):
    _configure(blank_api, fault_script=["timeout"], fault_timeout_seconds=7)

    response = blank_api.post("orders", order_body())

    assert waits == [7]
    assert response.status_code == 201
    assert SandboxOrder.objects.count() == 1  # the write happened: "outcome unknown" for the client


def test_it_authenticates_before_injecting_faults(blank_api):
    _configure(blank_api, fault_share_500=1.0, fault_script=["503"])

    response = blank_api.get("test", headers={"ORDERDESK-API-KEY": "wrong"})

    assert response.status_code == 401
    assert SandboxStore.objects.get(pk=blank_api.store.pk).fault_script == ["503"]


def test_it_answers_the_bucket_before_the_script(client, acme, frozen_clock):
    store, key = make_store(acme, rate_limit=True)
    api = Api(client, store, key)
    _configure(api, bucket_capacity=1, bucket_tokens=1, fault_script=["503"])

    assert api.get("test").status_code == 503
    assert api.get("test").status_code == 429
