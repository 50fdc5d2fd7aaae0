"""Sign-up and sign-in requests and link redemption (tenants.services.signin)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from kernel import context
from kernel.errors import Forbidden, InvalidInput, RateLimited
from tenants.models import AuditEvent, Invitation, MagicLink, Membership, Role, Tenant, User
from tenants.services import LinkRefused, link_redeem, login_request, signup_request
from tests.factories import UserFactory
from tests.tenants.conftest import last_token, tokens_in

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- requests ----------------------------------------------------------------------------------------


def test_it_sends_a_signup_link_and_creates_nothing_else():
    signup_request(email="Ann@Example.test ", tenant_name="Ann's Shop")
    assert [m.to for m in mail.outbox] == [["ann@example.test"]]
    assert mail.outbox[0].subject == "Finish creating your OrderDesk Admin account"
    assert tokens_in(mail.outbox[0])[0].startswith("signup.")
    link = MagicLink.objects.get()
    assert (link.purpose, link.email, link.tenant_name) == ("signup", "ann@example.test", "Ann's Shop")
    assert not User.objects.exists() and not Tenant.objects.exists()


def test_it_sends_a_login_link_instead_when_signing_up_with_a_known_address(alice):
    signup_request(email="alice@acme.test")
    assert len(mail.outbox) == 1
    assert tokens_in(mail.outbox[0])[0].startswith("login.")
    assert MagicLink.objects.get().purpose == "login"
    assert Tenant.objects.count() == 1


def test_it_sends_a_login_link_to_a_known_address(alice):
    login_request(email="ALICE@acme.test", next_url="/stores/")
    assert [m.to for m in mail.outbox] == [["alice@acme.test"]]
    assert tokens_in(mail.outbox[0])[0].startswith("login.")
    assert MagicLink.objects.get().next_url == "/stores/"


def test_it_tells_an_unknown_address_that_it_has_no_account(settings):
    settings.SITE_URL = "https://admin.example.com"
    login_request(email="nobody@example.test")
    assert len(mail.outbox) == 1
    assert tokens_in(mail.outbox[0]) == []
    assert "https://admin.example.com/signup/" in mail.outbox[0].body
    assert not MagicLink.objects.exists()


def test_it_leaves_the_signup_link_out_when_signup_is_closed(settings):
    settings.SIGNUP_OPEN = False
    login_request(email="nobody@example.test")
    assert "/signup/" not in mail.outbox[0].body
    assert "invite" in mail.outbox[0].body


def test_it_treats_a_deactivated_account_as_unknown(alice):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    login_request(email="alice@acme.test")
    assert tokens_in(mail.outbox[0]) == []


def test_it_sends_a_fresh_invitation_link_to_an_invited_address(alice, invitation_factory):
    acme = alice.memberships.get().tenant
    invitation = invitation_factory(tenant=acme, email="new@example.test", invited_by=alice)
    login_request(email="new@example.test")
    assert tokens_in(mail.outbox[0])[0].startswith("invite.")
    assert MagicLink.objects.get().invitation == invitation


def test_it_says_how_long_the_link_works_and_that_it_can_be_ignored(settings):
    settings.MAGIC_LINK_TTL = 600
    settings.DEFAULT_FROM_EMAIL = "OrderDesk Admin <noreply@admin.example.com>"
    signup_request(email="ann@example.test")
    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for body in (message.body, html):
        assert "10 minutes" in body
        assert "ignore" in body
    assert message.from_email == "OrderDesk Admin <noreply@admin.example.com>"


def test_it_refuses_signup_when_closed(settings):
    settings.SIGNUP_OPEN = False
    with pytest.raises(Forbidden):
        signup_request(email="ann@example.test")
    assert mail.outbox == [] and not MagicLink.objects.exists()


def test_it_refuses_a_malformed_address():
    with pytest.raises(InvalidInput) as caught:
        login_request(email="not-an-address")
    assert caught.value.field == "email"
    assert mail.outbox == []


def test_it_audits_link_requests_without_the_link(alice):
    login_request(email="alice@acme.test")
    login_request(email="nobody@example.test")
    known, unknown = _events("link.requested")
    acme = alice.memberships.get().tenant
    assert (known.tenant, known.actor_user) == (acme, alice)
    assert known.detail == {"purpose": "login", "sent": "login"}
    assert (unknown.tenant, unknown.target_label) == (None, "nobody@example.test")
    assert unknown.detail == {"purpose": "login", "sent": "no_account"}
    token = tokens_in(mail.outbox[0])[0]
    assert token.split(".")[1] not in repr(list(AuditEvent.objects.values_list()))


# --- rate limits -------------------------------------------------------------------------------------


def test_it_limits_link_requests_per_address(settings, alice):
    settings.RATE_MAGIC_LINK_PER_EMAIL = "2/15m"
    login_request(email="alice@acme.test")
    login_request(email="alice@acme.test")
    with pytest.raises(RateLimited) as caught:
        login_request(email="alice@acme.test")
    assert 0 < caught.value.retry_after <= 900
    assert len(mail.outbox) == 2
    assert _events("link.requested")[-1].outcome == "denied"
    login_request(email="bob@acme.test")  # another address is unaffected


def test_it_audits_only_the_first_refused_request_of_a_window(settings, alice):
    settings.RATE_MAGIC_LINK_PER_EMAIL = "1/15m"
    login_request(email="alice@acme.test")
    for _ in range(4):
        with pytest.raises(RateLimited):
            login_request(email="alice@acme.test")
    assert [e.outcome for e in _events("link.requested")] == ["success", "denied"]


def test_it_limits_unknown_addresses_exactly_like_known_ones(settings):
    settings.RATE_MAGIC_LINK_PER_EMAIL = "1/15m"
    login_request(email="nobody@example.test")
    with pytest.raises(RateLimited):
        login_request(email="nobody@example.test")


def test_it_limits_link_requests_per_client_ip(settings):
    settings.RATE_MAGIC_LINK_PER_IP = "3/h"
    with context.bind(context.RequestContext(source="web", ip="203.0.113.7")):
        for n in range(3):
            login_request(email=f"person{n}@example.test")
        with pytest.raises(RateLimited):
            login_request(email="person9@example.test")
    with context.bind(context.RequestContext(source="web", ip="203.0.113.8")):
        login_request(email="person9@example.test")
    assert len(mail.outbox) == 4


def test_it_does_not_spend_an_addresses_budget_when_the_ip_is_over(settings):
    settings.RATE_MAGIC_LINK_PER_IP = "1/h"
    settings.RATE_MAGIC_LINK_PER_EMAIL = "1/15m"
    with context.bind(context.RequestContext(source="web", ip="203.0.113.7")):
        login_request(email="a@example.test")
        with pytest.raises(RateLimited):
            login_request(email="b@example.test")
    with context.bind(context.RequestContext(source="web", ip="203.0.113.8")):
        login_request(email="b@example.test")


# --- redemption --------------------------------------------------------------------------------------


def test_it_creates_the_tenant_owner_and_sandbox_when_a_signup_link_is_redeemed(provisioned):
    signup_request(email="ann@shop.example", tenant_name="Ann's Shop")
    sign_in = link_redeem(token=last_token())
    tenant = Tenant.objects.get()
    assert tenant.name == "Ann's Shop"
    assert sign_in.user.email == "ann@shop.example"
    assert sign_in.membership == Membership.objects.get(tenant=tenant, user=sign_in.user, role=Role.OWNER)
    assert provisioned == [tenant]
    assert [e.action for e in AuditEvent.objects.filter(tenant=tenant).order_by("id")] == [
        "tenant.created",
        "signup.completed",
        "login.succeeded",
    ]


def test_it_names_the_tenant_after_the_domain_without_a_name(provisioned):
    signup_request(email="ann@acme-corp.example")
    link_redeem(token=last_token())
    assert Tenant.objects.get().name == "Acme Corp"


def test_it_keeps_the_signup_when_the_sandbox_cannot_be_built(monkeypatch):
    def broken(*, tenant):
        raise RuntimeError("demo data generator broke")

    monkeypatch.setattr("sandbox.provisioning.provision_sandbox_store", broken)
    signup_request(email="ann@example.test")
    assert link_redeem(token=last_token()).membership.role == Role.OWNER


def test_it_refuses_signup_links_once_signup_closes(settings, provisioned):
    signup_request(email="ann@example.test")
    settings.SIGNUP_OPEN = False
    with pytest.raises(LinkRefused) as caught:
        link_redeem(token=last_token())
    assert caught.value.reason == "signup_closed"
    assert not Tenant.objects.exists() and not User.objects.exists()
    assert MagicLink.objects.get().used_at is None


def test_it_signs_in_with_a_login_link(alice):
    login_request(email="alice@acme.test", next_url="/keys/")
    sign_in = link_redeem(token=last_token())
    assert sign_in.user == alice
    assert sign_in.membership.tenant.name == "Acme"
    assert sign_in.next_url == "/keys/"
    assert _events("login.succeeded")[0].actor_user == alice


def test_it_puts_the_link_back_when_the_account_was_deactivated(alice):
    login_request(email="alice@acme.test")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    with pytest.raises(LinkRefused) as caught:
        link_redeem(token=last_token())
    assert caught.value.reason == "account"
    assert MagicLink.objects.get().used_at is None


def test_it_joins_the_team_with_an_invitation_link(alice, invitation_factory):
    from tenants.services import magic_links

    acme = alice.memberships.get().tenant
    invitation = invitation_factory(tenant=acme, email="new@example.test", role=Role.VIEWER)
    token = magic_links.issue(purpose="invite", email="new@example.test", invitation=invitation).token
    sign_in = link_redeem(token=token)
    assert (sign_in.membership.tenant, sign_in.membership.role) == (acme, Role.VIEWER)
    assert sign_in.user.email == "new@example.test"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    joined = _events("member.joined")[0]
    assert (joined.tenant, joined.actor_user) == (acme, sign_in.user)


def test_it_refuses_an_invitation_link_after_the_invitation_was_accepted(alice, invitation_factory):
    from tenants.services import magic_links

    invitation = invitation_factory(tenant=alice.memberships.get().tenant, email="new@example.test")
    token = magic_links.issue(purpose="invite", email="new@example.test", invitation=invitation).token
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    with pytest.raises(LinkRefused) as caught:
        link_redeem(token=token)
    assert caught.value.reason == "invitation"
    assert not User.objects.filter(email="new@example.test").exists()


@pytest.mark.parametrize("reason", ["expired", "used", "unknown", "revoked"])
def test_it_audits_failed_redemptions_with_the_reason(alice, reason):
    login_request(email="alice@acme.test")
    token = last_token()
    if reason == "expired":
        MagicLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif reason == "used":
        link_redeem(token=token)
    elif reason == "unknown":
        token = "login.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    else:
        login_request(email="alice@acme.test")
    with pytest.raises(LinkRefused):
        link_redeem(token=token)
    failed = _events("login.failed")[0]
    assert failed.detail == {"reason": reason, "purpose": "login"}
    assert failed.outcome == "failure"
    assert token not in repr(AuditEvent.objects.values_list())


def test_it_refuses_even_valid_links_from_an_ip_with_too_many_failures(settings, alice):
    settings.RATE_MAGIC_REDEEM_FAILURES_PER_IP = "3/h"
    with context.bind(context.RequestContext(source="web", ip="198.51.100.4")):
        for _ in range(3):
            with pytest.raises(LinkRefused):
                link_redeem(token="login.guess")
        login_request(email="alice@acme.test")
        with pytest.raises(RateLimited) as caught:
            link_redeem(token=last_token())
    assert caught.value.retry_after > 0
    assert MagicLink.objects.get().used_at is None
    assert _events("login.failed")[-1].detail == {"reason": "rate-limited", "purpose": "login"}
    with context.bind(context.RequestContext(source="web", ip="198.51.100.5")):
        assert link_redeem(token=last_token()).user == alice


def test_it_audits_only_the_first_refused_redemption_of_a_window(settings):
    settings.RATE_MAGIC_REDEEM_FAILURES_PER_IP = "2/h"
    for _ in range(2):
        with pytest.raises(LinkRefused):
            link_redeem(token="login.guess")
    for _ in range(4):
        with pytest.raises(RateLimited):
            link_redeem(token="login.guess")
    assert [e.outcome for e in _events("login.failed")] == ["failure", "failure", "denied"]


def test_it_does_not_count_successful_redemptions_as_failures(settings):
    settings.RATE_MAGIC_REDEEM_FAILURES_PER_IP = "2/h"
    with context.bind(context.RequestContext(source="web", ip="198.51.100.4")):
        for n in range(4):
            UserFactory(email=f"user{n}@example.test")
            login_request(email=f"user{n}@example.test")
            link_redeem(token=last_token())
        with pytest.raises(LinkRefused):
            link_redeem(token="login.guess")  # the first failure, not the fifth
