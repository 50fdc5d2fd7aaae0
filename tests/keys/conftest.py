import pytest

from api_keys import services
from tests.factories import StoreFactory
from tests.helpers import actor_for


@pytest.fixture
def store_factory(db):
    return StoreFactory


@pytest.fixture
def make_key(db):
    """Create a key through the service, as its tenant's owner would: returns (ApiKey, raw key)."""

    def make(owner, **overrides):
        actor = actor_for(owner)
        arguments = {"name": "agent", "scope": "read"} | overrides
        return services.key_create(tenant=actor.tenant, actor=actor, **arguments)

    return make
