import pytest

from api_keys import services
from tests.helpers import actor_for


@pytest.fixture
def create_key(db):
    """Create a key through the key service, as `owner` would on /keys/: returns (ApiKey, raw key).
    The key service is what these tests are about; elsewhere ApiKeyFactory makes the rows."""

    def create(owner, **overrides):
        actor = actor_for(owner)
        arguments = {"name": "agent", "scope": "read"} | overrides
        return services.key_create(tenant=actor.tenant, actor=actor, **arguments)

    return create
