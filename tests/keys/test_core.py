import asyncio
import datetime as dt
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from api_keys import core, services
from api_keys.models import ApiKey
from tests.helpers import actor_for


@pytest.fixture
def bcrypt_calls(monkeypatch):
    """Counts how often the secret is checked against its bcrypt hash."""
    calls = []
    real = core._check_secret

    def counting(key, secret):
        calls.append(key.pk)
        return real(key, secret)

    monkeypatch.setattr(core, "_check_secret", counting)
    return calls


@pytest.fixture(autouse=True)
def _empty_verification_cache():
    core._verified.clear()
    yield
    core._verified.clear()


def wrong_secret(raw: str) -> str:
    key_id, secret = core.parse(raw)
    flipped = ("A" if secret[0] != "A" else "B") + secret[1:]
    return f"odk_{key_id}_{flipped}"


def test_it_mints_a_256_bit_key_in_the_pinned_format():
    minted = core.mint()
    key_id, secret = core.parse(minted.raw)
    assert minted.raw == f"odk_{key_id}_{secret}"
    assert minted.key_id == key_id and len(secret) == 43  # 32 bytes, base64url
    assert minted.prefix == minted.raw[: len(minted.prefix)] and secret not in minted.prefix
    assert secret not in minted.secret_hash


def test_it_authenticates_a_valid_key(alice, acme, create_key):
    key, raw = create_key(alice, scope="read_write", stores_admin=True, toolsets=["orders"])
    actor = core.authenticate(raw)
    assert actor is not None
    assert actor.tenant == acme
    assert actor.api_key.pk == key.pk
    assert actor.user is None
    assert {p.value for p in actor.permissions} == {"read", "write", "manage_stores"}
    assert actor.toolsets == frozenset({"orders"})
    assert actor.allowed_store_ids is None


def test_it_grants_only_read_to_a_read_key(alice, create_key):
    _, raw = create_key(alice, scope="read")
    assert {p.value for p in core.authenticate(raw).permissions} == {"read"}


@pytest.mark.parametrize(
    "presented",
    ["", "odk_", "Bearer odk_abc", "odk_ABCDEF012345_" + "a" * 43, "odk_abcdef012345_" + "a" * 42, "x" * 500],
)
def test_it_refuses_malformed_keys_without_bcrypt(presented, db, bcrypt_calls):
    assert core.authenticate(presented) is None
    assert bcrypt_calls == []


def test_it_refuses_an_unknown_key_id_without_bcrypt(db, bcrypt_calls):
    assert core.authenticate(core.mint().raw) is None
    assert bcrypt_calls == []


def test_it_refuses_a_wrong_secret(alice, create_key):
    _, raw = create_key(alice)
    assert core.authenticate(wrong_secret(raw)) is None


def test_it_refuses_a_wrong_secret_even_after_a_cached_success(alice, create_key):
    _, raw = create_key(alice)
    assert core.authenticate(raw) is not None
    assert core.authenticate(wrong_secret(raw)) is None


def test_it_runs_bcrypt_only_on_a_cache_miss(alice, create_key, bcrypt_calls):
    key, raw = create_key(alice)
    for _ in range(5):
        assert core.authenticate(raw) is not None
    assert bcrypt_calls == [key.pk]


def test_it_runs_bcrypt_again_once_the_cached_verification_expires(alice, create_key, bcrypt_calls, settings):
    settings.API_KEY_VERIFY_CACHE_SECONDS = 0
    _, raw = create_key(alice)
    core.authenticate(raw)
    core.authenticate(raw)
    assert len(bcrypt_calls) == 2


def test_it_refuses_a_revoked_key_on_the_very_next_call(alice, acme, create_key, bcrypt_calls):
    key, raw = create_key(alice)
    assert core.authenticate(raw) is not None  # now cached as verified
    services.key_revoke(tenant=acme, actor=actor_for(alice), key_id=key.pk)
    assert core.authenticate(raw) is None


def test_it_refuses_a_key_revoked_behind_its_back(alice, create_key):
    # Another process revoked it: this process's cache was never told, and must not matter.
    key, raw = create_key(alice)
    assert core.authenticate(raw) is not None
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    assert core.authenticate(raw) is None


def test_it_refuses_an_expired_key(alice, create_key):
    key, raw = create_key(alice, expires_at=timezone.now() + dt.timedelta(days=1))
    assert core.authenticate(raw) is not None
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert core.authenticate(raw) is None


def test_it_limits_the_actor_to_the_keys_stores(alice, acme, create_key, store_factory):
    first, second, _third = (store_factory(tenant=acme) for _ in range(3))
    _, raw = create_key(alice, all_stores=False, store_ids=[first.pk, second.pk])
    actor = core.authenticate(raw)
    assert actor.allowed_store_ids == frozenset({first.pk, second.pk})


def test_it_records_last_use_at_most_once_a_minute(alice, create_key):
    key, raw = create_key(alice)
    core.authenticate(raw)
    key.refresh_from_db()
    first_use = key.last_used_at
    assert first_use is not None
    core.authenticate(raw)
    key.refresh_from_db()
    assert key.last_used_at == first_use


def test_it_refuses_a_key_whose_hash_is_damaged(alice, create_key):
    key, raw = create_key(alice)
    ApiKey.objects.filter(pk=key.pk).update(secret_hash="not a bcrypt hash")
    assert core.authenticate(raw) is None


def test_it_does_not_keep_the_secret_in_the_verification_cache(alice, create_key):
    key, raw = create_key(alice)
    core.authenticate(raw)
    secret = core.parse(raw)[1]
    assert secret.encode() not in core._verified[key.pk].secret_digest
    assert secret not in repr(core._verified[key.pk])


async def test_it_authenticates_asynchronously_with_the_same_rules(
    transactional_db, alice, create_key, bcrypt_calls
):
    from asgiref.sync import sync_to_async

    key, raw = await sync_to_async(create_key)(alice)
    actor = await core.aauthenticate(raw)
    assert actor is not None and actor.api_key.pk == key.pk
    assert await core.aauthenticate(raw) is not None
    assert bcrypt_calls == [key.pk]
    assert await core.aauthenticate(wrong_secret(raw)) is None
    await ApiKey.objects.filter(pk=key.pk).aupdate(revoked_at=timezone.now())
    assert await core.aauthenticate(raw) is None
    assert await core.aauthenticate("odk_nope") is None


async def test_it_limits_stores_asynchronously(transactional_db, alice, acme, create_key, store_factory):
    from asgiref.sync import sync_to_async

    store = await sync_to_async(store_factory)(tenant=acme)
    await sync_to_async(store_factory)(tenant=acme)
    _, raw = await sync_to_async(create_key)(alice, all_stores=False, store_ids=[store.pk])
    actor = await core.aauthenticate(raw)
    assert actor.allowed_store_ids == frozenset({store.pk})


# --- Single flight: concurrent callers on a cold cache share one bcrypt check ----------------------------


@pytest.fixture
def slow_bcrypt_calls(monkeypatch):
    """Counts bcrypt checks, each made slow enough that concurrent callers are all waiting on it."""
    calls = SlowCalls()
    real = core._check_secret

    def counting(key, secret):
        calls.append(key.pk)
        calls.entered.set()
        time.sleep(0.2)
        return real(key, secret)

    monkeypatch.setattr(core, "_check_secret", counting)
    return calls


class SlowCalls(list):
    def __init__(self):
        super().__init__()
        self.entered = threading.Event()


async def test_concurrent_verifications_of_one_key_on_a_cold_cache_run_bcrypt_once(
    transactional_db, alice, create_key, slow_bcrypt_calls
):
    key, raw = await sync_to_async(create_key)(alice)
    actors = await asyncio.gather(*(core.aauthenticate(raw) for _ in range(8)))
    assert all(actor is not None and actor.api_key.pk == key.pk for actor in actors)
    assert slow_bcrypt_calls == [key.pk]


async def test_concurrent_verifications_run_bcrypt_once_again_when_the_cache_expires(
    transactional_db, alice, create_key, slow_bcrypt_calls, settings
):
    settings.API_KEY_VERIFY_CACHE_SECONDS = 0
    _, raw = await sync_to_async(create_key)(alice)
    await asyncio.gather(*(core.aauthenticate(raw) for _ in range(5)))
    await asyncio.gather(*(core.aauthenticate(raw) for _ in range(5)))
    assert len(slow_bcrypt_calls) == 2


async def test_a_wrong_secret_never_shares_the_flight_of_the_right_one(
    transactional_db, alice, create_key, slow_bcrypt_calls
):
    _, raw = await sync_to_async(create_key)(alice)
    presented = [raw, wrong_secret(raw)] * 4
    actors = await asyncio.gather(*(core.aauthenticate(p) for p in presented))
    assert [actor is not None for actor in actors] == [True, False] * 4
    assert len(slow_bcrypt_calls) == 2


async def test_a_failed_check_reaches_every_waiter_and_is_not_remembered(
    transactional_db, alice, create_key, monkeypatch
):
    _, raw = await sync_to_async(create_key)(alice)
    calls = []

    def broken(key, secret):
        calls.append(key.pk)
        time.sleep(0.1)
        raise RuntimeError("bcrypt exploded")

    monkeypatch.setattr(core, "_check_secret", broken)
    results = await asyncio.gather(*(core.aauthenticate(raw) for _ in range(4)), return_exceptions=True)
    assert len(calls) == 1
    assert all(isinstance(r, RuntimeError) for r in results)

    monkeypatch.undo()
    assert await core.aauthenticate(raw) is not None  # the next caller checks afresh


async def test_a_cancelled_first_caller_does_not_fail_the_others(
    transactional_db, alice, create_key, slow_bcrypt_calls
):
    key, raw = await sync_to_async(create_key)(alice)
    first = asyncio.create_task(core.aauthenticate(raw))
    await asyncio.to_thread(slow_bcrypt_calls.entered.wait, 5)  # the first caller's check is running
    others = [asyncio.create_task(core.aauthenticate(raw)) for _ in range(4)]
    await asyncio.sleep(0.02)
    first.cancel()
    actors = await asyncio.gather(*others)
    assert all(actor is not None for actor in actors)
    assert slow_bcrypt_calls == [key.pk]
    with pytest.raises(asyncio.CancelledError):
        await first
