import pytest
from channels.layers import channel_layers

from tests.factories import StoreFactory


@pytest.fixture
def acme_store(acme):
    return StoreFactory(tenant=acme, name="Main street")


@pytest.fixture
def fresh_channel_layer():
    """A channel layer made for this test's event loop, closed afterwards."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
