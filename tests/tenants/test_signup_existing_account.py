"""Signing up with an address that already has an account, and the invitation page's inviter.

The sign-up page must look the same for every address (it would otherwise tell a stranger who has an
account); the e-mail, which only the address's owner reads, says plainly what happened.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tenants.models import MagicLink, MagicLinkPurpose, Membership, Role
from tenants.services import link_redeem, magic_links, signup_request
from tests.tenants.conftest import tokens_in

pytestmark = pytest.mark.django_db


def test_signing_up_again_with_a_new_team_name_says_so_and_offers_both_links(alice):
    signup_request(email="alice@acme.test", tenant_name="Acme Outlet")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "You already have an OrderDesk Admin account"
    assert "This address already has an account (team: Acme), so no new account was made." in message.body
    assert 'To create the new team "Acme Outlet" as well' in message.body
    login, create = tokens_in(message)[:2]
    assert login.startswith("login.") and create.startswith("signup.")
    assert set(MagicLink.objects.values_list("purpose", flat=True)) == {"login", "signup"}


def test_the_create_link_adds_the_new_team_to_the_existing_account(alice):
    signup_request(email="alice@acme.test", tenant_name="Acme Outlet")
    create = next(t for t in tokens_in(mail.outbox[0]) if t.startswith("signup."))
    signed_in = link_redeem(token=create)
    assert signed_in.user == alice
    teams = set(Membership.objects.filter(user=alice, role=Role.OWNER).values_list("tenant__name", flat=True))
    assert teams == {"Acme", "Acme Outlet"}


@pytest.mark.parametrize("team", ["", "acme"])
def test_without_a_new_team_name_only_a_sign_in_link_is_sent(alice, team):
    signup_request(email="alice@acme.test", tenant_name=team)
    message = mail.outbox[0]
    assert "already has an account" in message.body
    assert [t.split(".")[0] for t in tokens_in(message)] == ["login"] * 3  # text, button, fallback line
    assert "To create the new team" not in message.body


def _page_text(response) -> str:
    """The page without what differs on every response anyway (CSRF token, CSP nonce)."""
    text = re.sub(r'(csrfmiddlewaretoken" value|nonce)="[^"]+"', "", response.content.decode())
    return re.sub(r'CSRFToken": "[^"]+"', "", text)


def test_the_sign_up_page_looks_the_same_for_a_known_and_an_unknown_address(client, alice):
    known = client.post(reverse("tenants:signup"), {"email": "alice@acme.test", "tenant_name": "New team"})
    unknown = client.post(reverse("tenants:signup"), {"email": "nobody@acme.test", "tenant_name": "New team"})
    assert known.status_code == unknown.status_code == 200
    assert _page_text(known) == _page_text(unknown)
    assert "no second account is made" in _page_text(known)


def test_the_invitation_page_names_the_team_the_role_and_who_invited(client, alice, acme, invitation_factory):
    invitation = invitation_factory(tenant=acme, email="ann@example.test", role=Role.VIEWER, invited_by=alice)
    issued = magic_links.issue(purpose=MagicLinkPurpose.INVITE, email=invitation.email, invitation=invitation)
    response = client.get(reverse("tenants:magic", args=[issued.token]))
    content = response.content.decode()
    assert "<dt>Invited by</dt><dd>alice@acme.test</dd>" in content
    assert "Alice@acme.test invited you. Press the button to join Acme as viewer" in content


def test_an_invitation_whose_inviter_left_says_an_owner(client, acme, invitation_factory):
    invitation = invitation_factory(tenant=acme, email="ann@example.test", invited_by=None)
    issued = magic_links.issue(purpose=MagicLinkPurpose.INVITE, email=invitation.email, invitation=invitation)
    content = client.get(reverse("tenants:magic", args=[issued.token])).content.decode()
    assert "<dt>Invited by</dt><dd>an owner</dd>" in content
