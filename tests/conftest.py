"""Fixtures every test area shares (the personas themselves are in the root conftest.py):

acme_store     Acme's registered OrderDesk store          globex_store  Globex's (the other tenant's)
acme_outlet    a second store of Acme's (for keys limited to some stores, or several to choose from)
acme_sandbox   a store of Acme's marked as its sandbox (no emulator data behind it)
*_actor        the Actor each persona acts as when signed in
csrf_client    a test client that checks CSRF tokens (the default `client` does not)
od             the in-memory OrderDesk (tests/orders/fake.py) behind every upstream call
sandbox        Acme's sandbox store, served by the emulator on the live server, over real HTTP

API keys: ApiKeyFactory (tests/factories.py) makes key rows, `tests.helpers.key_actor` the Actor a key
acts as; tests/mcp's `make_key` hands out raw keys for bearer headers.
"""

import pytest
from django.test import Client

from sandbox.models import SandboxStore
from sandbox.provisioning import provision_sandbox_store
from stores.breaker import CircuitBreaker
from stores.client import OrderDeskClient, override_client
from stores.governor import LocalGovernor
from tests.factories import StoreFactory
from tests.helpers import actor_for
from tests.orders.fake import FakeOrderDesk


@pytest.fixture
def store_factory(db):
    return StoreFactory


@pytest.fixture
def acme_store(acme):
    return StoreFactory(
        tenant=acme, name="Acme Main", orderdesk_store_id="11", api_key="acme-secret-key-1234"
    )


@pytest.fixture
def globex_store(globex):
    return StoreFactory(
        tenant=globex, name="Globex Shop", orderdesk_store_id="77", api_key="globex-secret-key-9876"
    )


@pytest.fixture
def acme_outlet(acme):
    return StoreFactory(tenant=acme, name="Acme Outlet", orderdesk_store_id="12")


@pytest.fixture
def acme_sandbox(acme):
    return StoreFactory(tenant=acme, name="Acme sandbox", is_sandbox=True)


@pytest.fixture
def csrf_client() -> Client:
    """A test client that checks CSRF tokens, as a browser's requests are checked."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def alice_actor(alice):
    return actor_for(alice)


@pytest.fixture
def bob_actor(bob):
    return actor_for(bob)


@pytest.fixture
def vera_actor(vera):
    return actor_for(vera)


@pytest.fixture
def charlie_actor(charlie):
    return actor_for(charlie)


@pytest.fixture
def od():
    fake = FakeOrderDesk()
    with override_client(fake):
        yield fake


@pytest.fixture
def sandbox(live_server, settings, acme):
    """Acme's sandbox store (12 demo orders, seed 11) on the live server, reached over real HTTP
    through a real OrderDesk client. Mark the module `django_db(transaction=True)`: the live server
    reads the database from another thread.

    Pacing is off on both sides (no sandbox bucket, a bottomless governor): these tests check
    behaviour, not pacing. A test about pacing switches the sandbox's bucket back on."""
    settings.SANDBOX_BASE_URL = live_server.url + "/sandbox/api/v2"
    store = provision_sandbox_store(tenant=acme, orders=12, seed=11)
    SandboxStore.objects.filter(store=store).update(rate_limit_enabled=False)
    client = OrderDeskClient(
        governor=LocalGovernor(capacity=100_000, refill_per_second=100_000), breaker=CircuitBreaker()
    )
    with override_client(client):
        yield store
