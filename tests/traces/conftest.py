import importlib.util
import sys
import types

import pytest

# channels.testing imports its live-server test case, which needs daphne; the WebSocket communicator
# used here does not. Without daphne installed, give that import a stand-in so the package loads.
if importlib.util.find_spec("daphne") is None:  # pragma: no branch
    _daphne, _daphne_testing = types.ModuleType("daphne"), types.ModuleType("daphne.testing")
    _daphne_testing.DaphneProcess = None
    _daphne.testing = _daphne_testing
    sys.modules.setdefault("daphne", _daphne)
    sys.modules.setdefault("daphne.testing", _daphne_testing)
from channels.layers import channel_layers

from tests.traces.factories import StoreFactory


@pytest.fixture
def acme_store(acme):
    return StoreFactory(tenant=acme, name="Main street")


@pytest.fixture
def fresh_channel_layer():
    """A channel layer made for this test's event loop, closed afterwards."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
