"""stores.store_settings: one upstream read of a store's settings and folders, however many ask at once."""

import asyncio

import pytest
from asgiref.sync import async_to_sync

from kernel.errors import UpstreamUnavailable
from stores.store_settings import store_settings
from tests.stores.conftest import STORE_ENVELOPE


def concurrently(*stores):
    async def main():
        return await asyncio.gather(*(store_settings(store) for store in stores), return_exceptions=True)

    return async_to_sync(main)()


def test_concurrent_folder_map_reads_on_a_cold_cache_make_one_upstream_call(acme_store, fake_client):
    fake_client.answers["/store"] = STORE_ENVELOPE
    fake_client.delay = 0.05

    summaries = concurrently(*[acme_store] * 5)

    assert len(fake_client.calls) == 1
    assert all(s == summaries[0] for s in summaries)
    assert [f["name"] for f in summaries[0]["folders"]] == ["New", "Prepared", "Closed", "Canceled"]
    # Each caller has its own copy: one changing it does not change what the others see.
    summaries[0]["folders"].clear()
    assert summaries[1]["folders"]


def test_concurrent_reads_of_different_stores_each_call_upstream(
    acme, acme_store, store_factory, fake_client
):
    other = store_factory(tenant=acme, name="Other")
    fake_client.answers["/store"] = STORE_ENVELOPE
    fake_client.delay = 0.05

    concurrently(acme_store, other, acme_store, other)

    assert len(fake_client.calls) == 2


def test_an_upstream_failure_reaches_every_waiter_and_is_not_cached(acme_store, fake_client):
    fake_client.answers["/store"] = UpstreamUnavailable("OrderDesk is down")
    fake_client.delay = 0.05

    results = concurrently(*[acme_store] * 4)

    assert len(fake_client.calls) == 1
    assert all(isinstance(r, UpstreamUnavailable) for r in results)
    fake_client.answers["/store"] = STORE_ENVELOPE
    assert concurrently(acme_store)[0]["name"] == "Test Store"
    assert len(fake_client.calls) == 2


def test_a_cancelled_first_reader_does_not_fail_the_others(acme_store, fake_client):
    fake_client.answers["/store"] = STORE_ENVELOPE
    fake_client.delay = 0.1

    async def main():
        first = asyncio.create_task(store_settings(acme_store))
        await fake_client.called.wait()  # the first reader's request is on its way
        others = [asyncio.create_task(store_settings(acme_store)) for _ in range(3)]
        await asyncio.sleep(0.01)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await asyncio.gather(*others)

    summaries = async_to_sync(main)()
    assert [s["name"] for s in summaries] == ["Test Store"] * 3
    assert len(fake_client.calls) == 1
