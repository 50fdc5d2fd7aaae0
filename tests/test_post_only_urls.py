"""Opening a form's action URL in the browser lands on the page the form belongs to, not on an empty 405."""

import re
from collections import Counter

import pytest
from django.urls import reverse

from sandbox.provisioning import provision_sandbox_store
from tests.helpers import sign_in


def test_create_an_api_key_button_opens_the_keys_page(client, alice):
    sign_in(client, alice)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("keys:list")}#key-panel"' in dashboard
    response = client.get(reverse("keys:create"))
    assert response.status_code == 302 and response["Location"] == reverse("keys:list")


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("stores:test", "stores:detail"),
        ("sandbox-ui:faults", "sandbox-ui:store"),
        ("sandbox-ui:seed", "sandbox-ui:store"),
    ],
)
def test_get_on_a_store_form_action_redirects_to_its_page(client, alice, acme_sandbox, name, target):
    response = sign_in(client, alice).get(reverse(name, args=[acme_sandbox.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse(target, args=[acme_sandbox.pk])


def test_get_on_a_console_run_url_opens_the_operations_form(client, alice):
    response = sign_in(client, alice).get(reverse("mcp_bridge:console-run", args=["stores_list"]))
    assert response["Location"] == reverse("mcp_bridge:console-operation", args=["stores_list"])


def test_other_methods_still_get_a_405_naming_post(client, alice):
    response = sign_in(client, alice).put(reverse("keys:create"))
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_sandbox_page_has_no_duplicate_ids(client, alice, acme):
    store = provision_sandbox_store(tenant=acme, orders=2, seed=1)
    body = sign_in(client, alice).get(reverse("sandbox-ui:store", args=[store.pk])).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', body))
    assert [name for name, count in ids.items() if count > 1] == []
    assert 'for="faults-seed"' in body and 'for="reseed-seed"' in body


def test_get_on_a_team_action_opens_the_team_page(client, alice, bob):
    membership = bob.memberships.get()
    response = sign_in(client, alice).get(reverse("tenants:member-remove", args=[membership.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("tenants:team")
    assert bob.memberships.exists()
