"""The whole loop, locally: a write to a sandbox order makes the sandbox post the order back, signed
like OrderDesk, to the app's post-back URL, where it is verified and recorded."""

import time

import pytest
from django.core.cache import cache

from operations.models import Trace, TraceSource
from operations.runner import run_sync
from orders import services
from sandbox.models import SandboxStore
from sandbox.postbacks import allowed_url
from tenants.models import AuditEvent
from tests.helpers import WIDE

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(query, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if query.exists():
            return query.get()
        time.sleep(0.05)
    raise AssertionError("nothing arrived")


def test_a_sandbox_write_is_posted_back_signed_verified_and_recorded(
    sandbox, live_server, settings, alice_actor
):
    cache.clear()
    settings.SITE_URL = live_server.url  # the default target: this app's URL for the sandbox's store
    SandboxStore.objects.filter(store=sandbox).update(postback_enabled=True)
    order = run_sync(services.orders_list, {"limit": 1, **WIDE}, actor=alice_actor).orders[0]
    run_sync(services.orders_add_note, {"order_id": str(order.id), "note": "Loop"}, actor=alice_actor)
    trace = wait_for(Trace.objects.filter(source=TraceSource.POSTBACK, order_id=str(order.id)))
    assert trace.tenant_id == alice_actor.tenant.pk and trace.store_id == sandbox.pk
    assert AuditEvent.objects.filter(action="postback.received", tenant=alice_actor.tenant).exists()
    assert not AuditEvent.objects.filter(action="postback.refused").exists()


def test_without_postbacks_switched_on_the_sandbox_posts_nothing(sandbox, alice_actor):
    order = run_sync(services.orders_list, {"limit": 1, **WIDE}, actor=alice_actor).orders[0]
    run_sync(services.orders_add_note, {"order_id": str(order.id), "note": "Quiet"}, actor=alice_actor)
    time.sleep(0.3)
    assert not Trace.objects.filter(source=TraceSource.POSTBACK).exists()


def test_a_postback_url_outside_this_app_is_never_posted_to(settings):
    settings.SITE_URL = "https://admin.example.com"
    assert allowed_url("https://admin.example.com/webhooks/orderdesk/abc/")
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "https://admin.example.com.evil.test/webhooks/orderdesk/abc/",
        "https://admin.example.com/webhooks/orderdesk/../../admin/",
        "https://admin.example.com/other/",
    ):
        assert not allowed_url(url)
