"""Provisioning a tenant's sandbox store, and `manage.py sandbox_seed`."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kernel import crypto
from sandbox.engine import gate
from sandbox.models import SandboxOrder, SandboxStore
from sandbox.provisioning import provision_sandbox_store
from stores.models import Store
from tenants.audit import Action
from tenants.models import AuditEvent
from tests.sandbox.conftest import Api


def _api_for(client, store: Store) -> Api:
    creds = store.credentials()
    sandbox = SandboxStore.objects.get(orderdesk_store_id=creds.orderdesk_store_id)
    return Api(client, sandbox, creds.api_key)


def test_it_provisions_an_encrypted_store_whose_key_opens_the_emulator(client, acme):
    store = provision_sandbox_store(tenant=acme, orders=8, seed=1)

    assert (store.tenant, store.name, store.is_sandbox, store.base_url) == (acme, "Sandbox", True, "")
    sandbox = store.sandbox
    assert store.orderdesk_store_id == sandbox.orderdesk_store_id and store.orderdesk_store_id.isdigit()
    api = _api_for(client, store)
    assert api.get("test").status_code == 200
    assert api.get("orders").json()["total_records"] == 8
    key = store.get_api_key()
    assert store.api_key_encrypted.startswith("v") and key not in store.api_key_encrypted
    assert sandbox.api_key_hash == gate.hash_key(key) and key not in sandbox.api_key_hash
    assert store.effective_base_url.endswith("/sandbox/api/v2")


def test_it_never_stores_the_plaintext_key(acme):
    store = provision_sandbox_store(tenant=acme, orders=1, seed=1)
    key = store.get_api_key()

    with connection.cursor() as cursor:
        for table in (Store._meta.db_table, SandboxStore._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")
            assert key not in repr(cursor.fetchall())


def test_it_is_idempotent_per_tenant(acme):
    first = provision_sandbox_store(tenant=acme, orders=3, seed=1)

    again = provision_sandbox_store(tenant=acme, orders=9, seed=2)

    assert again.pk == first.pk
    assert SandboxStore.objects.filter(tenant=acme).count() == 1
    assert SandboxOrder.objects.filter(store__tenant=acme).count() == 3


def test_it_picks_another_name_when_sandbox_is_taken(acme):
    taken = Store(tenant=acme, name="Sandbox", orderdesk_store_id="11")
    taken.set_api_key("real-key")
    taken.save()

    store = provision_sandbox_store(tenant=acme, orders=1, seed=1)

    assert store.name == "Sandbox 2"


def test_it_gives_every_tenant_its_own_credentials_and_data(client, acme, globex):
    mine = provision_sandbox_store(tenant=acme, orders=2, seed=1)
    theirs = provision_sandbox_store(tenant=globex, orders=2, seed=1)

    assert mine.orderdesk_store_id != theirs.orderdesk_store_id
    assert mine.get_api_key() != theirs.get_api_key()
    mixed = {"ORDERDESK-STORE-ID": theirs.orderdesk_store_id}
    assert _api_for(client, mine).get("test", headers=mixed).status_code == 401


def test_it_binds_the_encrypted_key_to_its_row(acme, globex):
    store = provision_sandbox_store(tenant=acme, orders=1, seed=1)
    other = provision_sandbox_store(tenant=globex, orders=1, seed=1)
    other.api_key_encrypted = store.api_key_encrypted

    with pytest.raises(crypto.DecryptionError):
        other.get_api_key()


def test_it_audits_the_new_store(acme):
    store = provision_sandbox_store(tenant=acme, orders=1, seed=1)

    event = AuditEvent.objects.get(action="store.created", tenant=acme)
    assert event.target_id == str(store.pk) and event.detail["sandbox"] is True


# --- manage.py sandbox_seed ------------------------------------------------------------------------

LINES = re.compile(r"\AORDERDESK_STORE_ID=(\d+)\nORDERDESK_API_KEY=(\S+)\nORDERDESK_BASE_URL=(\S+)\n\Z")


def _seed(*args: str) -> re.Match:
    out = io.StringIO()
    call_command("sandbox_seed", *args, stdout=out)
    match = LINES.match(out.getvalue())
    assert match, out.getvalue()
    return match


def test_it_prints_three_shell_lines_whose_credentials_work(client, alice, settings):
    match = _seed("--email", "alice@acme.test", "--orders", "6", "--seed", "4")

    store_id, key, base_url = match.groups()
    assert base_url == settings.SANDBOX_BASE_URL
    sandbox = SandboxStore.objects.get(orderdesk_store_id=store_id)
    assert sandbox.tenant == alice.memberships.get().tenant
    api = Api(client, sandbox, key)
    assert api.get("orders").json()["total_records"] == 6


def test_it_refills_the_existing_sandbox_deterministically(client, alice, acme):
    existing = provision_sandbox_store(tenant=acme, orders=3, seed=1)
    first = _seed("--email", "ALICE@acme.test", "--orders", "9", "--seed", "5")
    orders = Api(client, existing.sandbox, first.group(2)).get("orders", limit="500").json()["orders"]

    second = _seed("--email", "alice@acme.test", "--orders", "9", "--seed", "5")

    assert first.group(1) == second.group(1) == existing.orderdesk_store_id
    assert first.group(2) == second.group(2) == existing.get_api_key()
    again = Api(client, existing.sandbox, first.group(2)).get("orders", limit="500").json()["orders"]
    assert [(o["id"], o["email"], o["order_total"]) for o in again] == [
        (o["id"], o["email"], o["order_total"]) for o in orders
    ]
    assert len(orders) == 9


def test_it_keeps_the_store_seed_when_none_is_given(alice, acme):
    store = provision_sandbox_store(tenant=acme, orders=2, seed=77)

    _seed("--email", "alice@acme.test", "--orders", "3")

    assert SandboxStore.objects.get(store=store).seed == 77


def test_it_audits_the_seeding_as_a_cli_action(alice):
    _seed("--email", "alice@acme.test", "--orders", "1", "--seed", "2")

    event = AuditEvent.objects.get(action="sandbox.seeded")
    assert (event.source, event.detail["orders"], event.detail["seed"]) == ("cli", 1, 2)


def test_it_refuses_unknown_people(db):
    with pytest.raises(CommandError, match=re.escape("nobody@example.com")):
        call_command("sandbox_seed", "--email", "nobody@example.com", stdout=io.StringIO())


def test_it_replaces_a_key_that_cannot_be_decrypted(client, alice, acme):
    store = provision_sandbox_store(tenant=acme, orders=1, seed=1)
    Store.objects.filter(pk=store.pk).update(api_key_encrypted="v1:AAAA")

    match = _seed("--email", "alice@acme.test", "--orders", "1")

    assert Api(client, store.sandbox, match.group(2)).get("test").status_code == 200
    store.refresh_from_db()
    assert store.get_api_key() == match.group(2)
    event = AuditEvent.objects.get(action=Action.STORE_UPDATED)
    assert (event.target_id, event.detail["changed"], event.source) == (str(store.pk), ["api_key"], "cli")
    assert match.group(2) not in str(event.detail)
