"""Background runs: progress first, then the result, readable only by the user who started them."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient
from django.urls import reverse

from mcp_bridge import console_runs
from operations.models import Trace
from tests.console.fake_operations import Gate
from tests.helpers import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fake_registry")]

HTMX = {"HX-Request": "true"}


async def signed_in_client(user) -> AsyncClient:
    client = AsyncClient()
    await sync_to_async(sign_in)(client, user)
    return client


async def start_slow_run(client) -> str:
    Gate.halfway, Gate.release = asyncio.Event(), asyncio.Event()
    url = reverse("mcp_bridge:console-run", args=["orders_slow_batch"])
    response = await client.post(url, {"items": "4"}, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'hx-trigger="every 500ms"' in body and "<progress" in body
    return body.split('hx-get="/console/runs/')[1].split("/")[0]


def status_url(run_id):
    return reverse("mcp_bridge:console-run-status", args=[run_id])


async def test_it_reports_progress_then_the_result(alice):
    client = await signed_in_client(alice)
    run_id = await start_slow_run(client)
    await asyncio.wait_for(Gate.halfway.wait(), 5)

    running = await client.get(status_url(run_id), headers=HTMX)
    body = running.content.decode()
    assert running.status_code == 200 and "<html" not in body
    assert 'value="25"' in body and "Processed item 1" in body and 'hx-trigger="every 500ms"' in body

    Gate.release.set()
    await asyncio.wait_for(console_runs.wait_for_background_runs(), 5)
    finished = await client.get(status_url(run_id), headers=HTMX)
    body = finished.content.decode()
    assert "&quot;processed&quot;: 4" in body
    assert "hx-trigger" not in body  # polling stops when the result replaces the progress bar
    trace = await Trace.objects.aget()
    assert trace.source == "console" and trace.operation == "orders_slow_batch"
    assert f"/traces/{trace.pk}/" in body


async def test_it_keeps_a_run_private_to_its_user_and_tenant(alice, bob, charlie):
    client = await signed_in_client(alice)
    run_id = await start_slow_run(client)
    try:
        for other in (bob, charlie):
            other_client = await signed_in_client(other)
            assert (await other_client.get(status_url(run_id), headers=HTMX)).status_code == 404
        assert (await client.get(status_url("not-a-run"), headers=HTMX)).status_code == 404
    finally:
        Gate.release.set()
        await asyncio.wait_for(console_runs.wait_for_background_runs(), 5)


async def test_it_reports_bad_arguments_at_once_instead_of_starting(alice):
    client = await signed_in_client(alice)
    # The operation's own validation (a pattern) runs with the form's, before anything starts.
    url = reverse("mcp_bridge:console-run", args=["orders_slow_batch"])
    response = await client.post(url, {"items": "2", "label": "NOT LOWER"}, headers=HTMX)
    body = response.content.decode()
    assert "hx-trigger" not in body
    errors = body.split('id="console-errors-label" hx-swap-oob="true"')[1].split("</ul>")[0]
    assert "lowercase letters" in errors and "pattern" not in errors
    assert not console_runs._background_tasks
    assert not await Trace.objects.aexists()


async def test_it_runs_synchronously_without_javascript(alice):
    client = await signed_in_client(alice)
    url = reverse("mcp_bridge:console-run", args=["orders_slow_batch"])
    response = await client.post(url, {"items": "2"})
    body = response.content.decode()
    assert "<html" in body and "&quot;processed&quot;: 2" in body
    assert not console_runs._background_tasks


@pytest.mark.django_db
def test_it_runs_synchronously_without_a_server_event_loop(client, alice):
    """Under WSGI a background task would die with the request's temporary loop."""
    sign_in(client, alice)
    url = reverse("mcp_bridge:console-run", args=["orders_slow_batch"])
    response = client.post(url, {"items": "3"}, headers=HTMX)
    body = response.content.decode()
    assert "hx-trigger" not in body and "&quot;processed&quot;: 3" in body
