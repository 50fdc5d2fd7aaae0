"""Fixtures for the order and inventory operations: stores, actors, and an in-memory OrderDesk."""

import pytest

from sandbox.models import SandboxStore
from sandbox.provisioning import provision_sandbox_store
from stores.breaker import CircuitBreaker
from stores.client import OrderDeskClient, override_client
from stores.governor import LocalGovernor
from tests.factories import StoreFactory
from tests.helpers import actor_for
from tests.orders.fake import FakeOrderDesk

# Wide enough for every demo order the sandbox makes.
WIDE = {"search_start_date": "2000-01-01", "search_end_date": "2100-01-01"}


@pytest.fixture
def acme_store(acme):
    return StoreFactory(
        tenant=acme, name="Acme Main", orderdesk_store_id="11", api_key="acme-secret-key-1234"
    )


@pytest.fixture
def globex_store(globex):
    return StoreFactory(
        tenant=globex, name="Globex Shop", orderdesk_store_id="77", api_key="globex-secret-9876"
    )


@pytest.fixture
def od():
    fake = FakeOrderDesk()
    with override_client(fake):
        yield fake


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
def sandbox(live_server, settings, acme):
    """Acme's sandbox store on the live server, reached through a real OrderDesk client."""
    settings.SANDBOX_BASE_URL = live_server.url + "/sandbox/api/v2"
    store = provision_sandbox_store(tenant=acme, orders=12, seed=11)
    # The tests check behaviour, not pacing: no bucket on either side.
    SandboxStore.objects.filter(store=store).update(rate_limit_enabled=False)
    client = OrderDeskClient(
        governor=LocalGovernor(capacity=100_000, refill_per_second=100_000), breaker=CircuitBreaker()
    )
    with override_client(client):
        yield store
