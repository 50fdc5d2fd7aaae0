import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from api_keys import core
from tests.factories import StoreFactory

# The scan reads the database file itself, which only SQLite has; the default (SQLite) run covers it.
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason=f"needs the SQLite database file to scan; this run's database is {connection.vendor}",
)


def database_bytes() -> bytes:
    """The database file and its WAL, read by another process.

    Opening and closing the file in this process would release every POSIX lock SQLite holds on it
    here (fcntl locks are per process, not per descriptor), and another process could then truncate
    the WAL under this process's open connections.
    """
    path = Path(connection.settings_dict["NAME"])
    wal = path.with_name(path.name + "-wal")
    read = (
        "import sys; from pathlib import Path; sys.stdout.buffer.write(b''.join(Path(p).read_bytes() "
        "for p in sys.argv[1:] if Path(p).exists()))"
    )
    return subprocess.run(
        [sys.executable, "-c", read, str(path), str(wal)], capture_output=True, check=True
    ).stdout


def test_it_never_writes_a_raw_key_to_the_database(transactional_db, alice, acme, create_key):
    orderdesk_key = "OD-live-" + "7f3c9a51e2b84d06a1c5" * 2
    store = StoreFactory(tenant=acme, name="Main", api_key=orderdesk_key)
    _, raw = create_key(alice, all_stores=False, store_ids=[store.pk])
    assert core.authenticate(raw) is not None  # verification writes last_used_at, not the key
    secret = core.parse(raw)[1]

    data = database_bytes()

    assert store.pk.hex.encode() in data or str(store.pk).encode() in data  # we are reading the right file
    assert orderdesk_key.encode() not in data
    assert raw.encode() not in data
    assert secret.encode() not in data
