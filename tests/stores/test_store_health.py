"""A store's page tells the truth: credentials rejected on a call, the breaker's state, the rate budget."""

import asyncio

import pytest
from django.urls import reverse

from kernel.errors import UpstreamAuthFailed
from orders import services as orders
from stores import health
from stores.breaker import CircuitBreaker
from stores.client import override_client
from tenants.models import AuditEvent
from tests.helpers import actor_for, run, sign_in
from tests.stores.conftest import STORE_ENVELOPE

ORDER = {"status": "success", "order": {"id": "1001", "email": "a@example.com", "order_items": []}}


def detail(client, store):
    return client.get(reverse("stores:detail", args=[store.pk])).content.decode()


def test_credentials_rejected_on_a_call_show_on_the_store_page(client, alice, acme_store, fake_client):
    acme_store.last_test_ok, acme_store.last_test_message = True, "Connection successful"
    acme_store.save()
    # OrderDesk rejects every call made with revoked credentials, the store-settings fetch that runs
    # beside the order's included: one accepted there would rightly clear the verdict again.
    rejection = UpstreamAuthFailed("Invalid API Key or Store ID", status=401)
    fake_client.answers.update({"/store": rejection, "/orders/1001": rejection})
    with pytest.raises(UpstreamAuthFailed):
        run(orders.orders_get, tenant=acme_store.tenant, actor=actor_for(alice), order_id="1001")
    acme_store.refresh_from_db()
    assert acme_store.last_test_ok is False and acme_store.last_test_message == health.REJECTED_MESSAGE
    page = detail(sign_in(client, alice), acme_store)
    assert "Failed" in page and "rejected the store id or API key" in page
    assert "Re-enter the API key" in page
    event = AuditEvent.objects.get(action="store.tested")
    assert event.outcome == "failure" and event.detail["seen_on"] == "a call"


def test_an_accepted_call_after_a_rejection_marks_the_store_working(alice, acme_store, fake_client):
    acme_store.last_test_ok, acme_store.last_test_message = False, health.REJECTED_MESSAGE
    acme_store.save()
    fake_client.answers.update({"/store": STORE_ENVELOPE, "/orders/1001": ORDER})
    run(orders.orders_get, tenant=acme_store.tenant, actor=actor_for(alice), order_id="1001")
    acme_store.refresh_from_db()
    assert acme_store.last_test_ok is True and acme_store.last_test_message == health.ACCEPTED_MESSAGE


def test_ordinary_calls_write_nothing_when_the_verdict_is_unchanged(alice, acme_store, fake_client):
    fake_client.answers.update({"/store": STORE_ENVELOPE, "/orders/1001": ORDER})
    run(orders.orders_get, tenant=acme_store.tenant, actor=actor_for(alice), order_id="1001")
    acme_store.refresh_from_db()
    assert acme_store.last_test_ok is None and not AuditEvent.objects.filter(action="store.tested").exists()


@pytest.fixture
def breaker():
    fresh = CircuitBreaker(threshold=2)

    class WithBreaker:
        def __init__(self):
            self.breaker = fresh

    with override_client(WithBreaker()):
        yield fresh


def test_store_page_shows_an_open_breaker_and_an_operator_resets_it(client, bob, acme_store, breaker):
    key = (str(acme_store.tenant_id), str(acme_store.pk))
    breaker.failure(key)
    breaker.failure(key)
    page = detail(sign_in(client, bob), acme_store)
    assert "Open" in page and "Reset breaker" in page
    assert "requests available now" in page
    response = client.post(reverse("stores:breaker-reset", args=[acme_store.pk]))
    assert response.status_code == 302 and not breaker.is_open(key)
    event = AuditEvent.objects.get(action="store.breaker_reset")
    assert event.detail == {"was_open": True} and event.target_id == str(acme_store.pk)
    assert "Calls go through." in detail(client, acme_store)


def test_viewers_see_the_breaker_but_cannot_reset_it(client, vera, acme_store, breaker):
    key = (str(acme_store.tenant_id), str(acme_store.pk))
    breaker.failure(key)
    breaker.failure(key)
    assert "Reset breaker" not in detail(sign_in(client, vera), acme_store)
    assert client.post(reverse("stores:breaker-reset", args=[acme_store.pk])).status_code == 403
    assert breaker.is_open(key)


def test_another_tenants_store_breaker_cannot_be_reset(client, charlie, acme_store, breaker):
    response = sign_in(client, charlie).post(reverse("stores:breaker-reset", args=[acme_store.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="store.breaker_reset").exists()


@pytest.mark.django_db(transaction=True)
async def test_a_call_accepted_after_starting_before_a_rejection_does_not_clear_it(acme_store):
    """One operation's calls run side by side: the call that began before OrderDesk rejected the
    credentials says nothing about that rejection, whichever of the two finishes last."""
    rejected_noted = asyncio.Event()

    async def accepted_once_rejection_is_noted():
        await rejected_noted.wait()
        return "ok"

    async def rejected():
        raise UpstreamAuthFailed("Invalid API Key or Store ID", status=401)

    async def rejection_then_signal():
        try:
            await health.watch_credentials(acme_store, rejected())
        finally:
            rejected_noted.set()

    accepted = asyncio.create_task(health.watch_credentials(acme_store, accepted_once_rejection_is_noted()))
    await asyncio.sleep(0)  # the accepted call is under way before the rejected one is made
    with pytest.raises(UpstreamAuthFailed):
        await rejection_then_signal()
    assert await accepted == "ok"
    await acme_store.arefresh_from_db()
    assert acme_store.last_test_ok is False and acme_store.last_test_message == health.REJECTED_MESSAGE

    async def accepted_later():
        return "ok"

    await health.watch_credentials(acme_store, accepted_later())  # begun after the rejection: clears it
    await acme_store.arefresh_from_db()
    assert acme_store.last_test_ok is True
