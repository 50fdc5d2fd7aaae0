"""Shared fixtures: personas in two tenants, fast hashing, a clean cache per test.

alice  owner of Acme        bob     operator at Acme        vera  viewer at Acme
charlie owner of Globex (the other tenant: everything of Acme must be invisible to him)
"""

import importlib
from pathlib import Path

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import TransactionTestCase

from tests import shared_redis
from tests.factories import MembershipFactory, TenantFactory


def _clear_audit_log_for_flush(connection) -> None:
    """Transactional tests end with a flush, which is a DELETE on SQLite, and the audit log's
    append-only triggers refuse it. Empty the audit table with the triggers briefly dropped and
    restore them, so every later test still runs against an append-only table. (PostgreSQL flushes
    with TRUNCATE, which row triggers do not see.)"""
    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("tenants.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        for statement in migration.SQLITE_REVERSE:
            cursor.execute(statement)
        cursor.execute("DELETE FROM tenants_auditevent")
        for statement in migration.SQLITE:
            cursor.execute(statement)


_original_fixture_teardown = TransactionTestCase._fixture_teardown


def _fixture_teardown(self):
    for alias in self._databases_names(include_mirrors=False):
        _clear_audit_log_for_flush(connections[alias])
    return _original_fixture_teardown(self)


TransactionTestCase._fixture_teardown = _fixture_teardown


def _remove_sqlite_sidecars() -> None:
    """A -wal file left by an earlier run that had the same process id would be replayed into this
    run's fresh test database; remove sidecars whose database file is gone."""
    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        database = Path(name)
        for suffix in ("-wal", "-shm"):
            sidecar = database.with_name(database.name + suffix)
            if sidecar.exists() and not database.exists():
                sidecar.unlink()


def pytest_configure(config):
    _remove_sqlite_sidecars()
    shared_redis.isolate_run()  # before anything touches the cache


def pytest_sessionfinish(session, exitstatus):
    _remove_sqlite_sidecars()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    yield
    # Async tests run the ORM in asgiref's shared worker thread, whose connection would otherwise
    # outlive the session and keep PostgreSQL from dropping the test database.
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


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
