"""stores_get and stores_test: what they make of OrderDesk's answers, failures and unreadable keys."""

from datetime import UTC, datetime

import pytest

from kernel.errors import (
    InvalidInput,
    RateLimited,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamUnavailable,
)
from kernel.tracing import SpanRecord
from stores import services
from stores.cache import cached
from stores.models import Store
from tenants.models import AuditEvent
from tests.helpers import actor_for, run
from tests.stores.conftest import STORE_ENVELOPE, TEST_ENVELOPE


def stores_get(user, **kwargs):
    actor = actor_for(user)
    return run(services.stores_get, tenant=actor.tenant, actor=actor, **kwargs)


def stores_test(user, **kwargs):
    actor = actor_for(user)
    return run(services.stores_test, tenant=actor.tenant, actor=actor, **kwargs)


def test_it_returns_settings_and_folders_without_secrets(vera, acme_store, fake_client):
    fake_client.answers["/store"] = STORE_ENVELOPE

    details = stores_get(vera)

    assert details.store.id == str(acme_store.pk) and details.name == "Test Store"
    assert (details.timezone, details.locale_code, details.store_country) == (
        "America/Los_Angeles",
        "en_US",
        "US",
    )
    assert details.store_email == "shop@example.test"
    assert [(f.id, f.name) for f in details.folders] == [
        (21654, "New"), (21655, "Prepared"), (21656, "Closed"), (21657, "Canceled"),
    ]  # fmt: skip
    dumped = details.model_dump_json()
    assert "should-never-leak" not in dumped and "smtp" not in dumped
    creds, path = fake_client.calls[0]
    assert path == "/store" and creds.api_key == "acme-secret-key-1234" and creds.orderdesk_store_id == "11"


def test_it_caches_settings_per_store(bob, acme_store, store_factory, acme, fake_client):
    other = store_factory(tenant=acme, name="Other")
    fake_client.answers["/store"] = STORE_ENVELOPE

    stores_get(bob, store="Acme Main")
    stores_get(bob, store="Acme Main")
    assert len(fake_client.calls) == 1
    stores_get(bob, store=str(other.pk))
    assert len(fake_client.calls) == 2


def test_it_forgets_cached_settings_when_the_credentials_change(
    bob, acme_store, fake_client, django_capture_on_commit_callbacks
):
    fake_client.answers["/store"] = STORE_ENVELOPE
    stores_get(bob)
    actor = actor_for(bob)

    new = "12"
    with django_capture_on_commit_callbacks(execute=True):
        run(
            services.stores_update,
            tenant=actor.tenant,
            actor=actor,
            store="Acme Main",
            orderdesk_store_id=new,
        )
    stores_get(bob)

    assert [creds.orderdesk_store_id for creds, _path in fake_client.calls] == ["11", "12"]


def test_it_forgets_cached_orders_and_inventory_when_the_store_points_elsewhere(
    bob, acme_store, django_capture_on_commit_callbacks
):
    actor = actor_for(bob)
    fetched = {"orders": 0, "inventory": 0}

    def read(resource):
        async def fetch():
            fetched[resource] += 1
            return f"{resource} of OrderDesk store {fetched[resource]}"

        where = {"tenant_id": acme_store.tenant_id, "store_id": acme_store.pk}
        return run(cached, **where, resource=resource, args={}, ttl=60, fetch=fetch)

    before = [read("orders"), read("inventory")]
    new = "12"
    with django_capture_on_commit_callbacks(execute=True):
        run(
            services.stores_update,
            tenant=actor.tenant,
            actor=actor,
            store="Acme Main",
            orderdesk_store_id=new,
        )
    after = [read("orders"), read("inventory")]

    assert before == ["orders of OrderDesk store 1", "inventory of OrderDesk store 1"]
    assert after == ["orders of OrderDesk store 2", "inventory of OrderDesk store 2"]


def test_it_reads_php_style_empty_folders_and_numeric_ids(bob, acme_store, fake_client):
    fake_client.answers["/store"] = {
        "status": "success",
        "store": {"id": 11, "name": "S", "settings": [], "folders": []},
    }

    details = stores_get(bob)

    assert details.folders == [] and details.timezone == ""


def test_it_passes_upstream_failures_of_stores_get_on(bob, acme_store, fake_client):
    fake_client.answers["/store"] = UpstreamAuthFailed("OrderDesk rejected the credentials", status=401)

    with pytest.raises(UpstreamAuthFailed):
        stores_get(bob)


def test_it_refuses_upstream_work_for_a_key_that_cannot_be_decrypted(bob, acme_store, fake_client):
    Store.objects.filter(pk=acme_store.pk).update(api_key_encrypted="v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

    for operation in [stores_get, stores_test]:
        with pytest.raises(InvalidInput) as caught:
            operation(bob)
        assert caught.value.field == "store"
        assert "re-enter it on the store's page" in caught.value.message
    assert fake_client.calls == []
    assert Store.objects.get(pk=acme_store.pk).last_test_ok is False


def test_it_records_a_successful_test(bob, acme_store, fake_client):
    fake_client.answers["/test"] = TEST_ENVELOPE
    fake_client.spans = [
        SpanRecord(
            method="GET",
            path="/test",
            started_at=datetime.now(UTC),
            duration_ms=3,
            status=200,
            tokens_remaining=17,
        )
    ]

    result = stores_test(bob)

    assert result.ok and result.message == "Connection Successful"
    assert result.current_date_time == "2015-04-14 22:00:10"
    assert result.tokens_remaining == 17 and result.duration_ms >= 0 and not result.needs_new_key
    stored = Store.objects.get(pk=acme_store.pk)
    assert (stored.last_test_ok, stored.last_test_message) == (True, "Connection Successful")
    assert stored.last_test_at == result.tested_at and result.store.last_test_ok is True
    event = AuditEvent.objects.get(action="store.tested")
    assert event.outcome == "success" and event.target_id == str(acme_store.pk)


def test_it_lets_viewers_test_through_the_operation(vera, acme_store, fake_client):
    fake_client.answers["/test"] = TEST_ENVELOPE

    assert stores_test(vera).ok


@pytest.mark.parametrize(
    ("error", "expected", "needs_new_key"),
    [
        (UpstreamAuthFailed("Invalid API Key or Store ID", status=401), "re-enter the API key", True),
        (RateLimited("Too many requests", retry_after=7.2), "try again in 8 s", False),
        (UpstreamUnavailable("ConnectTimeout"), "could not be reached", False),
        (UpstreamError("Not Found", status=404), "check the store's base URL", False),
        (UpstreamError("Something odd", status=400), "Something odd", False),
    ],
)
def test_it_turns_upstream_failures_into_a_failed_result(
    bob, acme_store, fake_client, error, expected, needs_new_key
):
    fake_client.answers["/test"] = error

    result = stores_test(bob, store="Acme Main")

    assert not result.ok and expected in result.message and result.needs_new_key is needs_new_key
    assert "acme-secret" not in result.message
    stored = Store.objects.get(pk=acme_store.pk)
    assert stored.last_test_ok is False and expected in stored.last_test_message
    assert AuditEvent.objects.get(action="store.tested").outcome == "failure"


def test_it_records_a_failed_test_and_refuses_for_an_undecryptable_key(bob, acme_store, fake_client):
    Store.objects.filter(pk=acme_store.pk).update(api_key_encrypted="v1:garbage")

    with pytest.raises(InvalidInput) as caught:
        stores_test(bob)

    assert caught.value.field == "store" and "can no longer be decrypted" in caught.value.message
    stored = Store.objects.get(pk=acme_store.pk)
    assert stored.last_test_ok is False and "can no longer be decrypted" in stored.last_test_message
    assert fake_client.calls == []
