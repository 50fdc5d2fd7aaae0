import pytest

from tests.factories import StoreFactory


@pytest.fixture
def acme_sandbox(acme):
    return StoreFactory(tenant=acme, name="Acme sandbox", is_sandbox=True)


@pytest.fixture
def acme_store(acme):
    return StoreFactory(tenant=acme, name="Main street", last_test_ok=False, last_test_message="401")
