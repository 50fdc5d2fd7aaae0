"""The live tail: a saved trace is pushed as a row to its tenant's sockets, and only there."""

import time
from importlib import import_module

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client

from kernel import context
from mcp_bridge import broadcast
from operations.registry import Registry, describe
from operations.runner import run_operation
from orderdesk_admin.routing import websocket_urlpatterns
from tenants.actors import Actor
from tenants.middleware import SESSION_AUTH_AT
from tenants.models import Membership
from tests.helpers import sign_in
from tests.traces.factories import TraceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_channel_layer")]


async def orders_ping(*, tenant, actor) -> dict:
    """Answer pong."""
    return {"pong": True}


async def orders_broken(*, tenant, actor) -> dict:
    """Fail."""
    raise RuntimeError("broken")


REGISTRY = Registry(
    [
        describe(orders_ping, toolset="orders", read_only=True),
        describe(orders_broken, toolset="orders", read_only=True),
    ]
)


@sync_to_async
def stored_session(user, **clock) -> SessionBase:
    """`user`'s session as a sign-in stores it (the socket re-reads it), its clocks overridable."""
    client = sign_in(Client(), user)
    session = import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)
    session.update(clock)
    session.save()
    return session


async def socket_for(user, path="/ws/traces/", session=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    communicator.scope["session"] = await stored_session(user) if session is None else session
    return communicator


async def record_call(user, name="orders_ping"):
    """Run an operation as `user` through the registry: the trace store saves it and pushes it."""
    membership = await Membership.objects.select_related("tenant", "user").aget(user=user)
    actor = Actor.for_membership(membership)
    with context.bind(context.RequestContext(source="console")):
        try:
            invocation = await run_operation(REGISTRY.get(name), {}, actor=actor)
        except RuntimeError as exc:
            return exc.trace_id
    return invocation.trace_id


async def test_it_pushes_a_saved_trace_to_the_tenants_sockets(alice, bob, charlie):
    alices, bobs, charlies = await socket_for(alice), await socket_for(bob), await socket_for(charlie)
    for socket in (alices, bobs, charlies):
        assert (await socket.connect())[0]
    trace_id = await record_call(alice)
    for socket in (alices, bobs):
        html = await socket.receive_from(timeout=5)
        assert html.startswith('<tbody hx-swap-oob="afterbegin:#trace-rows">')
        assert f'<tr id="trace-{trace_id}">' in html and "orders_ping" in html
    assert await charlies.receive_nothing(timeout=0.3)
    for socket in (alices, bobs, charlies):
        await socket.disconnect()


async def test_it_applies_the_lists_filters_to_the_tail(alice):
    errors_only = await socket_for(alice, "/ws/traces/?outcome=crash")
    assert (await errors_only.connect())[0]
    await record_call(alice, "orders_ping")
    assert await errors_only.receive_nothing(timeout=0.3)
    trace_id = await record_call(alice, "orders_broken")
    assert f'id="trace-{trace_id}"' in await errors_only.receive_from(timeout=5)
    await errors_only.disconnect()


async def test_it_refuses_anonymous_sockets(db):
    from django.contrib.auth.models import AnonymousUser

    socket = await socket_for(AnonymousUser(), session={})
    connected, code = await socket.connect()
    assert not connected and code == 4403


async def test_it_refuses_a_socket_of_an_expired_session(alice):
    stale = await stored_session(alice, **{SESSION_AUTH_AT: int(time.time()) - 13 * 3600})
    connected, _ = await (await socket_for(alice, session=stale)).connect()
    assert not connected


async def test_it_authenticates_sockets_with_the_session_cookie(alice, charlie):
    from orderdesk_admin.asgi import application

    def cookie_for(user):
        client = sign_in(Client(), user)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    alices = WebsocketCommunicator(
        application,
        "/ws/traces/",
        headers=[*headers, (b"cookie", (await sync_to_async(cookie_for)(alice)).encode())],
    )
    charlies = WebsocketCommunicator(
        application,
        "/ws/traces/",
        headers=[*headers, (b"cookie", (await sync_to_async(cookie_for)(charlie)).encode())],
    )
    anonymous = WebsocketCommunicator(application, "/ws/traces/", headers=headers)
    assert (await alices.connect())[0] and (await charlies.connect())[0]
    assert not (await anonymous.connect())[0]
    trace_id = await record_call(alice)
    assert f'id="trace-{trace_id}"' in await alices.receive_from(timeout=5)
    assert await charlies.receive_nothing(timeout=0.3)
    await alices.disconnect()
    await charlies.disconnect()


async def test_it_keeps_the_request_going_when_the_channel_layer_fails(alice, monkeypatch):
    def unavailable():
        raise ConnectionError("redis is down")

    monkeypatch.setattr(broadcast, "get_channel_layer", unavailable)
    assert await record_call(alice) is not None


def test_it_renders_the_pushed_row_like_the_list_row(acme):
    trace = TraceFactory(tenant=acme, operation="orders_get")
    html = broadcast.render_row(trace)
    assert html.count("<tr ") == 1 and html.rstrip().endswith("</tbody>")
    assert broadcast.tenant_group(acme.pk) == f"traces.{acme.pk.hex}"
