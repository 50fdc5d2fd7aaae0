"""A key's edit or rotation counts on its very next /mcp call, warm verification cache or not."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from api_keys import services
from api_keys.models import ApiKey
from tests.helpers import actor_for
from tests.mcp.conftest import raw_http
from tests.mcp.test_http import call, payload

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = {"order_id": "1001", "note": "hello"}


@sync_to_async
def create(owner, **options):
    actor = actor_for(owner)
    return services.key_create(
        tenant=actor.tenant, actor=actor, **({"name": "agent", "scope": "read"} | options)
    )


@sync_to_async
def edit(owner, key, **changes):
    actor = actor_for(owner)
    return services.key_update(
        tenant=actor.tenant, actor=actor, key_id=key.pk, **({"name": key.name, "scope": key.scope} | changes)
    )


@sync_to_async
def rotate(owner, key, grace=dt.timedelta(0)):
    actor = actor_for(owner)
    return services.key_rotate(tenant=actor.tenant, actor=actor, key_id=key.pk, grace=grace)


def refused(response) -> bool:
    message = payload(response)
    return "error" in message or message["result"].get("isError", False)


async def test_narrowing_a_key_to_read_refuses_its_next_write(committed, alice, fake_registry):
    key, raw = await create(alice, scope="read_write")
    async with raw_http() as http:
        assert not refused(await call(http, raw, "orders_add_fake_note", NOTE))
        await edit(alice, key, scope="read")
        assert refused(await call(http, raw, "orders_add_fake_note", NOTE))
        assert (await call(http, raw)).status_code == 200  # reads still work


async def test_rotation_without_grace_refuses_the_old_key_on_its_next_call(committed, alice, fake_registry):
    key, old_raw = await create(alice)
    async with raw_http() as http:
        assert (await call(http, old_raw)).status_code == 200
        _new, new_raw = await rotate(alice, key)
        assert (await call(http, old_raw)).status_code == 401
        assert (await call(http, new_raw)).status_code == 200


async def test_rotation_with_grace_keeps_the_old_key_working_until_the_grace_ends(
    committed, alice, fake_registry
):
    key, old_raw = await create(alice)
    async with raw_http() as http:
        assert (await call(http, old_raw)).status_code == 200
        _new, new_raw = await rotate(alice, key, grace=dt.timedelta(hours=1))
        assert (await call(http, old_raw)).status_code == 200
        assert (await call(http, new_raw)).status_code == 200
        # The grace period ends (its end is the old key's expiry).
        await ApiKey.objects.filter(pk=key.pk).aupdate(expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert (await call(http, old_raw)).status_code == 401
        assert (await call(http, new_raw)).status_code == 200
