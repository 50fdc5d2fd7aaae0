"""Login CSRF through a forwarded link: someone sends their own sign-in link to a victim, who presses
confirm and then works inside the sender's team (adding real store credentials the sender can read).
The confirm page says which account and which team a link signs in to, and warns plainly when the
browser is signed in as someone else. Opening the page still changes nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from tenants.models import MagicLink
from tenants.services import member_invite
from tests.helpers import actor_for
from tests.tenants.conftest import last_token

pytestmark = pytest.mark.django_db


def magic(token: str) -> str:
    return reverse("tenants:magic", kwargs={"token": token})


def link_for(client, email: str) -> str:
    client.post(reverse("tenants:login"), {"email": email})
    return last_token()


def test_confirm_page_names_the_account_and_team_a_link_signs_in_to(client, alice, charlie):
    response = client.get(magic(link_for(client, "charlie@globex.test")))
    assertContains(response, "charlie@globex.test")
    assertContains(response, "Globex")
    assertContains(response, "sign in to OrderDesk Admin as charlie@globex.test")

    client.post(reverse("tenants:signup"), {"email": "ann@example.test", "tenant_name": "Ann Shop"})
    response = client.get(magic(last_token()))
    assertContains(response, "ann@example.test")
    assertContains(response, "Ann Shop")

    member_invite(
        tenant=alice.memberships.get().tenant, actor=actor_for(alice), email="new@example.test", role="viewer"
    )
    response = client.get(magic(last_token()))
    assertContains(response, "new@example.test")
    assertContains(response, "Acme")
    assertContains(response, "viewer")

    # Only looking: no link was used, nobody signed in.
    assert not MagicLink.objects.filter(used_at__isnull=False).exists()
    assert "_auth_user_id" not in client.session


def test_confirm_page_warns_when_signed_in_as_someone_else(client, alice, charlie):
    token = link_for(client, "charlie@globex.test")
    client.force_login(alice)
    response = client.get(magic(token))
    assertContains(
        response,
        "You are signed in as alice@acme.test. Continuing signs you out and signs you in as "
        "charlie@globex.test.",
    )
    assert client.session["_auth_user_id"] == str(alice.pk)  # still alice until she confirms

    own = link_for(client, "alice@acme.test")
    assertNotContains(client.get(magic(own)), "Continuing signs you out")


@pytest.mark.parametrize("spoil", ["used", "expired", "revoked"])
def test_confirm_page_of_an_unusable_link_names_no_account(client, charlie, spoil):
    token = link_for(client, "charlie@globex.test")
    now = timezone.now()
    changes = {"used": {"used_at": now}, "expired": {"expires_at": now - timedelta(seconds=1)}}
    MagicLink.objects.update(**changes.get(spoil, {"revoked_at": now}))
    response = client.get(magic(token))
    assertContains(response, "This link cannot be used", status_code=400)
    assertNotContains(response, "charlie@globex.test", status_code=400)
    assertNotContains(response, "Globex", status_code=400)
    assertNotContains(response, 'method="post"', status_code=400)


def test_confirm_page_of_an_unknown_link_names_no_account(client, charlie):
    response = client.get(magic("login.not-a-real-token"))
    assertContains(response, "This link cannot be used", status_code=400)
    assert len(mail.outbox) == 0
