import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from api_keys import core, selectors, services
from api_keys.models import ApiKey
from kernel.errors import Forbidden, InvalidInput, NotFound
from tenants.models import AuditEvent
from tests.helpers import actor_for


def test_it_creates_a_key_and_returns_the_raw_value_once(alice, create_key):
    key, raw = create_key(alice, name="  Claude  ", scope="read_write")
    assert raw.startswith(f"odk_{key.pk}_")
    assert core.parse(raw) == (key.pk, raw.split("_", 2)[2])
    key.refresh_from_db()
    assert key.name == "Claude"
    assert key.scope == "read_write"
    assert key.prefix == raw[: len(key.prefix)]
    assert raw.split("_", 2)[2] not in key.secret_hash
    assert key.created_by == alice
    assert key.all_stores and key.toolsets == [] and key.expires_at is None and key.calls_per_minute is None


def test_it_stores_every_option(alice, acme, store_factory, create_key):
    one, _two = store_factory(tenant=acme), store_factory(tenant=acme)
    expiry = timezone.now() + dt.timedelta(days=3)
    key, _ = create_key(
        alice,
        stores_admin=True,
        all_stores=False,
        store_ids=[str(one.pk)],
        toolsets=["shipments", "orders", "orders"],
        expires_at=expiry,
        calls_per_minute=30,
    )
    key.refresh_from_db()
    assert key.stores_admin is True
    assert key.all_stores is False
    assert list(key.stores.all()) == [one]
    assert key.toolsets == ["orders", "shipments"]
    assert key.expires_at == expiry
    assert key.calls_per_minute == 30


@pytest.mark.parametrize("persona", ["bob", "vera"])
def test_it_refuses_non_owners(persona, request, create_key):
    with pytest.raises(Forbidden):
        create_key(request.getfixturevalue(persona))
    assert not ApiKey.objects.exists()


def test_it_refuses_an_owner_acting_on_another_tenant(alice, globex):
    with pytest.raises(Forbidden):
        services.key_create(tenant=globex, actor=actor_for(alice), name="x", scope="read")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"all_stores": False, "store_ids": []}, "store_ids"),
        ({"all_stores": False, "store_ids": ["not-a-uuid"]}, "store_ids"),
        ({"toolsets": ["orders", "payments"]}, "toolsets"),
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "expires_at"),
        ({"expires_at": dt.datetime(2999, 1, 1)}, "expires_at"),  # naive: ambiguous
        ({"calls_per_minute": 0}, "calls_per_minute"),
        ({"calls_per_minute": 10_001}, "calls_per_minute"),
    ],
)
def test_it_names_the_bad_field(alice, overrides, field, create_key):
    with pytest.raises(InvalidInput) as caught:
        create_key(alice, **overrides)
    assert caught.value.field == field
    assert not ApiKey.objects.exists()


def test_it_accepts_the_bounds_of_calls_per_minute(alice, create_key):
    assert create_key(alice, calls_per_minute=1)[0].calls_per_minute == 1
    assert create_key(alice, calls_per_minute=10_000)[0].calls_per_minute == 10_000


def test_it_rejects_another_tenants_store(alice, globex, store_factory, create_key):
    foreign = store_factory(tenant=globex)
    with pytest.raises(InvalidInput) as caught:
        create_key(alice, all_stores=False, store_ids=[foreign.pk])
    assert caught.value.field == "store_ids"
    assert str(foreign.pk) in str(caught.value)
    assert foreign.name not in str(caught.value)  # nothing about the other tenant's store leaks


def test_it_ignores_store_ids_when_all_stores_are_allowed(alice, acme, store_factory, create_key):
    key, _ = create_key(alice, all_stores=True, store_ids=[store_factory(tenant=acme).pk])
    assert key.all_stores and not key.stores.exists()


def test_it_audits_creation_without_the_secret(alice, acme, store_factory, create_key):
    store = store_factory(tenant=acme, name="Main")
    key, raw = create_key(
        alice, all_stores=False, store_ids=[store.pk], toolsets=["orders"], scope="read_write"
    )
    event = AuditEvent.objects.get(action="key.created")
    assert event.tenant == acme and event.actor_user == alice and event.target_id == key.pk
    assert event.detail["scope"] == "read_write"
    assert event.detail["stores"] == ["Main"]
    assert event.detail["toolsets"] == ["orders"]
    assert event.detail["expires_at"] is None
    assert event.detail["output_schema"] is False
    secret = raw.split("_", 2)[2]
    assert secret not in str(event.detail) and secret not in event.target_label


def test_output_schema_is_off_unless_asked_for_and_reaches_the_actor(alice, create_key):
    plain, _ = create_key(alice)
    assert plain.output_schema is False
    key, raw = create_key(alice, output_schema=True)
    key.refresh_from_db()
    assert key.output_schema is True
    assert AuditEvent.objects.filter(action="key.created", target_id=key.pk).get().detail["output_schema"]
    # The MCP server reads it from the actor that verification builds.
    assert core.authenticate(raw).api_key.output_schema is True


async def test_the_key_verified_on_mcp_carries_output_schema(transactional_db, alice, create_key):
    _, raw = await sync_to_async(create_key)(alice, output_schema=True)
    assert (await core.aauthenticate(raw)).api_key.output_schema is True
    assert (await core.aauthenticate(raw)).api_key.output_schema is True  # from the verification cache


def test_it_emails_the_owners_when_a_key_is_created(
    alice, acme, mailoutbox, django_capture_on_commit_callbacks, create_key
):
    with django_capture_on_commit_callbacks(execute=True):
        key, raw = create_key(alice, name="Nightly sync")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@acme.test"]
    assert "Nightly sync" in mailoutbox[0].subject
    assert key.prefix in mailoutbox[0].body
    assert raw.split("_", 2)[2] not in mailoutbox[0].body


def test_it_revokes_a_key_and_audits_it(alice, acme, create_key):
    key, raw = create_key(alice)
    assert core.authenticate(raw) is not None
    revoked = services.key_revoke(tenant=acme, actor=actor_for(alice), key_id=key.pk)
    assert revoked.revoked_at is not None
    assert core.authenticate(raw) is None
    event = AuditEvent.objects.get(action="key.revoked")
    assert event.target_id == key.pk and event.actor_user == alice


def test_it_revokes_only_once(alice, acme, create_key):
    key, _ = create_key(alice)
    first = services.key_revoke(tenant=acme, actor=actor_for(alice), key_id=key.pk).revoked_at
    second = services.key_revoke(tenant=acme, actor=actor_for(alice), key_id=key.pk).revoked_at
    assert first == second
    assert AuditEvent.objects.filter(action="key.revoked").count() == 1


def test_it_hides_another_tenants_key_from_revocation(alice, charlie, globex, create_key):
    key, raw = create_key(alice)
    with pytest.raises(NotFound):
        services.key_revoke(tenant=globex, actor=actor_for(charlie), key_id=key.pk)
    assert core.authenticate(raw) is not None


def test_it_refuses_revocation_by_an_operator(alice, bob, acme, create_key):
    key, _ = create_key(alice)
    with pytest.raises(Forbidden):
        services.key_revoke(tenant=acme, actor=actor_for(bob), key_id=key.pk)
    key.refresh_from_db()
    assert key.revoked_at is None


def test_it_lists_only_the_tenants_keys_with_their_status(alice, charlie, acme, create_key):
    create_key(alice, name="active")
    expired, _ = create_key(alice, name="expired")
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked, _ = create_key(alice, name="revoked")
    services.key_revoke(tenant=acme, actor=actor_for(alice), key_id=revoked.pk)
    create_key(charlie, name="globex key")
    statuses = {k.name: k.status for k in selectors.keys_for(acme, actor_for(alice))}
    assert statuses == {"active": "active", "expired": "expired", "revoked": "revoked"}


def test_it_refuses_the_list_to_viewers(vera, acme):
    with pytest.raises(Forbidden):
        selectors.keys_for(acme, actor_for(vera))
