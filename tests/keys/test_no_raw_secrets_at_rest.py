from pathlib import Path

import pytest
from django.db import connection

from tenants.keys import core
from tests.keys.factories import StoreFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="scans the bytes of the SQLite database file"
)


def database_bytes() -> bytes:
    path = Path(connection.settings_dict["NAME"])
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data


def test_it_never_writes_a_raw_key_to_the_database(committed_db, alice, acme, make_key):
    orderdesk_key = "OD-live-" + "7f3c9a51e2b84d06a1c5" * 2
    store = StoreFactory(tenant=acme, name="Main", api_key=orderdesk_key)
    _, raw = make_key(alice, all_stores=False, store_ids=[store.pk])
    assert core.authenticate(raw) is not None  # verification writes last_used_at, not the key
    secret = core.parse(raw)[1]

    data = database_bytes()

    assert store.pk.hex.encode() in data or str(store.pk).encode() in data  # we are reading the right file
    assert orderdesk_key.encode() not in data
    assert raw.encode() not in data
    assert secret.encode() not in data
