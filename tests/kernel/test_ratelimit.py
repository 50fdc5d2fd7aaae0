"""Counting against a rate limit by an explicit key value (kernel.ratelimit)."""

import threading

import pytest

from kernel import ratelimit


def test_it_counts_each_key_value_of_a_group_apart():
    for _ in range(2):
        ratelimit.usage("tests.group", "a", "2/m", increment=True)
    third = ratelimit.usage("tests.group", "a", "2/m", increment=True)
    other = ratelimit.usage("tests.group", "b", "2/m", increment=True)
    other_group = ratelimit.usage("tests.other", "a", "2/m", increment=True)
    assert (third.count, third.limit, third.should_limit) == (3, 2, True)
    assert not other.should_limit and not other_group.should_limit
    assert 1 <= third.retry_after <= 60


def test_it_reads_without_counting_and_says_when_the_budget_is_spent():
    before = ratelimit.usage("tests.group", "a", "2/m", increment=False)
    ratelimit.usage("tests.group", "a", "2/m", increment=True)
    ratelimit.usage("tests.group", "a", "2/m", increment=True)
    after = ratelimit.usage("tests.group", "a", "2/m", increment=False)
    assert (before.count, before.exhausted) == (0, False)
    assert (after.count, after.exhausted, after.should_limit) == (2, True, False)


def test_it_counts_nothing_and_refuses_nothing_when_switched_off(settings):
    settings.RATELIMIT_ENABLE = False
    answers = [ratelimit.usage("tests.group", "a", "1/m", increment=True) for _ in range(3)]
    assert answers[-1] == ratelimit.NOT_COUNTED
    assert not answers[-1].should_limit and not answers[-1].exhausted


def _spy_threads(monkeypatch) -> list[threading.Thread]:
    threads: list[threading.Thread] = []
    real = ratelimit.get_usage

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(ratelimit, "get_usage", spy)
    return threads


@pytest.fixture
def local_cache(settings):
    # The suite may run on Redis (REDIS_URL): this test is about the in-process cache.
    settings.CACHES = {
        **settings.CACHES,
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-test"},
    }
    settings.RATELIMIT_USE_CACHE = "local"


async def test_it_checks_the_in_process_cache_on_the_event_loop(monkeypatch, local_cache):
    threads = _spy_threads(monkeypatch)
    counted = await ratelimit.ausage("tests.group", "a", "5/m", increment=True)
    assert counted.count == 1
    assert threads == [threading.current_thread()]


@pytest.fixture
def shared_cache(settings, tmp_path):
    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path},
    }
    settings.RATELIMIT_USE_CACHE = "shared"


async def test_it_checks_a_shared_cache_on_a_worker_thread(monkeypatch, shared_cache):
    threads = _spy_threads(monkeypatch)
    first = await ratelimit.ausage("tests.group", "a", "5/m", increment=True)
    second = await ratelimit.ausage("tests.group", "a", "5/m", increment=True)
    assert (first.count, second.count) == (1, 2)
    assert threading.current_thread() not in threads and len(threads) == 2
