import pytest
from django.test import Client

from tests.oauth.helpers import register


@pytest.fixture
def browser(alice) -> Client:
    """Alice (an owner of Acme), signed in."""
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def oauth_client(db) -> dict:
    return register(Client())
