"""Sign-up, sign-in, magic-link and sign-out pages: wiring, no enumeration, 429s, sessions, CSRF."""

import re
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tenants.middleware import SESSION_AUTH_AT, SESSION_LAST_SEEN, SESSION_MEMBERSHIP
from tenants.models import AuditEvent, MagicLink, Membership, Tenant, User
from tests.tenants.conftest import last_token

pytestmark = pytest.mark.django_db

_CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
_NONCE = re.compile(r"nonce-[^']+|nonce=\"[^\"]+\"")


def comparable(response):
    """Status, body and headers with the per-request CSRF token and CSP nonce taken out."""
    body = _NONCE.sub("nonce", _CSRF.sub(rb"\1", response.content).decode())
    headers = {name: _NONCE.sub("nonce", value) for name, value in response.headers.items()}
    return response.status_code, body, headers


def post(client, name, data):
    return client.post(reverse(name), data, headers={"X-Request-ID": "same-for-both"})


def magic(token: str) -> str:
    return reverse("tenants:magic", kwargs={"token": token})


def sign_in_by_link(client, email: str, next_url: str = ""):
    client.post(reverse("tenants:login"), {"email": email, "next": next_url})
    return client.post(magic(last_token()))


# --- pages and forms ---------------------------------------------------------------------------------


def test_it_shows_the_signup_and_login_forms(client):
    assertContains(client.get(reverse("tenants:signup")), 'name="tenant_name"')
    assertContains(client.get(reverse("tenants:login")), 'name="email"')


def test_it_sends_a_signup_link_and_shows_check_your_email(client):
    response = client.post(reverse("tenants:signup"), {"email": "ann@example.test", "tenant_name": "Ann's"})
    assertContains(response, "Check your e-mail")
    assert len(mail.outbox) == 1
    assert not User.objects.exists()


def test_it_shows_field_errors_next_to_the_field(client):
    response = client.post(reverse("tenants:login"), {"email": "not an address"})
    assertContains(response, 'class="errorlist"')
    assertContains(response, "Enter a valid email address.")
    assert mail.outbox == []


def test_it_keeps_next_in_the_login_form(client):
    assertContains(client.get(reverse("tenants:login") + "?next=/stores/"), 'value="/stores/"')


def test_it_sends_the_link_even_when_next_is_too_long_to_keep(client, alice):
    long_next = "/traces/?" + "status=error&" * 30  # a filtered page's URL, over the 300 kept
    response = client.post(reverse("tenants:login"), {"email": "alice@acme.test", "next": long_next})
    assertContains(response, "Check your e-mail")
    assert len(mail.outbox) == 1
    assert MagicLink.objects.get().next_url == ""


@pytest.mark.parametrize("name", ["tenants:login", "tenants:signup"])
def test_it_answers_known_and_unknown_addresses_identically(client, alice, name):
    known = post(client, name, {"email": "alice@acme.test"})
    unknown = post(client, name, {"email": "nobody@example.test"})
    assert known.status_code == 200
    assert comparable(known) == comparable(unknown)
    assert len(mail.outbox) == 2  # one e-mail each, so both take the same path


@pytest.mark.parametrize("name", ["tenants:login", "tenants:signup"])
def test_it_answers_429_with_retry_after_and_one_body_for_every_address(client, settings, alice, name):
    settings.RATE_MAGIC_LINK_PER_EMAIL = "1/15m"
    limited = []
    for email in ("alice@acme.test", "nobody@example.test"):
        assert post(client, name, {"email": email}).status_code == 200
        limited.append(post(client, name, {"email": email}))
    for response in limited:
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1
    # The same page for both, apart from the wait: each address has its own window, so the wait
    # (also in Retry-After) says when that window ends, not whether the address has an account.
    wait = re.compile(r"Please wait \d+ (minutes|seconds)")
    bodies = [wait.sub("Please wait N", comparable(response)[1]) for response in limited]
    assert bodies[0] == bodies[1] and "Please wait N" in bodies[0]
    assert len(mail.outbox) == 2


def test_it_limits_requests_per_client_ip(client, settings):
    settings.RATE_MAGIC_LINK_PER_IP = "2/h"
    for n in range(2):
        assert client.post(reverse("tenants:login"), {"email": f"p{n}@example.test"}).status_code == 200
    response = client.post(reverse("tenants:login"), {"email": "p9@example.test"})
    assert response.status_code == 429 and "Retry-After" in response


def test_it_says_signup_is_closed_and_creates_nothing(client, settings):
    settings.SIGNUP_OPEN = False
    assertContains(client.get(reverse("tenants:signup")), "Sign-up is closed")
    response = client.post(reverse("tenants:signup"), {"email": "ann@example.test"})
    assertContains(response, "Sign-up is closed", status_code=403)
    assert mail.outbox == [] and not MagicLink.objects.exists() and not User.objects.exists()


# --- the magic link ----------------------------------------------------------------------------------


def test_it_changes_nothing_when_the_link_is_only_opened(client):
    client.post(reverse("tenants:signup"), {"email": "ann@example.test"})
    response = client.get(magic(last_token()))
    assertContains(response, "Create my team")
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert MagicLink.objects.get().used_at is None
    assert not User.objects.exists() and not Tenant.objects.exists()
    assert "_auth_user_id" not in client.session


def test_it_signs_up_and_in_when_the_link_is_confirmed(client):
    client.post(reverse("tenants:signup"), {"email": "ann@example.test", "tenant_name": "Ann's Shop"})
    response = client.post(magic(last_token()))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert response["Referrer-Policy"] == "strict-origin"
    user = User.objects.get(email="ann@example.test")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[SESSION_MEMBERSHIP] == str(Membership.objects.get(user=user).pk)
    assert client.get(reverse("tenants:team")).context["tenant"].name == "Ann's Shop"


def test_it_rotates_the_session_key_on_sign_in(client, alice):
    session = client.session
    session["seen"] = True
    session.save()
    before = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    sign_in_by_link(client, "alice@acme.test")
    after = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_it_signs_the_previous_account_out_first(client, alice, bob):
    client.force_login(bob)
    session = client.session
    session[SESSION_MEMBERSHIP] = str(Membership.objects.get(user=bob).pk)
    session.save()
    sign_in_by_link(client, "alice@acme.test")
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.session.get(SESSION_MEMBERSHIP) != str(Membership.objects.get(user=bob).pk)


def test_it_starts_the_session_clocks_on_sign_in(client, alice):
    before = int(time.time())
    sign_in_by_link(client, "alice@acme.test")
    assert before <= client.session[SESSION_AUTH_AT] <= int(time.time())
    assert before <= client.session[SESSION_LAST_SEEN] <= int(time.time())


def test_it_follows_a_local_next_url(client, alice):
    assert sign_in_by_link(client, "alice@acme.test", next_url="/stores/")["Location"] == "/stores/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_it_refuses_to_redirect_off_site(client, alice, next_url):
    assert sign_in_by_link(client, "alice@acme.test", next_url=next_url)["Location"] == reverse("dashboard")


def test_it_checks_next_again_when_redirecting(client, alice):
    client.post(reverse("tenants:login"), {"email": "alice@acme.test"})
    MagicLink.objects.update(next_url="https://evil.example/")
    assert client.post(magic(last_token()))["Location"] == reverse("dashboard")


def test_it_explains_a_refused_link_without_signing_in(client, alice):
    response = client.post(magic("login.not-a-real-token"))
    assertContains(response, "This link is not valid", status_code=400)
    assert response["Referrer-Policy"] == "strict-origin"
    assert "_auth_user_id" not in client.session


def test_it_answers_429_to_redemptions_from_an_ip_with_too_many_failures(client, settings, alice):
    settings.RATE_MAGIC_REDEEM_FAILURES_PER_IP = "2/h"
    for _ in range(2):
        client.post(magic("login.guess"))
    response = sign_in_by_link(client, "alice@acme.test")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session


# --- sessions ----------------------------------------------------------------------------------------


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    session[SESSION_AUTH_AT] = now - seconds_ago.get("auth", 0)
    session[SESSION_LAST_SEEN] = now - seconds_ago.get("seen", 0)
    session.save()


def test_it_keeps_a_session_that_is_used(client, alice):
    sign_in_by_link(client, "alice@acme.test")
    _age_session(client, auth=11 * 3600, seen=29 * 60)
    assert client.get(reverse("tenants:team")).status_code == 200


@pytest.mark.parametrize("ages", [{"seen": 31 * 60}, {"auth": 12 * 3600 + 1}], ids=["idle", "absolute"])
def test_it_ends_expired_sessions_and_says_so(client, alice, ages):
    sign_in_by_link(client, "alice@acme.test")
    _age_session(client, **ages)
    response = client.get(reverse("tenants:team"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("tenants:login"))
    assert "_auth_user_id" not in client.session
    assertContains(client.get(response["Location"]), "Your session expired")
    assertNotContains(client.get(reverse("tenants:login")), "Your session expired")


def test_it_audits_the_end_of_an_expired_session(client, alice):
    sign_in_by_link(client, "alice@acme.test")
    _age_session(client, seen=31 * 60)
    client.get(reverse("tenants:team"))
    event = AuditEvent.objects.get(action="logout")
    assert (event.actor_user, event.tenant.name, event.detail) == (alice, "Acme", {"reason": "expired"})


def test_it_signs_out_on_post_only(client, alice):
    sign_in_by_link(client, "alice@acme.test")
    opened = client.get(reverse("tenants:logout"))  # a typed or prefetched URL signs nobody out
    assert opened.status_code == 302 and opened["Location"] == reverse("dashboard")
    assert "_auth_user_id" in client.session
    response = client.post(reverse("tenants:logout"))
    assert response["Location"] == reverse("tenants:login")
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="logout")
    assert (event.actor_user, event.tenant.name) == (alice, "Acme")


# --- CSRF --------------------------------------------------------------------------------------------


def _csrf_token(csrf_client) -> str:
    csrf_client.get(reverse("tenants:login"))
    return csrf_client.cookies[django_settings.CSRF_COOKIE_NAME].value


@pytest.mark.parametrize("name", ["tenants:signup", "tenants:login"])
def test_it_enforces_csrf_on_link_requests(csrf_client, name):
    data = {"email": "ann@example.test"}
    assert csrf_client.post(reverse(name), data).status_code == 403
    token = _csrf_token(csrf_client)
    assert csrf_client.post(reverse(name), data, headers={"X-CSRFToken": token}).status_code == 200


def test_it_enforces_csrf_on_redemption_and_logout(csrf_client, alice):
    token = _csrf_token(csrf_client)
    csrf_client.post(reverse("tenants:login"), {"email": "alice@acme.test"}, headers={"X-CSRFToken": token})
    assert csrf_client.post(magic(last_token())).status_code == 403
    assert MagicLink.objects.get().used_at is None
    assert csrf_client.post(magic(last_token()), headers={"X-CSRFToken": token}).status_code == 302
    token = _csrf_token(csrf_client)  # login() rotated it
    assert csrf_client.post(reverse("tenants:logout")).status_code == 403
    assert csrf_client.post(reverse("tenants:logout"), headers={"X-CSRFToken": token}).status_code == 302
