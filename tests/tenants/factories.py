"""factory_boy factories for the accounts tests."""

import factory

from tenants.models import Invitation, Role
from tests.factories import TenantFactory


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    tenant = factory.SubFactory(TenantFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.OPERATOR
