"""The team page: wiring, HTMX fragments, roles, the last owner, tenant isolation and the switcher."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from tenants.models import Invitation, Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def membership_of(user) -> Membership:
    return Membership.objects.get(user=user)


def actions(membership: Membership, invitation: Invitation):
    """Every state-changing team route, with a valid body."""
    return [
        (reverse("tenants:member-invite"), {"email": "new@example.test", "role": "viewer"}),
        (reverse("tenants:member-role", args=[membership.pk]), {"role": "viewer"}),
        (reverse("tenants:member-remove", args=[membership.pk]), {}),
        (reverse("tenants:invitation-resend", args=[invitation.pk]), {}),
        (reverse("tenants:invitation-revoke", args=[invitation.pk]), {}),
    ]


def test_it_lists_members_and_open_invitations_read_only_for_viewers(
    client, alice, bob, vera, invitation_factory
):
    invitation_factory(tenant=membership_of(alice).tenant, email="pending@example.test")
    client.force_login(vera)
    response = client.get(reverse("tenants:team"))
    for email in ("alice@acme.test", "bob@acme.test", "vera@acme.test", "pending@example.test"):
        assertContains(response, email)
    assertNotContains(response, "Send invitation")
    assertNotContains(response, reverse("tenants:member-remove", args=[membership_of(bob).pk]))


def test_it_shows_owners_the_controls(client, alice, bob):
    client.force_login(alice)
    response = client.get(reverse("tenants:team"))
    assertContains(response, "Send invitation")
    assertContains(response, reverse("tenants:member-remove", args=[membership_of(bob).pk]))


def test_it_invites_and_swaps_the_panel_for_htmx(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("tenants:member-invite"), {"email": "new@example.test", "role": "viewer"}, headers=HTMX
    )
    assertTemplateUsed(response, "team-panel")
    assert b"<html" not in response.content
    assertContains(response, "Invitation sent to new@example.test")
    assertContains(response, 'id="team-panel"')
    assert len(mail.outbox) == 1


def test_it_invites_without_javascript_too(client, alice):
    client.force_login(alice)
    response = client.post(reverse("tenants:member-invite"), {"email": "new@example.test", "role": "viewer"})
    assert response.status_code == 302 and response["Location"] == reverse("tenants:team")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Invitation sent to new@example.test."]
    assert Invitation.objects.get().email == "new@example.test"


def test_it_shows_invite_errors_next_to_the_field(client, alice, bob):
    client.force_login(alice)
    response = client.post(
        reverse("tenants:member-invite"), {"email": "bob@acme.test", "role": "viewer"}, headers=HTMX
    )
    assertContains(response, "bob@acme.test is already a member of this team.")
    assertContains(response, 'class="errorlist"')
    response = client.post(reverse("tenants:member-invite"), {"email": "nope", "role": "viewer"})
    assertContains(response, "Enter a valid email address.")
    assert mail.outbox == []


def test_it_changes_a_role_and_removes_a_member(client, alice, bob, vera):
    client.force_login(alice)
    response = client.post(
        reverse("tenants:member-role", args=[membership_of(bob).pk]), {"role": "viewer"}, headers=HTMX
    )
    assertContains(response, "bob@acme.test is now viewer.")
    assert membership_of(bob).role == "viewer"
    client.post(reverse("tenants:member-remove", args=[membership_of(vera).pk]))
    assert not Membership.objects.filter(user=vera).exists()


def test_it_keeps_the_last_owner_and_says_why(client, alice, bob):
    client.force_login(alice)
    url = reverse("tenants:member-role", args=[membership_of(alice).pk])
    response = client.post(url, {"role": "viewer"}, follow=True)
    assertContains(response, "A team must keep at least one owner")
    response = client.post(reverse("tenants:member-remove", args=[membership_of(alice).pk]), headers=HTMX)
    assert response["HX-Redirect"] == reverse("tenants:team")
    assert membership_of(alice).role == "owner"


def test_it_refuses_an_unknown_role(client, alice, bob):
    client.force_login(alice)
    url = reverse("tenants:member-role", args=[membership_of(bob).pk])
    assertContains(client.post(url, {"role": "admin"}, headers=HTMX), "Role must be one of")
    assert membership_of(bob).role == "operator"


def test_it_revokes_and_resends_invitations(client, alice, invitation_factory):
    invitation = invitation_factory(tenant=membership_of(alice).tenant, email="pending@example.test")
    client.force_login(alice)
    client.post(reverse("tenants:invitation-resend", args=[invitation.pk]))
    assert [m.to for m in mail.outbox] == [["pending@example.test"]]
    response = client.post(reverse("tenants:invitation-revoke", args=[invitation.pk]), headers=HTMX)
    assertNotContains(response, "pending@example.test</td>")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


@pytest.mark.parametrize("persona", ["bob", "vera"])
def test_it_forbids_non_owners_every_change(client, request, persona, alice, invitation_factory):
    user = request.getfixturevalue(persona)
    invitation = invitation_factory(tenant=membership_of(alice).tenant)
    client.force_login(user)
    for url, data in actions(membership_of(alice), invitation):
        assert client.post(url, data).status_code == 403, url
    assert membership_of(alice).role == "owner" and Invitation.objects.get().revoked_at is None
    assert mail.outbox == []


def test_it_answers_404_for_another_tenants_members_and_invitations(
    client, alice, bob, charlie, invitation_factory
):
    invitation = invitation_factory(tenant=membership_of(alice).tenant, email="pending@example.test")
    client.force_login(charlie)
    for url, data in actions(membership_of(bob), invitation)[1:]:
        assert client.post(url, data).status_code == 404, url
        assert client.post(url, data, headers=HTMX).status_code == 404, url
    assert membership_of(bob).role == "operator"
    assert Invitation.objects.get().revoked_at is None
    page = client.get(reverse("tenants:team"))
    for text in ("alice@acme.test", "bob@acme.test", "pending@example.test", str(membership_of(bob).pk)):
        assertNotContains(page, text)
    assertContains(page, "charlie@globex.test")


def test_it_switches_between_the_callers_own_teams(client, alice, globex):
    other = MembershipFactory(tenant=globex, user=alice, role="viewer")
    client.force_login(alice)
    assertContains(client.get(reverse("tenants:team")), reverse("tenants:switch-tenant"))
    response = client.post(reverse("tenants:switch-tenant"), {"membership": str(other.pk)})
    assert response["Location"] == reverse("dashboard")
    page = client.get(reverse("tenants:team"))
    assert page.context["tenant"] == globex
    assertNotContains(page, "Send invitation")  # a viewer there


def test_it_refuses_to_switch_into_someone_elses_membership(client, alice, charlie):
    client.force_login(alice)
    response = client.post(reverse("tenants:switch-tenant"), {"membership": str(membership_of(charlie).pk)})
    assert response.status_code == 404
    assert client.post(reverse("tenants:switch-tenant"), {"membership": "junk"}).status_code == 404
    assert client.get(reverse("tenants:team")).context["tenant"].name == "Acme"


def test_it_hides_the_switcher_with_a_single_team(client, alice):
    client.force_login(alice)
    assertNotContains(client.get(reverse("tenants:team")), reverse("tenants:switch-tenant"))


def test_it_explains_when_the_account_has_no_team(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(email="lonely@example.test"))
    response = client.get(reverse("tenants:team"))
    assertContains(response, "not a member of any team", status_code=403)


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("tenants:team"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("tenants:login") + "?next=")


def test_it_enforces_csrf_on_team_changes(csrf_client, alice, bob, invitation_factory):
    invitation = invitation_factory(tenant=membership_of(alice).tenant, email="pending@example.test")
    csrf_client.force_login(alice)
    csrf_client.get(reverse("tenants:team"))
    token = csrf_client.cookies[settings.CSRF_COOKIE_NAME].value
    routes = [
        *actions(membership_of(bob), invitation),
        (reverse("tenants:switch-tenant"), {"membership": str(membership_of(alice).pk)}),
    ]
    for url, data in routes:
        assert csrf_client.post(url, data).status_code == 403, url
    for url, data in routes:
        assert csrf_client.post(url, data, headers={"X-CSRFToken": token, **HTMX}).status_code in (
            200,
            302,
        ), url
