"""Failed Django-admin sign-ins lock the account out only for the address they came from: anyone who
knows a superuser's e-mail address could otherwise keep that superuser out by failing on purpose."""

import pytest
from django.urls import reverse

from tenants.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a long admin passphrase"
ATTACKER = "203.0.113.66"
ADMIN_DESK = "198.51.100.7"


@pytest.fixture
def root():
    return User.objects.create_superuser("root@example.test", PASSWORD)


def attempt(client, password: str, *, ip: str, username: str = "root@example.test"):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_failed_admin_sign_ins_from_one_address_do_not_lock_the_account_out_elsewhere(client, root, settings):
    settings.RATE_PASSWORD_FAILURES = "3/h"
    for number in range(5):
        attempt(client, f"guess {number}", ip=ATTACKER)
    assert attempt(client, PASSWORD, ip=ATTACKER).status_code == 429  # the guesser stays locked out

    response = attempt(client, PASSWORD, ip=ADMIN_DESK)

    assert response.status_code == 302 and client.session["_auth_user_id"] == str(root.pk)


def test_one_address_guessing_across_accounts_is_still_limited(client, root, settings):
    settings.RATE_PASSWORD_FAILURES_PER_IP = "4/h"
    for number in range(4):
        attempt(client, "guess", ip=ATTACKER, username=f"someone{number}@example.test")

    assert attempt(client, PASSWORD, ip=ATTACKER).status_code == 429
    assert attempt(client, PASSWORD, ip=ADMIN_DESK).status_code == 302
