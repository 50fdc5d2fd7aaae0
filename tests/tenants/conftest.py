"""Fixtures for the accounts tests: reading magic links out of sent e-mail, invitations, and sandbox
provisioning recorded instead of run."""

from __future__ import annotations

import re

import pytest
from django.core import mail

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
def invitation_factory():
    return InvitationFactory


@pytest.fixture(autouse=True)
def provisioned(monkeypatch) -> list:
    """Sandbox provisioning is the sandbox's to test (and slow): here only its calls are recorded."""
    calls: list = []
    monkeypatch.setattr(
        "sandbox.provisioning.provision_sandbox_store", lambda *, tenant, **kw: calls.append(tenant)
    )
    return calls
