"""`manage.py create_tenant`: prints only the id; the tenant, its owner and the audit row exist."""

import uuid
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tenants.models import AuditEvent, Membership, Tenant, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("create_tenant", *args, stdout=out)
    return out.getvalue()


def test_it_prints_only_the_new_tenants_id(provisioned):
    output = run("--email", "Owner@Example.test", "--name", "Headless Inc")
    tenant = Tenant.objects.get()
    assert output.strip() == str(tenant.pk)
    assert uuid.UUID(output.strip())
    assert len(output.strip().splitlines()) == 1
    assert tenant.name == "Headless Inc"
    assert Membership.objects.get(tenant=tenant).user.email == "owner@example.test"
    assert Membership.objects.get(tenant=tenant).role == "owner"
    assert provisioned == [tenant]
    assert mail.outbox == []


def test_it_audits_the_creation_as_cli():
    run("--email", "owner@example.test")
    event = AuditEvent.objects.get(action="tenant.created")
    assert (event.source, event.tenant, event.target_type) == ("cli", Tenant.objects.get(), "tenant")


def test_it_reuses_an_existing_user_and_names_the_tenant_after_the_domain():
    user = UserFactory(email="owner@acme-corp.example")
    run("--email", "owner@acme-corp.example")
    assert User.objects.count() == 1
    assert Tenant.objects.get(memberships__user=user).name == "Acme Corp"


@pytest.mark.parametrize("email", ["not-an-address", "", "a@b@c"])
def test_it_refuses_a_bad_email(email):
    with pytest.raises(CommandError, match="not a valid e-mail address"):
        run("--email", email)
    assert not Tenant.objects.exists() and not User.objects.exists()
