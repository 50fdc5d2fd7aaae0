"""Store services: validation, permissions, tenant scoping, encryption and audit."""

import pytest
from django.db import connection

from kernel.errors import Forbidden, InvalidInput, NotFound
from stores import selectors, services
from stores.models import Store
from stores.types import StoreInfo
from tenants.models import AuditEvent
from tests.helpers import actor_for, run

GOOD = {"name": "Main shop", "orderdesk_store_id": "12345", "api_key": "k3y-abcdefgh-WXYZ"}


def register(user, **overrides):
    actor = actor_for(user)
    info = run(services.stores_register, tenant=actor.tenant, actor=actor, **(GOOD | overrides))
    return Store.objects.get(pk=info.id)


def update(user, store, **changes):
    actor = actor_for(user)
    info = run(services.stores_update, tenant=actor.tenant, actor=actor, store=str(store.pk), **changes)
    return Store.objects.get(pk=info.id)


def delete(actor, store_ref):
    return run(services.stores_delete, tenant=actor.tenant, actor=actor, store=store_ref)


# --- stores_register ---------------------------------------------------------------------------------------


def test_it_registers_a_store_with_its_key_encrypted(bob):
    store = register(bob, label="EU warehouse")

    stored = Store.objects.get(pk=store.pk)
    assert stored.tenant.name == "Acme"
    assert (stored.name, stored.orderdesk_store_id, stored.label) == ("Main shop", "12345", "EU warehouse")
    assert stored.get_api_key() == "k3y-abcdefgh-WXYZ"
    assert "k3y-abcdefgh" not in stored.api_key_encrypted
    assert stored.api_key_encrypted.startswith("v")
    assert stored.api_key_last4 == "WXYZ"
    assert stored.base_url == "" and stored.effective_base_url == "https://app.orderdesk.me/api/v2"
    assert stored.is_sandbox is False


def test_it_never_stores_the_raw_key_anywhere_in_the_database(bob):
    register(bob)

    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key_encrypted, api_key_last4 FROM stores_store")
        rows = cursor.fetchall()
        cursor.execute("SELECT detail FROM tenants_auditevent")
        details = cursor.fetchall()
    assert "abcdefgh" not in repr(rows) + repr(details)


def test_it_trims_the_name_store_id_and_key(bob):
    store = register(bob, name="  Main shop  ", orderdesk_store_id=" 12345 ", api_key="  k3y-abcdefgh-WXYZ\n")

    assert (store.name, store.orderdesk_store_id) == ("Main shop", "12345")
    assert store.get_api_key() == "k3y-abcdefgh-WXYZ"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 81),
        ("orderdesk_store_id", ""),
        ("orderdesk_store_id", "12a45"),
        ("orderdesk_store_id", "-1"),
        ("orderdesk_store_id", "1" * 33),
        ("api_key", ""),
        ("api_key", "1234567"),
        ("api_key", "k" * 201),
        ("api_key", "has a space"),
        ("label", "l" * 121),
        ("base_url", "http://app.orderdesk.me/api/v2"),
    ],
)
def test_it_names_the_field_of_an_invalid_value(bob, field, value):
    with pytest.raises(InvalidInput) as caught:
        register(bob, **{field: value})

    assert caught.value.field == field
    assert field in caught.value.message
    assert not Store.objects.exists()
    assert not AuditEvent.objects.filter(action="store.created").exists()


def test_it_accepts_the_length_limits(bob):
    store = register(bob, name="n" * 80, api_key="k" * 200, label="l" * 120)

    assert len(store.name) == 80 and store.api_key_last4 == "kkkk"
    assert register(bob, name="short key", api_key="12345678").get_api_key() == "12345678"


def test_it_refuses_a_duplicate_name_in_the_tenant_whatever_the_case(bob):
    register(bob)

    with pytest.raises(InvalidInput) as caught:
        register(bob, name="MAIN SHOP")

    assert caught.value.field == "name"
    assert "already" in caught.value.message
    assert Store.objects.count() == 1


def test_it_allows_the_same_name_in_another_tenant(bob, charlie):
    register(bob)
    other = register(charlie)

    assert other.tenant != Store.objects.exclude(pk=other.pk).get().tenant


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("", ""),
        ("https://app.orderdesk.me/api/v2", ""),
        ("https://app.orderdesk.me/api/v2/", ""),
        ("  https://app.orderdesk.me/api/v3  ", "https://app.orderdesk.me/api/v3"),
        ("https://APP.orderdesk.me:443/api/v2/beta", "https://APP.orderdesk.me:443/api/v2/beta"),
        ("https://sandbox.example.test/sandbox/api/v2", "https://sandbox.example.test/sandbox/api/v2"),
    ],
)
def test_it_accepts_orderdesk_and_sandbox_base_urls(bob, settings, given, stored):
    settings.SANDBOX_BASE_URL = "https://sandbox.example.test/sandbox/api/v2"

    assert register(bob, base_url=given).base_url == stored


@pytest.mark.parametrize(
    "base_url",
    [
        "http://app.orderdesk.me/api/v2",
        "https://evil.example/api/v2",
        "https://app.orderdesk.me.evil.example/api/v2",
        "https://user:pw@app.orderdesk.me/api/v2",
        "https://app.orderdesk.me:8443/api/v2",
        "https://app.orderdesk.me/api/v2?x=1",
        "https://app.orderdesk.me/api/v2#frag",
        "ftp://app.orderdesk.me/api/v2",
        "https://169.254.169.254/latest",
        "https://127.0.0.1/api/v2",
        "http://sandbox.example.test/sandbox/api/v2",
        "https://sandbox.example.test:8443/sandbox/api/v2",
        "not a url",
        "https://app.orderdesk.me/" + "x" * 200,
    ],
)
def test_it_refuses_base_urls_outside_the_allow_list(bob, settings, base_url):
    settings.SANDBOX_BASE_URL = "https://sandbox.example.test/sandbox/api/v2"

    with pytest.raises(InvalidInput) as caught:
        register(bob, base_url=base_url)

    assert caught.value.field == "base_url"


def test_it_follows_the_configured_allowed_hosts(bob, settings):
    settings.ORDERDESK_ALLOWED_HOSTS = ["od.example.test"]

    assert (
        register(bob, base_url="https://od.example.test/api/v2").base_url == "https://od.example.test/api/v2"
    )
    with pytest.raises(InvalidInput):
        register(bob, name="other", base_url="https://app.orderdesk.me/api/v3")


def test_it_accepts_the_sandbox_even_over_plain_http_in_development(bob, settings):
    settings.SANDBOX_BASE_URL = "http://127.0.0.1:8000/sandbox/api/v2"

    store = register(bob, base_url="http://127.0.0.1:8000/sandbox/api/v2/")

    assert store.base_url == "http://127.0.0.1:8000/sandbox/api/v2"


def test_it_lets_operators_and_owners_register(bob, alice):
    assert register(bob).name == "Main shop"
    assert register(alice, name="Second").name == "Second"


def test_it_refuses_viewers(vera):
    with pytest.raises(Forbidden):
        register(vera)

    assert not Store.objects.exists()


def test_it_refuses_an_actor_of_another_tenant(charlie, acme):
    actor = actor_for(charlie)

    with pytest.raises(Forbidden):
        run(services.stores_register, tenant=acme, actor=actor, **GOOD)

    assert not Store.objects.filter(tenant=acme).exists()


def test_it_audits_the_creation_without_the_key(bob):
    store = register(bob, label="EU")

    event = AuditEvent.objects.get(action="store.created")
    assert (event.actor_user, event.target_id, event.outcome) == (bob, str(store.pk), "success")
    assert event.detail["name"] == "Main shop" and event.detail["orderdesk_store_id"] == "12345"
    assert "abcdefgh" not in str(event.detail) and "api_key" not in event.detail


def test_it_never_returns_the_key_in_a_result(bob):
    info = StoreInfo.from_store(register(bob))

    assert "abcdefgh" not in info.model_dump_json()
    assert info.key_last4 == "WXYZ"


# --- stores_update -----------------------------------------------------------------------------------------


def test_it_updates_fields_and_audits_their_names(bob):
    store = register(bob)

    updated = update(bob, store, name="Renamed", label="new label", orderdesk_store_id="999")

    assert (updated.name, updated.label, updated.orderdesk_store_id) == ("Renamed", "new label", "999")
    event = AuditEvent.objects.get(action="store.updated")
    assert sorted(event.detail["changed"]) == ["label", "name", "orderdesk_store_id"]


def test_it_replaces_the_key_and_the_old_one_is_gone(bob):
    store = register(bob)
    old_ciphertext = store.api_key_encrypted

    update(bob, store, api_key="  brand-new-key-5678 ")

    stored = Store.objects.get(pk=store.pk)
    assert stored.get_api_key() == "brand-new-key-5678"
    assert stored.api_key_last4 == "5678"
    assert stored.api_key_encrypted != old_ciphertext
    event = AuditEvent.objects.get(action="store.updated")
    assert event.detail["changed"] == ["api_key"]
    assert "brand-new" not in str(event.detail) and "abcdefgh" not in str(event.detail)


def test_it_keeps_the_key_when_none_is_given(bob):
    store = register(bob)

    update(bob, store, label="x", api_key="")

    assert Store.objects.get(pk=store.pk).get_api_key() == "k3y-abcdefgh-WXYZ"


def test_it_clears_the_last_test_when_the_credentials_change(bob, store_factory, acme):
    store = store_factory(tenant=acme, last_test_ok=True, last_test_message="Connection Successful")
    store.last_test_at = store.created_at
    store.save()

    update(bob, store, label="only a label")
    assert Store.objects.get(pk=store.pk).last_test_ok is True

    update(bob, store, api_key="another-key-0000")
    stored = Store.objects.get(pk=store.pk)
    assert (stored.last_test_ok, stored.last_test_at, stored.last_test_message) == (None, None, "")


def test_it_does_nothing_and_audits_nothing_without_changes(bob):
    store = register(bob)

    update(bob, store, name="Main shop", label="", orderdesk_store_id="12345")

    assert not AuditEvent.objects.filter(action="store.updated").exists()


def test_it_validates_updates_and_writes_nothing_on_error(bob):
    store = register(bob)
    register(bob, name="Taken")

    for changes, field in [
        ({"name": "taken"}, "name"),
        ({"orderdesk_store_id": "x"}, "orderdesk_store_id"),
        ({"base_url": "https://evil.example"}, "base_url"),
        ({"label": "l" * 121}, "label"),
        ({"name": "Fine", "api_key": "short"}, "api_key"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            update(bob, store, **changes)
        assert caught.value.field == field

    stored = Store.objects.get(pk=store.pk)
    assert stored.name == "Main shop" and stored.get_api_key() == "k3y-abcdefgh-WXYZ"


def test_it_lets_a_store_keep_its_own_name_in_another_case(bob):
    store = register(bob)

    assert update(bob, store, name="MAIN SHOP").name == "MAIN SHOP"


def test_it_refuses_updates_by_viewers_and_other_tenants(vera, charlie, acme_store):
    with pytest.raises(Forbidden):
        update(vera, acme_store, name="nope")
    with pytest.raises(NotFound):
        update(charlie, acme_store, name="nope")

    assert Store.objects.get(pk=acme_store.pk).name == "Acme Main"


# --- stores_delete -----------------------------------------------------------------------------------------


def test_it_deletes_a_store_and_audits_it(bob, acme_store):
    actor = actor_for(bob)

    deleted = delete(actor, str(acme_store.pk))

    assert deleted.id == str(acme_store.pk) and deleted.name == "Acme Main"
    assert not Store.objects.filter(pk=acme_store.pk).exists()
    event = AuditEvent.objects.get(action="store.deleted")
    assert event.target_id == str(acme_store.pk) and event.target_label == "Acme Main"


def test_it_refuses_deletes_by_viewers_and_other_tenants(vera, charlie, acme_store):
    for user, error in [(vera, Forbidden), (charlie, NotFound)]:
        actor = actor_for(user)
        with pytest.raises(error):
            delete(actor, str(acme_store.pk))

    assert Store.objects.filter(pk=acme_store.pk).exists()


def test_it_treats_a_malformed_id_as_not_found(bob):
    actor = actor_for(bob)

    with pytest.raises(NotFound):
        delete(actor, "not-a-uuid")


# --- keys that cannot be decrypted ------------------------------------------------------------------------


def test_it_turns_an_undecryptable_key_into_a_request_to_re_enter_it(acme_store, store_factory, acme):
    other = store_factory(tenant=acme)
    # A ciphertext copied from another row must not decrypt here (the AAD binds the row).
    Store.objects.filter(pk=acme_store.pk).update(api_key_encrypted=other.api_key_encrypted)
    broken = Store.objects.select_related("tenant").get(pk=acme_store.pk)

    assert selectors.store_key_readable(broken) is False
    with pytest.raises(InvalidInput) as caught:
        selectors.store_credentials(broken)

    assert caught.value.field == "store"
    assert "can no longer be decrypted" in caught.value.message and "Acme Main" in caught.value.message
    assert selectors.store_key_readable(other) is True


def test_it_lets_an_operator_re_enter_an_undecryptable_key(bob, acme_store):
    Store.objects.filter(pk=acme_store.pk).update(api_key_encrypted="v1:garbage")

    update(bob, acme_store, api_key="re-entered-key-4321")

    assert Store.objects.get(pk=acme_store.pk).get_api_key() == "re-entered-key-4321"
