"""A team name reaches the subject of every invitation e-mail: a line break in it made every later
invitation fail to send while the page said it was sent."""

import logging
import smtplib

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from kernel.errors import InvalidInput
from tenants.models import AuditEvent, Invitation, MagicLink, Tenant
from tenants.services import tenant_create
from tests.tenants.factories import InvitationFactory

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def mail_server_down(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend", "OPTIONS": {}}}


@pytest.mark.parametrize("name", ["Acme\r\nBcc: victim@example.test", "Acme\nLtd", "Acme\x00", "A\u2028B"])
def test_team_name_with_line_breaks_is_refused_at_sign_up(client, name):
    response = client.post(reverse("tenants:signup"), {"email": "ann@example.test", "tenant_name": name})
    assert response.status_code == 200
    assertContains(response, "Organisation name cannot contain line breaks or other control characters.")
    assert mail.outbox == [] and not MagicLink.objects.exists()


def test_team_name_with_line_breaks_is_refused_by_the_command_too(db):
    with pytest.raises(InvalidInput, match="line breaks") as caught:
        tenant_create(email="ann@example.test", name="Acme\r\nBcc: x@example.test")
    assert caught.value.field == "name"
    assert not Tenant.objects.exists()


def test_an_invitation_from_a_team_named_before_the_rule_still_goes_out(client, alice):
    Tenant.objects.filter(pk=alice.memberships.get().tenant_id).update(name="Acme\r\nBcc: x@example.test")
    client.force_login(alice)
    response = client.post(reverse("tenants:member-invite"), {"email": "new@example.test", "role": "viewer"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Invitation sent to new@example.test."]
    (message,) = mail.outbox
    assert message.subject == "You are invited to Acme Bcc: x@example.test on OrderDesk Admin"
    assert message.bcc == []


def test_failed_invitation_send_is_reported(client, alice, mail_server_down, caplog):
    client.force_login(alice)
    with caplog.at_level(logging.ERROR):
        response = client.post(
            reverse("tenants:member-invite"),
            {"email": "new@example.test", "role": "viewer"},
            headers={"HX-Request": "true"},
        )
    assertNotContains(response, "Invitation sent")
    assertContains(response, "could not be e-mailed to new@example.test")
    # The invitation stays open, so it can be resent once mail works again.
    assert Invitation.objects.get().email == "new@example.test"
    assert any("Could not send" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    event = AuditEvent.objects.get(action="member.invited", outcome="failure")
    assert event.detail["error"] == "e-mail not sent"


def test_failed_invitation_resend_is_reported(client, alice, mail_server_down):
    invitation = InvitationFactory(tenant=alice.memberships.get().tenant, email="new@example.test")
    client.force_login(alice)
    response = client.post(reverse("tenants:invitation-resend", args=[invitation.pk]))
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "could not be e-mailed to new@example.test" in message
    assert "was sent" not in message
