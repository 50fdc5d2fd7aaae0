"""Team services: invitations, roles, removals, the last-owner rule, permissions and tenant scoping."""

import uuid

import pytest
from django.core import mail

from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from tenants.models import AuditEvent, Invitation, MagicLink, Membership, Role
from tenants.services import (
    LAST_OWNER,
    LinkRefused,
    invitation_resend,
    invitation_revoke,
    link_redeem,
    member_change_role,
    member_invite,
    member_remove,
)
from tests.helpers import actor_for
from tests.tenants.conftest import tokens_in

pytestmark = pytest.mark.django_db


def membership_of(user) -> Membership:
    return Membership.objects.get(user=user)


@pytest.fixture
def owner(alice):
    return actor_for(alice)


def test_it_invites_by_email_with_a_role(owner):
    invitation = member_invite(tenant=owner.tenant, actor=owner, email="New@Example.test", role="viewer")
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new@example.test",
        "viewer",
        owner.user,
    )
    assert [m.to for m in mail.outbox] == [["new@example.test"]]
    assert "Acme" in mail.outbox[0].subject
    assert tokens_in(mail.outbox[0])[0].startswith("invite.")
    assert MagicLink.objects.get().invitation == invitation
    event = AuditEvent.objects.get(action="member.invited")
    assert (event.tenant, event.actor_user, event.detail) == (owner.tenant, owner.user, {"role": "viewer"})


def test_it_lets_the_invitee_join_through_the_emailed_link(owner):
    member_invite(tenant=owner.tenant, actor=owner, email="new@example.test", role="operator")
    sign_in = link_redeem(token=tokens_in(mail.outbox[0])[0])
    assert Membership.objects.get(user=sign_in.user, tenant=owner.tenant).role == "operator"
    assert Invitation.objects.get().accepted_at is not None


def test_it_refuses_to_invite_an_existing_member(owner, bob):
    with pytest.raises(InvalidInput) as caught:
        member_invite(tenant=owner.tenant, actor=owner, email="bob@acme.test", role="viewer")
    assert caught.value.field == "email"
    assert mail.outbox == []


def test_it_refuses_a_second_open_invitation_for_one_address(owner):
    member_invite(tenant=owner.tenant, actor=owner, email="new@example.test", role="viewer")
    with pytest.raises(Conflict):
        member_invite(tenant=owner.tenant, actor=owner, email="new@example.test", role="owner")


def test_it_refuses_an_unknown_role(owner):
    with pytest.raises(InvalidInput) as caught:
        member_invite(tenant=owner.tenant, actor=owner, email="new@example.test", role="admin")
    assert caught.value.field == "role"
    assert not Invitation.objects.exists()


def test_it_limits_invitation_emails_per_address(settings, owner):
    settings.RATE_MAGIC_LINK_PER_EMAIL = "1/15m"
    invitation = member_invite(tenant=owner.tenant, actor=owner, email="new@example.test", role="viewer")
    with pytest.raises(RateLimited):
        invitation_resend(tenant=owner.tenant, actor=owner, invitation_id=invitation.pk)
    assert len(mail.outbox) == 1


def test_it_resends_an_invitation_with_a_new_link_and_revokes_the_old_one(owner):
    invitation = member_invite(tenant=owner.tenant, actor=owner, email="new@example.test", role="viewer")
    invitation_resend(tenant=owner.tenant, actor=owner, invitation_id=invitation.pk)
    first, second = (tokens_in(m)[0] for m in mail.outbox)
    with pytest.raises(LinkRefused) as caught:
        link_redeem(token=first)
    assert caught.value.reason == "revoked"
    assert link_redeem(token=second).membership.role == "viewer"


def test_it_revokes_an_invitation_and_its_links(owner):
    invitation = member_invite(tenant=owner.tenant, actor=owner, email="new@example.test", role="viewer")
    invitation_revoke(tenant=owner.tenant, actor=owner, invitation_id=invitation.pk)
    with pytest.raises(LinkRefused):
        link_redeem(token=tokens_in(mail.outbox[0])[0])
    assert not Membership.objects.filter(user__email="new@example.test").exists()
    assert AuditEvent.objects.filter(action="invitation.revoked", tenant=owner.tenant).count() == 1
    with pytest.raises(NotFound):
        invitation_revoke(tenant=owner.tenant, actor=owner, invitation_id=invitation.pk)


def test_it_changes_a_role(owner, bob):
    changed = member_change_role(
        tenant=owner.tenant, actor=owner, membership_id=membership_of(bob).pk, role="viewer"
    )
    assert changed.role == "viewer" and membership_of(bob).role == "viewer"
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.detail == {"from": "operator", "to": "viewer"}
    assert event.target_id == str(membership_of(bob).pk)


def test_it_keeps_the_last_owner(owner, bob):
    with pytest.raises(Conflict) as caught:
        member_change_role(
            tenant=owner.tenant, actor=owner, membership_id=membership_of(owner.user).pk, role="viewer"
        )
    assert str(caught.value) == LAST_OWNER
    with pytest.raises(Conflict):
        member_remove(tenant=owner.tenant, actor=owner, membership_id=membership_of(owner.user).pk)
    assert membership_of(owner.user).role == Role.OWNER
    assert not AuditEvent.objects.filter(action__in=["member.role_changed", "member.removed"]).exists()


def test_it_lets_an_owner_step_down_when_another_owner_remains(owner, bob):
    member_change_role(tenant=owner.tenant, actor=owner, membership_id=membership_of(bob).pk, role="owner")
    member_change_role(
        tenant=owner.tenant, actor=owner, membership_id=membership_of(owner.user).pk, role="viewer"
    )
    assert membership_of(owner.user).role == "viewer"


def test_it_removes_a_member(owner, bob):
    member_remove(tenant=owner.tenant, actor=owner, membership_id=membership_of(bob).pk)
    assert not Membership.objects.filter(user=bob).exists()
    bob.refresh_from_db()  # the account stays
    event = AuditEvent.objects.get(action="member.removed")
    assert (event.target_label, event.detail) == ("bob@acme.test @ Acme (operator)", {"role": "operator"})


@pytest.mark.parametrize("persona", ["bob", "vera"])
def test_it_lets_only_owners_manage_the_team(request, persona, alice, invitation_factory):
    user = request.getfixturevalue(persona)
    actor = actor_for(user)
    invitation = invitation_factory(tenant=actor.tenant)
    target = membership_of(alice).pk
    calls = [
        lambda: member_invite(tenant=actor.tenant, actor=actor, email="x@example.test", role="viewer"),
        lambda: member_change_role(tenant=actor.tenant, actor=actor, membership_id=target, role="viewer"),
        lambda: member_remove(tenant=actor.tenant, actor=actor, membership_id=target),
        lambda: invitation_revoke(tenant=actor.tenant, actor=actor, invitation_id=invitation.pk),
        lambda: invitation_resend(tenant=actor.tenant, actor=actor, invitation_id=invitation.pk),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert mail.outbox == []
    assert membership_of(alice).role == "owner"


def test_it_scopes_every_change_to_the_callers_tenant(owner, bob, charlie, invitation_factory):
    other = actor_for(charlie)
    invitation = invitation_factory(tenant=owner.tenant)
    bob_id = membership_of(bob).pk
    calls = [
        lambda: member_change_role(tenant=other.tenant, actor=other, membership_id=bob_id, role="viewer"),
        lambda: member_remove(tenant=other.tenant, actor=other, membership_id=bob_id),
        lambda: invitation_revoke(tenant=other.tenant, actor=other, invitation_id=invitation.pk),
        lambda: invitation_resend(tenant=other.tenant, actor=other, invitation_id=invitation.pk),
        lambda: member_remove(tenant=other.tenant, actor=other, membership_id=uuid.uuid4()),
        lambda: member_remove(tenant=other.tenant, actor=other, membership_id="not-a-uuid"),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert membership_of(bob).role == "operator"
    assert Invitation.objects.get().revoked_at is None


def test_it_refuses_an_owner_of_another_tenant_handed_this_tenant(owner, bob, charlie, invitation_factory):
    other = actor_for(charlie)
    acme = owner.tenant
    invitation = invitation_factory(tenant=acme)
    bob_id = membership_of(bob).pk
    calls = [
        lambda: member_invite(tenant=acme, actor=other, email="new@example.test", role="owner"),
        lambda: member_change_role(tenant=acme, actor=other, membership_id=bob_id, role="owner"),
        lambda: member_remove(tenant=acme, actor=other, membership_id=bob_id),
        lambda: invitation_revoke(tenant=acme, actor=other, invitation_id=invitation.pk),
        lambda: invitation_resend(tenant=acme, actor=other, invitation_id=invitation.pk),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert membership_of(bob).role == "operator"
    assert Invitation.objects.get().revoked_at is None
    assert mail.outbox == []


def test_it_refuses_to_read_a_tenant_for_an_actor_of_another(owner, charlie):
    from tenants import selectors

    other, acme = actor_for(charlie), owner.tenant
    reads = [selectors.member_list, selectors.invitation_list, selectors.audit_event_list]
    reads.append(selectors.audit_actor_labels)
    for read in reads:
        with pytest.raises(Forbidden):
            read(tenant=acme, actor=other)
