"""Real app processes for multi-process tests: uvicorn on loopback ports, sharing this test run's
database and Redis.

Each process is the app as deployed with several workers: its own event loop, its own in-process
locks and caches, the same PostgreSQL database (the test database pytest-django created, so rows the
test commits are visible to it) and the same Redis. Its sandbox answers at its own origin, so upstream
calls of one process are served by that process too.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0
# Settings of the caller's shell a server must not inherit: each server has its own origin.
SERVE = (
    sys.executable,
    "-m",
    "uvicorn",
    "orderdesk_admin.asgi:application",
    "--host",
    "127.0.0.1",
    "--lifespan",
    "on",
    # As `make run`: the app alone derives client addresses (orderdesk_admin.proxy_headers).
    "--no-proxy-headers",
)
SCRUBBED_ENV = ("SANDBOX_BASE_URL", "SITE_URL", "ALLOWED_HOSTS", "MCP_ALLOWED_ORIGINS")


def shared_backends_missing(*, redis: bool) -> str | None:
    """Why this run cannot start processes sharing the database (and Redis, with `redis`)."""
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (DATABASE_URL): several processes cannot share the SQLite test file safely"
    if redis and not os.environ.get("REDIS_URL"):
        return "needs Redis (REDIS_URL): the processes share their cache and locks through it"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    """DATABASE_URL with the database name replaced by this run's test database."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@dataclass
class AppProcess:
    url: str
    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _wait_until_healthy(server: AppProcess) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {server.proc.returncode}:\n{server.log()[-5000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process
    raise RuntimeError(f"uvicorn did not answer /healthz in {STARTUP_TIMEOUT:.0f} s:\n{server.log()[-5000:]}")


@contextlib.contextmanager
def app_processes(count: int, log_dir: Path, *, redis: bool) -> Iterator[list[AppProcess]]:
    """`count` uvicorn processes serving the whole app, torn down (and their database connections
    closed) when the block ends, before pytest-django flushes or drops the test database. Without
    `redis` they run without REDIS_URL: each has its own in-memory cache, only the database is shared."""
    scrubbed = SCRUBBED_ENV if redis else (*SCRUBBED_ENV, "REDIS_URL")
    base = {name: value for name, value in os.environ.items() if name not in scrubbed}
    base.update(
        DJANGO_SETTINGS_MODULE="orderdesk_admin.settings",
        DATABASE_URL=_test_database_url(),
        DEBUG="true",
        VAR_DIR=str(settings.VAR_DIR),  # the same keyring and secret key files as this process
        SECRET_KEY=settings.SECRET_KEY,
        API_KEY_BCRYPT_ROUNDS="4",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    servers: list[AppProcess] = []
    try:
        for index in range(count):
            port = _free_port()
            log_path = log_dir / f"uvicorn-{index}.log"
            env = {**base, "SITE_URL": f"http://127.0.0.1:{port}"}
            with log_path.open("ab") as log:
                proc = subprocess.Popen(
                    [*SERVE, "--port", str(port)],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            servers.append(AppProcess(url=f"http://127.0.0.1:{port}", proc=proc, log_path=log_path))
        for server in servers:
            _wait_until_healthy(server)
        yield servers
    finally:
        for server in servers:
            server.proc.terminate()
        for server in servers:
            try:
                server.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.proc.kill()
                server.proc.wait()
