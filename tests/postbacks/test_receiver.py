"""The post-back receiver: only OrderDesk's signed deliveries to a store's own URL have any effect."""

import json

import pytest
from django.core.cache import cache

from operations.models import Trace, TraceSource
from stores.changes import order_changed
from tenants.models import AuditEvent
from tests.postbacks.helpers import delivery, order


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


@pytest.fixture
def changes():
    seen = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    order_changed.connect(receiver, dispatch_uid="test.postbacks")
    yield seen
    order_changed.disconnect(dispatch_uid="test.postbacks")


def post(client, **kwargs):
    return client.post(kwargs.pop("path"), **kwargs)


def postback_rows(store):
    return Trace.objects.filter(store_id=store.pk, source=TraceSource.POSTBACK)


def test_a_signed_delivery_is_answered_200_traced_audited_and_announced(client, acme_store, changes):
    response = post(client, **delivery(acme_store, order()))
    assert response.status_code == 200
    trace = postback_rows(acme_store).get()
    assert trace.order_id == "5001" and trace.tenant_id == acme_store.tenant_id
    event = AuditEvent.objects.get(action="postback.received")
    assert event.tenant_id == acme_store.tenant_id and event.detail["outcome"] == "fresh"
    assert changes == [
        {
            "signal": order_changed,
            "tenant_id": acme_store.tenant_id,
            "store_id": acme_store.pk,
            "order_id": "5001",
            "folder_ids": [1001],
            "origin": "postback",
        }
    ]


def test_a_delivery_signed_with_another_key_is_refused_403_without_effects(client, acme_store, changes):
    response = post(client, **delivery(acme_store, order(), key="not-the-store-key"))
    assert (response.status_code, response.content) == (403, b"Unauthorized Request")
    assert not changes and not postback_rows(acme_store).exists()
    assert AuditEvent.objects.filter(action="postback.refused").count() == 1


def test_a_body_changed_after_signing_is_refused_403(client, acme_store, changes):
    args = delivery(acme_store, order())
    args["data"]["order"] = json.dumps(order(folder_id=1003))
    assert post(client, **args).status_code == 403
    assert not changes and not postback_rows(acme_store).exists()


@pytest.mark.parametrize("header", ["X-Order-Desk-Store-Id", "X-Order-Desk-Hash"])
def test_a_delivery_missing_a_header_is_refused_403(client, acme_store, changes, header):
    args = delivery(acme_store, order())
    del args["headers"][header]
    assert post(client, **args).status_code == 403
    assert not changes


def test_a_wrong_store_id_is_refused_403(client, acme_store, changes):
    assert post(client, **delivery(acme_store, order(), store_id="999")).status_code == 403
    assert not changes


def test_a_delivery_signed_for_one_tenants_store_is_refused_on_another_tenants_url(
    client, acme_store, globex_store, changes
):
    args = delivery(acme_store, order())
    args["path"] = f"/webhooks/orderdesk/{globex_store.postback_token}/"
    assert post(client, **args).status_code == 403
    args["headers"]["X-Order-Desk-Store-Id"] = globex_store.orderdesk_store_id
    assert post(client, **args).status_code == 403
    assert not changes
    assert not Trace.objects.filter(source=TraceSource.POSTBACK).exists()
    assert not AuditEvent.objects.filter(action="postback.received").exists()
    assert not AuditEvent.objects.filter(tenant=acme_store.tenant, action__startswith="postback").exists()


def test_an_unknown_token_is_404(client, acme_store, changes):
    args = delivery(acme_store, order())
    args["path"] = "/webhooks/orderdesk/not-a-token/"
    assert post(client, **args).status_code == 404
    assert not changes and not AuditEvent.objects.filter(action__startswith="postback").exists()


def test_only_post_is_served(client, acme_store):
    assert client.get(f"/webhooks/orderdesk/{acme_store.postback_token}/").status_code == 405


def test_a_retried_delivery_is_answered_200_again_without_doing_anything_twice(client, acme_store, changes):
    args = delivery(acme_store, order())
    for _ in range(3):
        assert post(client, **args).status_code == 200
    assert len(changes) == 1
    assert postback_rows(acme_store).count() == 1
    assert AuditEvent.objects.filter(action="postback.received").count() == 1


def test_an_older_version_of_an_order_is_answered_200_recorded_stale_and_changes_nothing(
    client, acme_store, changes
):
    assert post(client, **delivery(acme_store, order(updated="2026-01-02 10:00:05"))).status_code == 200
    older = delivery(acme_store, order(updated="2026-01-02 10:00:01", folder_id=1002))
    assert post(client, **older).status_code == 200
    assert len(changes) == 1
    stale = postback_rows(acme_store).get(error_code="stale")
    assert stale.result_summary["outcome"] == "stale"


def test_an_oversized_body_is_refused_413_without_effects(client, acme_store, changes):
    big = order(note="x" * (1024 * 1024 + 10))
    assert post(client, **delivery(acme_store, big)).status_code == 413
    assert not changes and not postback_rows(acme_store).exists()


def test_a_missing_order_field_is_400_no_data_found(client, acme_store, changes):
    args = delivery(acme_store, order())
    args["data"] = {"something": "else"}
    response = post(client, **args)
    assert (response.status_code, response.content) == (400, b"No Data Found")
    assert not changes


def test_signed_malformed_json_is_400_invalid_order_data(client, acme_store, changes):
    response = post(client, **delivery(acme_store, None, body="{not json"))
    assert (response.status_code, response.content) == (400, b"Invalid Order Data")
    response = post(client, **delivery(acme_store, None, body="[1, 2]"))
    assert response.status_code == 400
    assert not changes


def test_the_token_is_random_and_unique_per_store(acme_store, globex_store):
    assert len(acme_store.postback_token) >= 40
    assert acme_store.postback_token != globex_store.postback_token
