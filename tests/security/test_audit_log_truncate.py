"""TRUNCATE cannot empty the append-only audit log on PostgreSQL (SQLite has no TRUNCATE)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from tenants.audit import Action, audit
from tenants.models import AuditEvent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no TRUNCATE; its DELETE FROM is refused by the row triggers (tests/tenants)",
)


def truncate(statement: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_still_ends_with_an_empty_database(acme):
    # Its teardown flushes every table with TRUNCATE: the harness lets that one through.
    audit(Action.TENANT_CREATED, tenant=acme)


def test_truncate_of_the_audit_log_is_refused(acme):
    audit(Action.TENANT_CREATED, tenant=acme)
    with pytest.raises(DatabaseError, match="append-only"):
        truncate("TRUNCATE tenants_auditevent")
    with pytest.raises(DatabaseError, match="append-only"):
        truncate("TRUNCATE mcp_bridge_span, tenants_auditevent")  # among others, as a flush does
    assert AuditEvent.objects.count() == 1
