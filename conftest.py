"""Shared fixtures: personas in two tenants, fast hashing, a clean cache per test.

alice  owner of Acme        bob     operator at Acme        vera  viewer at Acme
charlie owner of Globex (the other tenant: everything of Acme must be invisible to him)
"""

import contextlib
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import TransactionTestCase

from tests import shared_redis
from tests.factories import MembershipFactory, TenantFactory


@contextlib.contextmanager
def _audit_log_open_for_flush(connection) -> Iterator[None]:
    """Transactional tests end with a flush, and the audit log refuses to be emptied:
    - SQLite flushes with DELETE, which the row triggers refuse: the table is emptied first with them
      briefly dropped, then they are restored (the flush then finds nothing to delete);
    - PostgreSQL flushes with TRUNCATE, which the statement trigger refuses (row triggers do not see
      it): the trigger is disabled for the flush and enabled right after.
    Either way every later test runs against an append-only table. The triggers themselves have no
    switch a session could turn: only the table's owner (here, the test harness) can set them aside."""
    if connection.vendor == "sqlite":
        migration = importlib.import_module("tenants.migrations.0002_audit_append_only")
        with connection.cursor() as cursor:
            for statement in migration.SQLITE_REVERSE:
                cursor.execute(statement)
            cursor.execute("DELETE FROM tenants_auditevent")
            for statement in migration.SQLITE:
                cursor.execute(statement)
        yield
    elif connection.vendor == "postgresql":
        trigger = "TRIGGER tenants_auditevent_no_truncate"
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE tenants_auditevent DISABLE {trigger}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE tenants_auditevent ENABLE {trigger}")
    else:
        yield


_original_fixture_teardown = TransactionTestCase._fixture_teardown


def _fixture_teardown(self):
    with contextlib.ExitStack() as stack:
        for alias in self._databases_names(include_mirrors=False):
            stack.enter_context(_audit_log_open_for_flush(connections[alias]))
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
