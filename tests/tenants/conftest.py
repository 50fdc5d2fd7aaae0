"""Fixtures for the accounts tests: reading links out of sent e-mail, and signed-in clients."""

from __future__ import annotations

import importlib
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from tests.tenants.factories import InvitationFactory

LINK = re.compile(r"https?://[^\s\"'<>]+/auth/magic/([A-Za-z0-9_.-]+)/")


def tokens_in(message) -> list[str]:
    """Every magic-link token in a sent message (text and HTML parts)."""
    bodies = [message.body] + [content for content, _mimetype in getattr(message, "alternatives", [])]
    return [token for body in bodies for token in LINK.findall(body)]


def last_token() -> str:
    tokens = tokens_in(mail.outbox[-1])
    assert tokens, "the last e-mail carries no magic link"
    return tokens[0]


@pytest.fixture
def last_link_token():
    return last_token


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def invitation_factory():
    return InvitationFactory


@pytest.fixture
def flushable_audit_log(transactional_db):
    """Transactional tests end with a flush, which SQLite runs as DELETE; the audit log's append-only
    triggers refuse that. This fixture is torn down before the flush: it lifts the triggers just long
    enough to empty the table and puts them back. (PostgreSQL flushes with TRUNCATE, which row
    triggers do not see.)"""
    yield
    if connection.vendor != "sqlite":
        return
    triggers = importlib.import_module("tenants.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        for statement in triggers.SQLITE_REVERSE:
            cursor.execute(statement)
        cursor.execute("DELETE FROM tenants_auditevent")
        for statement in triggers.SQLITE:
            cursor.execute(statement)


@pytest.fixture(autouse=True)
def provisioned(monkeypatch) -> list:
    """Sandbox provisioning is the sandbox's to test (and slow): here only its calls are recorded."""
    calls: list = []
    monkeypatch.setattr(
        "tenants.services.tenants.provision_sandbox_store", lambda *, tenant, **kw: calls.append(tenant)
    )
    return calls
