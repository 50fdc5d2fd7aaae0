"""The live-tail socket lives only as long as the access it was opened with, each session and user
holds a few at most, and only the site's own origin may open one.

Every socket here goes through the whole ASGI application (origin check, session cookie, consumer)
on whichever channel layer the run is configured with (in-memory, or Redis with REDIS_URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from kernel import leases
from mcp_bridge import broadcast, tail_access
from orderdesk_admin.asgi import application
from tenants import services
from tenants.middleware import SESSION_AUTH_AT
from tenants.models import Membership, User
from tests.helpers import actor_for, sign_in
from tests.traces.factories import TraceFactory

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/traces/"


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A channel layer made for this test's event loop, closed afterwards."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def site_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}"


@sync_to_async
def signed_in(user) -> Client:
    return sign_in(Client(), user)


def tail(client: Client | None, origin: str | None = None) -> WebsocketCommunicator:
    """A live-tail socket with `client`'s session cookie, from `origin` (the site's by default)."""
    host = urlsplit(settings.SITE_URL).netloc.encode()
    headers = [(b"host", host), (b"origin", (origin or site_origin()).encode())]
    if client is not None:
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, PATH, headers=headers)


async def opened(client: Client) -> WebsocketCommunicator:
    socket = tail(client)
    connected, code = await socket.connect()
    assert connected, code
    return socket


async def push_new_trace(tenant_id) -> str:
    """A new trace of the tenant, announced to its live tail as the trace store does."""
    trace = await sync_to_async(TraceFactory)(tenant_id=tenant_id)
    await broadcast.trace_recorded(trace)
    return str(trace.pk)


async def assert_closed_without_the_row(socket: WebsocketCommunicator, code: int, tenant_id) -> str:
    """Push a new trace: `socket` must close with `code` instead of sending it. The trace's id."""
    trace_id = await push_new_trace(tenant_id)
    output = await socket.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": code}, f"trace {trace_id} was sent: {output}"
    await socket.disconnect()  # as the server does once the close handshake is done
    return trace_id


async def shut(*sockets: WebsocketCommunicator) -> None:
    for socket in sockets:
        with contextlib.suppress(Exception):
            await socket.disconnect()


# --- Access ends while the socket is open ------------------------------------------------------------


async def test_signing_out_closes_the_sessions_open_live_tail(alice, acme):
    client = await signed_in(alice)
    socket = await opened(client)
    assert f'id="trace-{await push_new_trace(acme.pk)}"' in await socket.receive_from(timeout=5)
    await sync_to_async(client.post)("/logout/")
    await assert_closed_without_the_row(socket, tail_access.SIGNED_OUT, acme.pk)


async def test_signing_out_leaves_the_same_users_other_sessions_streaming(alice, acme):
    leaving, staying = await signed_in(alice), await signed_in(alice)
    leaving_socket, staying_socket = await opened(leaving), await opened(staying)
    await sync_to_async(leaving.post)("/logout/")
    trace_id = await assert_closed_without_the_row(leaving_socket, tail_access.SIGNED_OUT, acme.pk)
    assert f'id="trace-{trace_id}"' in await staying_socket.receive_from(timeout=5)
    await shut(staying_socket)


async def test_removal_from_the_team_closes_the_members_live_tail(alice, bob, acme):
    socket = await opened(await signed_in(bob))
    membership = await Membership.objects.aget(user=bob)
    await sync_to_async(services.member_remove)(
        tenant=acme, actor=await sync_to_async(actor_for)(alice), membership_id=membership.pk
    )
    await assert_closed_without_the_row(socket, tail_access.FORBIDDEN, acme.pk)


async def test_deactivating_the_account_closes_its_live_tail(bob, acme):
    socket = await opened(await signed_in(bob))
    bob.is_active = False
    await bob.asave(update_fields=["is_active"])
    await assert_closed_without_the_row(socket, tail_access.SIGNED_OUT, acme.pk)


async def test_a_deactivation_that_sends_no_signal_still_stops_the_rows_at_the_next_check(
    bob, acme, monkeypatch
):
    """A bulk update sends no signal: the check before each row (here not cached) still sees it."""
    monkeypatch.setattr(tail_access, "RECHECK_SECONDS", 0)
    socket = await opened(await signed_in(bob))
    await User.objects.filter(pk=bob.pk).aupdate(is_active=False)
    await assert_closed_without_the_row(socket, tail_access.SIGNED_OUT, acme.pk)


async def test_an_expired_session_closes_the_live_tail_before_the_next_row(alice, acme, settings):
    settings.SESSION_IDLE_TIMEOUT = 1  # the 30-minute idle limit, shortened to a second
    socket = await opened(await signed_in(alice))
    await asyncio.sleep(2.1)  # two whole seconds without a request: the session has expired
    await assert_closed_without_the_row(socket, tail_access.SIGNED_OUT, acme.pk)


async def test_an_idle_live_tail_closes_itself_when_its_session_expires(alice, settings, monkeypatch):
    """No row needs sending, yet the socket does not outlive the session: the watchdog ends it."""
    settings.SESSION_IDLE_TIMEOUT = 1
    monkeypatch.setattr(tail_access, "HEARTBEAT_SECONDS", 0.5)
    socket = await opened(await signed_in(alice))
    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": tail_access.SIGNED_OUT}
    await socket.disconnect()


async def test_a_session_past_its_absolute_lifetime_is_refused(alice):
    client = await signed_in(alice)

    @sync_to_async
    def age_session() -> None:
        session = import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)
        session[SESSION_AUTH_AT] = int(time.time()) - 13 * 3600
        session.save()

    await age_session()
    connected, code = await tail(client).connect()
    assert not connected and code == tail_access.FORBIDDEN


# --- Caps ----------------------------------------------------------------------------------------------


async def test_a_session_cannot_open_more_than_its_cap_of_live_tails(alice):
    client = await signed_in(alice)
    sockets = [await opened(client) for _ in range(tail_access.PER_SESSION)]
    connected, code = await tail(client).connect()
    assert not connected and code == tail_access.TOO_MANY
    await shut(sockets.pop())
    sockets.append(await opened(client))  # a closed socket gives its place back
    await shut(*sockets)


async def test_a_user_cannot_open_more_than_their_cap_across_sessions(alice):
    sockets = []
    for _ in range(tail_access.PER_USER // tail_access.PER_SESSION):
        client = await signed_in(alice)
        sockets += [await opened(client) for _ in range(tail_access.PER_SESSION)]
    connected, code = await tail(await signed_in(alice)).connect()
    assert not connected and code == tail_access.TOO_MANY
    await shut(*sockets)


async def test_places_held_by_a_crashed_process_free_themselves(alice):
    """A process that died with sockets open never released their leases: they expire on their own."""
    client = await signed_in(alice)
    scope = f"tail:session:{tail_access.session_tag(client.session.session_key)}"
    for _ in range(tail_access.PER_SESSION):
        await sync_to_async(leases.claim)(scope, cap=tail_access.PER_SESSION, holder="crashed", ttl=1)
    connected, code = await tail(client).connect()
    assert not connected and code == tail_access.TOO_MANY
    await asyncio.sleep(2.1)  # Redis expires keys to the second
    await shut(await opened(client))


# --- Origin ------------------------------------------------------------------------------------------


def _with(origin: str, *, scheme: str | None = None, port: int | None = None) -> str:
    parts = urlsplit(origin)
    host = parts.hostname
    port = port if port is not None else parts.port
    return f"{scheme or parts.scheme}://{host}" + (f":{port}" if port else "")


async def test_a_handshake_from_the_sites_host_over_another_scheme_is_refused(alice):
    client = await signed_in(alice)
    other_scheme = "https" if urlsplit(settings.SITE_URL).scheme == "http" else "http"
    connected, code = await tail(client, origin=_with(site_origin(), scheme=other_scheme)).connect()
    assert not connected and code == 4403


async def test_a_handshake_from_the_sites_host_on_another_port_is_refused(alice):
    client = await signed_in(alice)
    port = (urlsplit(settings.SITE_URL).port or 443) + 1
    connected, code = await tail(client, origin=_with(site_origin(), port=port)).connect()
    assert not connected and code == 4403


async def test_a_handshake_without_an_origin_is_refused(alice):
    client = await signed_in(alice)
    socket = tail(client)
    socket.scope["headers"] = [(name, value) for name, value in socket.scope["headers"] if name != b"origin"]
    connected, _ = await socket.connect()
    assert not connected


async def test_a_handshake_from_the_sites_own_origin_is_accepted(alice, settings):
    settings.SITE_URL = "https://admin.example.test"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "admin.example.test"]
    client = await signed_in(alice)
    own = tail(client, origin="https://admin.example.test")
    same_with_default_port = tail(client, origin="https://ADMIN.example.test:443")
    plain_http = tail(client, origin="http://admin.example.test")
    assert (await own.connect())[0] and (await same_with_default_port.connect())[0]
    assert (await plain_http.connect()) == (False, 4403)
    await shut(own, same_with_default_port)
