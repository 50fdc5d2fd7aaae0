import pytest

from mcp_bridge import console_runs
from tests.console import fake_operations


@pytest.fixture
def fake_registry(monkeypatch):
    registry = fake_operations.fake_registry()
    monkeypatch.setattr(console_runs, "get_registry", lambda: registry)
    fake_operations.WRITES.clear()
    fake_operations.Gate.halfway = fake_operations.Gate.release = None
    yield registry
    fake_operations.WRITES.clear()
