import importlib
import time

import pytest

from tenants.actors import Actor
from tenants.keys import services
from tenants.middleware import SESSION_AUTH_AT, SESSION_LAST_SEEN
from tenants.models import Membership
from tests.keys.factories import StoreFactory


def sign_in(client, user):
    """force_login plus the timestamps the session-lifetime middleware expects after a real sign-in."""
    client.force_login(user)
    session = client.session
    session[SESSION_AUTH_AT] = session[SESSION_LAST_SEEN] = int(time.time())
    session.save()
    return client


def actor_for(user) -> Actor:
    return Actor.for_membership(Membership.objects.select_related("tenant", "user").get(user=user))


@pytest.fixture
def store_factory(db):
    return StoreFactory


@pytest.fixture
def make_key(db):
    """Create a key through the service, as its tenant's owner would: returns (ApiKey, raw key)."""

    def make(owner, **overrides):
        actor = actor_for(owner)
        arguments = {"name": "agent", "scope": "read"} | overrides
        return services.key_create(tenant=actor.tenant, actor=actor, **arguments)

    return make


def _clear_audit_log_for_flush(connection) -> None:
    """Transactional tests end with a flush (DELETE on SQLite), which the audit log's append-only
    triggers refuse. Empty the audit table with the triggers briefly dropped, then restore them, so
    later tests still run against an append-only table. PostgreSQL flushes with TRUNCATE, which
    row triggers do not see."""
    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("tenants.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        for statement in migration.SQLITE_REVERSE:
            cursor.execute(statement)
        cursor.execute("DELETE FROM tenants_auditevent")
        for statement in migration.SQLITE:
            cursor.execute(statement)


@pytest.fixture
async def orm_thread_closed():
    """For async tests: the ORM runs in asgiref's worker thread, whose connection outlives the test
    (on PostgreSQL it would keep the test database from being dropped). Close it in that thread."""
    from asgiref.sync import sync_to_async
    from django.db import connections

    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def committed_db(transactional_db):
    """A database whose writes are really committed (async ORM threads and file scans see them)."""
    from django.db import connection

    yield
    _clear_audit_log_for_flush(connection)
