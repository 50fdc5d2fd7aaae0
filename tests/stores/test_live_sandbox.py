"""End to end over real HTTP: the store pages and operations against the sandbox emulator."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from kernel.errors import UpstreamAuthFailed
from stores import services
from stores.models import Store
from tests.helpers import actor_for, run, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_tests_and_reads_the_sandbox_store_from_its_page(client, bob, sandbox):
    sign_in(client, bob)
    detail = reverse("stores:detail", kwargs={"store_id": sandbox.pk})

    tested = client.post(
        reverse("stores:test", kwargs={"store_id": sandbox.pk}), headers={"HX-Request": "true"}
    )
    loaded = client.get(
        reverse("stores:settings", kwargs={"store_id": sandbox.pk}), headers={"HX-Request": "true"}
    )

    assertContains(tested, "Connection Successful")
    assertContains(tested, "requests left in the rate-limit bucket")
    assert Store.objects.get(pk=sandbox.pk).last_test_ok is True
    for folder in ["New", "Prepared", "Shipped", "Closed", "Canceled"]:
        assertContains(loaded, folder)
    assertContains(client.get(detail), reverse("sandbox-ui:store", kwargs={"store_id": sandbox.pk}))


def test_it_reports_a_wrong_key_as_a_failed_test_against_the_sandbox(bob, sandbox):
    actor = actor_for(bob)
    new_key = {"store": "Sandbox", "api_key": "not-the-sandbox-key"}
    run(services.stores_update, tenant=actor.tenant, actor=actor, **new_key)

    result = run(services.stores_test, tenant=actor.tenant, actor=actor)

    assert not result.ok and result.needs_new_key
    with pytest.raises(UpstreamAuthFailed):
        run(services.stores_get, tenant=actor.tenant, actor=actor)
