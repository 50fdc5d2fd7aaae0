"""Changing and rotating a key (api_keys.services.key_update / key_rotate), and what the next call sees.

The verification cache remembers only that a secret matches a stored hash; the key's row is read on
every call. So an edit or a rotation counts on the key's very next call, whatever any process cached.
"""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.utils import timezone

from api_keys import core, selectors, services
from api_keys.models import ApiKey
from kernel.errors import Forbidden, InvalidInput, NotFound
from tenants.actors import Permission
from tenants.models import AuditEvent
from tests.helpers import actor_for


def edit(owner, key, **changes):
    actor = actor_for(owner)
    settings = {"name": key.name, "scope": key.scope, "all_stores": key.all_stores} | changes
    return services.key_update(tenant=actor.tenant, actor=actor, key_id=key.pk, **settings)


def rotate(owner, key, **options):
    actor = actor_for(owner)
    return services.key_rotate(tenant=actor.tenant, actor=actor, key_id=key.pk, **options)


def test_it_changes_name_stores_toolsets_rate_and_expiry(alice, acme, store_factory, create_key):
    one = store_factory(tenant=acme)
    key, raw = create_key(alice, name="old name")
    expiry = timezone.now() + dt.timedelta(days=10)
    edit(
        alice,
        key,
        name="Nightly export",
        all_stores=False,
        store_ids=[str(one.pk)],
        toolsets=["orders"],
        calls_per_minute=12,
        expires_at=expiry,
    )
    key.refresh_from_db()
    assert (key.name, key.all_stores, list(key.stores.all())) == ("Nightly export", False, [one])
    assert (key.toolsets, key.calls_per_minute, key.expires_at) == (["orders"], 12, expiry)
    assert core.authenticate(raw).allowed_store_ids == frozenset({one.pk})  # the same secret still works


def test_it_audits_what_changed_and_tells_the_owners(alice, create_key, django_capture_on_commit_callbacks):
    key, _ = create_key(alice, name="agent")
    with django_capture_on_commit_callbacks(execute=True):
        edit(alice, key, name="renamed", calls_per_minute=5)
    event = AuditEvent.objects.get(action="key.updated")
    assert event.target_id == key.pk
    assert event.detail["changes"] == {"name": ["agent", "renamed"], "calls_per_minute": [None, 5]}
    assert len(mail.outbox) == 1 and "changed" in mail.outbox[0].subject


def test_an_edit_that_changes_nothing_is_not_audited(alice, create_key):
    key, _ = create_key(alice)
    edit(alice, key)
    assert not AuditEvent.objects.filter(action="key.updated").exists()


def test_it_validates_an_edit_like_a_creation(alice, create_key):
    key, _ = create_key(alice)
    with pytest.raises(InvalidInput) as caught:
        edit(alice, key, calls_per_minute=0)
    assert caught.value.field == "calls_per_minute"
    with pytest.raises(InvalidInput):
        edit(alice, key, expires_at=timezone.now() - dt.timedelta(minutes=1))


@pytest.mark.parametrize("persona", ["bob", "vera"])
def test_only_owners_edit_or_rotate_keys(alice, persona, request, create_key):
    key, _ = create_key(alice)
    with pytest.raises(Forbidden):
        edit(request.getfixturevalue(persona), key, name="mine now")
    with pytest.raises(Forbidden):
        rotate(request.getfixturevalue(persona), key)
    assert ApiKey.objects.get().name == "agent"


def test_another_tenants_key_is_not_found_for_edit_or_rotation(alice, charlie, create_key):
    key, raw = create_key(alice)
    with pytest.raises(NotFound):
        edit(charlie, key, name="taken over")
    with pytest.raises(NotFound):
        rotate(charlie, key)
    assert ApiKey.objects.get().name == "agent" and core.authenticate(raw) is not None
    assert AuditEvent.objects.filter(action="access.denied", target_id=key.pk).count() == 2


def test_a_revoked_key_cannot_be_edited_back_to_life(alice, acme, create_key):
    key, raw = create_key(alice)
    services.key_revoke(tenant=acme, actor=actor_for(alice), key_id=key.pk)
    with pytest.raises(InvalidInput):
        edit(alice, key, name="revived")
    with pytest.raises(InvalidInput):
        rotate(alice, key)
    assert core.authenticate(raw) is None


def test_narrowing_the_scope_to_read_refuses_writes_on_the_next_call_despite_the_cache(alice, create_key):
    key, raw = create_key(alice, scope="read_write")
    assert Permission.WRITE in core.authenticate(raw).permissions  # the secret is now cached
    edit(alice, key, scope="read")
    assert Permission.WRITE not in core.authenticate(raw).permissions


async def test_the_async_verifier_sees_an_edit_on_the_next_call(transactional_db, alice, create_key):
    key, raw = await sync_to_async(create_key)(alice, scope="read_write", toolsets=["orders"])
    assert (await core.aauthenticate(raw)).toolsets == frozenset({"orders"})
    await sync_to_async(edit)(alice, key, scope="read", toolsets=["shipments"], calls_per_minute=3)
    actor = await core.aauthenticate(raw)
    assert actor.toolsets == frozenset({"shipments"}) and Permission.WRITE not in actor.permissions
    assert actor.api_key.calls_per_minute == 3


def test_rotation_without_grace_refuses_the_old_key_on_the_next_call(alice, acme, store_factory, create_key):
    one = store_factory(tenant=acme)
    expiry = timezone.now() + dt.timedelta(days=30)
    old, old_raw = create_key(
        alice, scope="read_write", all_stores=False, store_ids=[one.pk], toolsets=["orders"],
        calls_per_minute=7, expires_at=expiry, output_schema=True,
    )  # fmt: skip
    assert core.authenticate(old_raw) is not None  # cached
    new, new_raw = rotate(alice, old)
    assert core.authenticate(old_raw) is None
    actor = core.authenticate(new_raw)
    assert actor.api_key.pk == new.pk != old.pk
    assert (new.name, new.scope, new.all_stores, list(new.stores.all())) == (
        "agent",
        "read_write",
        False,
        [one],
    )
    assert (new.toolsets, new.calls_per_minute, new.expires_at, new.output_schema) == (
        ["orders"],
        7,
        expiry,
        True,
    )
    old.refresh_from_db()
    assert old.revoked_at is not None and old.replaced_by == new


def test_rotation_with_grace_lets_both_keys_work_until_the_grace_ends(alice, acme, create_key, monkeypatch):
    old, old_raw = create_key(alice)
    new, new_raw = rotate(alice, old, grace=dt.timedelta(hours=1))
    assert core.authenticate(old_raw) is not None and core.authenticate(new_raw) is not None
    statuses = {k.pk: k.status for k in selectors.keys_for(acme, actor_for(alice))}
    assert statuses == {old.pk: "rotated", new.pk: "active"}
    later = timezone.now() + dt.timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert core.authenticate(old_raw) is None
    assert core.authenticate(new_raw) is not None


def test_a_grace_period_never_outlives_the_old_keys_own_expiry(alice, create_key):
    soon = timezone.now() + dt.timedelta(minutes=30)
    old, _ = create_key(alice, expires_at=soon)
    rotate(alice, old, grace=dt.timedelta(hours=24))
    old.refresh_from_db()
    assert old.expires_at == soon and old.revoked_at is None


def test_it_audits_a_rotation_without_the_secret(alice, create_key, django_capture_on_commit_callbacks):
    old, _ = create_key(alice)
    with django_capture_on_commit_callbacks(execute=True):
        new, new_raw = rotate(alice, old)
    event = AuditEvent.objects.get(action="key.rotated")
    assert event.target_id == old.pk and event.detail["replaced_by_id"] == new.pk
    assert core.parse(new_raw)[1] not in str(event.detail)
    assert mail.outbox and "rotated" in mail.outbox[-1].subject
    assert all(core.parse(new_raw)[1] not in message.body for message in mail.outbox)


def test_a_rotated_key_cannot_be_rotated_or_edited_again(alice, create_key):
    old, _ = create_key(alice)
    rotate(alice, old, grace=dt.timedelta(hours=1))
    with pytest.raises(InvalidInput):
        rotate(alice, old)
    with pytest.raises(InvalidInput):
        edit(alice, old, name="again")
    assert ApiKey.objects.count() == 2


@pytest.mark.parametrize("grace", [dt.timedelta(seconds=-1), dt.timedelta(days=8)])
def test_it_refuses_a_grace_period_out_of_range(alice, create_key, grace):
    old, _ = create_key(alice)
    with pytest.raises(InvalidInput):
        rotate(alice, old, grace=grace)
    assert ApiKey.objects.count() == 1
