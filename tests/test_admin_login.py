"""The Django admin's password sign-in: failures are limited per IP and per account and IP, and audited."""

import pytest
from django.urls import reverse

from tenants.models import AuditEvent, User

pytestmark = pytest.mark.django_db

PASSWORD = "a long admin passphrase"


@pytest.fixture
def root():
    return User.objects.create_superuser("root@example.test", PASSWORD)


def attempt(client, password: str, username: str = "root@example.test"):
    return client.post(reverse("admin:login"), {"username": username, "password": password})


def test_it_signs_a_superuser_in_and_audits_it(client, root):
    response = attempt(client, PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(root.pk)
    event = AuditEvent.objects.get(action="login.succeeded")
    assert (event.actor_user, event.outcome, event.detail) == (root, "success", {"purpose": "admin"})


def test_it_audits_a_failed_password_without_the_password(client, root):
    assert attempt(client, "wrong guess").status_code == 200
    event = AuditEvent.objects.get(action="login.failed")
    assert (event.target_label, event.outcome) == ("root@example.test", "failure")
    assert event.detail == {"reason": "bad-credentials", "purpose": "admin"}
    assert "wrong guess" not in str(event.detail)


def test_it_refuses_even_the_right_password_once_an_account_has_too_many_failures_from_an_ip(
    client, root, settings
):
    settings.RATE_PASSWORD_FAILURES = "3/h"
    for number in range(3):
        attempt(client, f"guess {number}", username="Root@Example.test")
    response = attempt(client, PASSWORD)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session
    attempt(client, PASSWORD)
    # Only the first refusal of the window is recorded: hammering cannot flood the audit log.
    assert AuditEvent.objects.filter(action="login.failed", outcome="denied").count() == 1


def test_it_limits_failures_per_client_ip_across_accounts(client, root, settings):
    settings.RATE_PASSWORD_FAILURES_PER_IP = "3/h"
    for number in range(3):
        attempt(client, "guess", username=f"someone{number}@example.test")
    assert attempt(client, PASSWORD).status_code == 429


def test_it_still_shows_the_form(client):
    assert client.get(reverse("admin:login")).status_code == 200
