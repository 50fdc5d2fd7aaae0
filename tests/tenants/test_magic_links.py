"""Issuing and consuming e-mailed links: entropy, hashing, lifetime, single use, newest-only, purpose."""

import hashlib
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tenants.models import MagicLink, MagicLinkPurpose
from tenants.services import LinkRefused, link_redeem, magic_links
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _reason(token: str, purpose: str) -> str:
    with pytest.raises(LinkRefused) as caught:
        magic_links.consume(token=token, purpose=purpose)
    return caught.value.reason


def test_it_makes_tokens_of_256_random_bits_prefixed_by_the_purpose():
    token = magic_links.new_token("login")
    purpose, secret = token.split(".")
    assert purpose == "login"
    assert len(secret) == 43  # token_urlsafe(32): 32 bytes
    assert magic_links.new_token("login") != token


def test_it_stores_only_the_sha256_of_the_token():
    issued = magic_links.issue(purpose="login", email="ann@example.test")
    row = MagicLink.objects.values().get()
    assert row["token_hash"] == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in repr(row)
    assert issued.token.split(".")[1] not in repr(row)


def test_it_builds_the_link_from_site_url(settings):
    settings.SITE_URL = "https://admin.example.com"
    issued = magic_links.issue(purpose="login", email="ann@example.test")
    assert issued.url == f"https://admin.example.com/auth/magic/{issued.token}/"


def test_it_gives_links_the_configured_lifetime(settings):
    settings.MAGIC_LINK_TTL = 600
    link = magic_links.issue(purpose="login", email="ann@example.test").link
    assert link.expires_at - link.created_at == timedelta(seconds=600)


def test_it_accepts_a_link_within_its_lifetime():
    issued = magic_links.issue(purpose="login", email="ann@example.test")
    MagicLink.objects.filter(pk=issued.link.pk).update(expires_at=timezone.now() + timedelta(seconds=5))
    assert magic_links.consume(token=issued.token, purpose="login").used_at is not None


def test_it_refuses_an_expired_link():
    issued = magic_links.issue(purpose="login", email="ann@example.test")
    MagicLink.objects.filter(pk=issued.link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _reason(issued.token, "login") == "expired"
    assert MagicLink.objects.get().used_at is None


def test_it_works_only_once():
    issued = magic_links.issue(purpose="login", email="ann@example.test")
    magic_links.consume(token=issued.token, purpose="login")
    assert _reason(issued.token, "login") == "used"


def test_it_revokes_older_links_when_a_newer_one_is_issued():
    first = magic_links.issue(purpose="login", email="ann@example.test")
    second = magic_links.issue(purpose="login", email="ann@example.test")
    assert _reason(first.token, "login") == "revoked"
    assert magic_links.consume(token=second.token, purpose="login").pk == second.link.pk


def test_it_keeps_links_for_other_purposes_and_addresses():
    login = magic_links.issue(purpose="login", email="ann@example.test")
    signup = magic_links.issue(purpose="signup", email="ann@example.test")
    other = magic_links.issue(purpose="login", email="bea@example.test")
    for issued in (login, signup, other):
        assert magic_links.consume(token=issued.token, purpose=issued.link.purpose)


def test_it_binds_a_link_to_its_purpose():
    issued = magic_links.issue(purpose="signup", email="ann@example.test")
    assert _reason(issued.token, "login") == "unknown"
    relabelled = "login." + issued.token.split(".", 1)[1]  # same secret, other purpose
    assert _reason(relabelled, "login") == "unknown"
    assert MagicLink.objects.get().used_at is None
    assert magic_links.consume(token=issued.token, purpose="signup")


def test_it_never_lets_a_login_link_sign_anyone_up():
    issued = magic_links.issue(purpose="login", email="ann@example.test")
    relabelled = "signup." + issued.token.split(".", 1)[1]
    assert _reason(relabelled, "signup") == "unknown"


@pytest.mark.parametrize("token", ["login.nonsense", "nonsense", "", "invite.", ".abc", "login.x.y"])
def test_it_refuses_unknown_tokens(token):
    assert _reason(token, "login") == "unknown"


def test_it_revokes_only_the_same_invitations_older_links(invitation_factory):
    first_invitation = invitation_factory(email="ann@example.test")
    second_invitation = invitation_factory(email="ann@example.test")
    first = magic_links.issue(purpose="invite", email="ann@example.test", invitation=first_invitation)
    magic_links.issue(purpose="invite", email="ann@example.test", invitation=second_invitation)
    assert magic_links.consume(token=first.token, purpose="invite").invitation == first_invitation


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/stores/", "/stores/"),
        ("/traces/?status=failed", "/traces/?status=failed"),
        ("https://admin.example.com/keys/", "https://admin.example.com/keys/"),
        ("http://admin.example.com/keys/", ""),  # https site: no downgrade
        ("https://evil.example/", ""),
        ("//evil.example/", ""),
        ("/\\evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("https://admin.example.com.evil.example/", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_it_keeps_next_urls_on_this_site(settings, candidate, expected):
    settings.SITE_URL = "https://admin.example.com"
    assert magic_links.safe_next_url(candidate) == expected


def test_it_ignores_the_request_host_for_next_urls(settings):
    settings.SITE_URL = "https://admin.example.com"
    settings.ALLOWED_HOSTS = ["admin.example.com", "evil.example"]
    assert magic_links.safe_next_url("https://evil.example/") == ""


def test_it_drops_an_unsafe_next_url_when_issuing():
    issued = magic_links.issue(purpose="login", email="ann@example.test", next_url="https://evil.example/")
    assert issued.link.next_url == ""


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_concurrent_redemptions_win(transactional_db):
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db(), "needs a file database for real locking"
    UserFactory(email="ann@example.test")
    token = magic_links.issue(purpose=MagicLinkPurpose.LOGIN, email="ann@example.test").token
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def redeem() -> None:
        try:
            barrier.wait(timeout=10)
            try:
                outcomes.append("signed in as " + link_redeem(token=token).user.email)
            except LinkRefused as exc:
                outcomes.append("refused: " + exc.reason)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused: used", "signed in as ann@example.test"]
    assert MagicLink.objects.get().used_at is not None
