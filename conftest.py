"""Shared fixtures: personas in two tenants, fast hashing, a clean cache per test.

alice  owner of Acme        bob     operator at Acme        vera  viewer at Acme
charlie owner of Globex (the other tenant: everything of Acme must be invisible to him)
"""

import pytest
from django.core.cache import cache

from tests.factories import MembershipFactory, TenantFactory


@pytest.fixture(autouse=True)
def _fast_and_clean(settings):
    settings.API_KEY_BCRYPT_ROUNDS = 4  # bcrypt's minimum: the tests check logic, not cost
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def acme(db):
    return TenantFactory(name="Acme")


@pytest.fixture
def globex(db):
    return TenantFactory(name="Globex")


@pytest.fixture
def alice(acme):
    return MembershipFactory(tenant=acme, user__email="alice@acme.test", role="owner").user


@pytest.fixture
def bob(acme):
    return MembershipFactory(tenant=acme, user__email="bob@acme.test", role="operator").user


@pytest.fixture
def vera(acme):
    return MembershipFactory(tenant=acme, user__email="vera@acme.test", role="viewer").user


@pytest.fixture
def charlie(globex):
    return MembershipFactory(tenant=globex, user__email="charlie@globex.test", role="owner").user
