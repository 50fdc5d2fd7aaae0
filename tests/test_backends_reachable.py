"""The CI check that decides whether the PostgreSQL + Redis suite run can run."""

import socket
import subprocess
import sys

from tests.reliability.servers import REPO


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_names_both_servers_when_neither_answers():
    port = _closed_port()
    done = subprocess.run(
        [
            sys.executable,
            "scripts/backends_reachable.py",
            f"postgres://postgres@127.0.0.1:{port}/test",
            f"redis://127.0.0.1:{port}/15",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "PostgreSQL not reachable" in done.stdout
    assert "Redis not reachable" in done.stdout
