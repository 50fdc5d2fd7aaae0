import pytest
from channels.layers import channel_layers


@pytest.fixture
def fresh_channel_layer():
    """A channel layer made for this test's event loop, closed afterwards."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
