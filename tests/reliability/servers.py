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
import sqlite3
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


def wait_until_healthy(server: AppProcess) -> None:
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


def process_env(*, redis: bool, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of an app process sharing this run's database (or `database_url`) and, with
    `redis`, its Redis; `extra` overrides (e.g. SANDBOX_BASE_URL, so all processes call one sandbox)."""
    scrubbed = SCRUBBED_ENV if redis else (*SCRUBBED_ENV, "REDIS_URL")
    env = {name: value for name, value in os.environ.items() if name not in scrubbed}
    env.update(
        DJANGO_SETTINGS_MODULE="orderdesk_admin.settings",
        DATABASE_URL=database_url or _test_database_url(),
        DEBUG="true",
        VAR_DIR=str(settings.VAR_DIR),  # the same keyring and secret key files as this process
        SECRET_KEY=settings.SECRET_KEY,
        API_KEY_BCRYPT_ROUNDS="4",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start_app_process(
    env: dict[str, str], log_path: Path, *, port: int | None = None, args: tuple[str, ...] = ()
) -> AppProcess:
    """One uvicorn process (not yet waited for: see `wait_until_healthy`); `args` go to uvicorn."""
    port = port or _free_port()
    env = {"SITE_URL": f"http://127.0.0.1:{port}", **env}
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [*SERVE, "--port", str(port), *args], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return AppProcess(url=f"http://127.0.0.1:{port}", proc=proc, log_path=log_path)


def stop_app_process(server: AppProcess) -> None:
    if server.proc.poll() is None:
        server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@contextlib.contextmanager
def app_processes(
    count: int, log_dir: Path, *, redis: bool, sandbox_of_first: bool = False
) -> Iterator[list[AppProcess]]:
    """`count` uvicorn processes serving the whole app, torn down (and their database connections
    closed) when the block ends, before pytest-django flushes or drops the test database. Without
    `redis` they run without REDIS_URL: each has its own in-memory cache, only the database is shared.
    With `sandbox_of_first` every process calls the first one's sandbox, so a sandbox store has one
    leaky bucket however many processes use it (as a real OrderDesk store has)."""
    base = process_env(redis=redis)
    ports = [_free_port() for _ in range(count)]
    if sandbox_of_first:
        base["SANDBOX_BASE_URL"] = f"http://127.0.0.1:{ports[0]}/sandbox/api/v2"
    servers: list[AppProcess] = []
    try:
        for index, port in enumerate(ports):
            servers.append(start_app_process(base, log_dir / f"uvicorn-{index}.log", port=port))
        for server in servers:
            wait_until_healthy(server)
        yield servers
    finally:
        for server in servers:
            if server.proc.poll() is None:
                server.proc.terminate()
        for server in servers:
            stop_app_process(server)


def manage(env: dict[str, str], *args: str) -> str:
    """`manage.py args` in a subprocess with `env`; what it printed."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip()


@dataclass
class SqliteApp:
    """A SQLite database file of its own, migrated, with a tenant (and its sandbox store) and a
    read_write key: for process tests that run in the default suite, where the test database itself
    cannot be shared."""

    env: dict[str, str]
    path: Path
    raw_key: str

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.path, timeout=20)) as db, db:
            return list(db.execute(sql, params).fetchall())


def sqlite_app(tmp_path: Path, email: str = "owner@example.test") -> SqliteApp:
    path = tmp_path / "app.sqlite3"
    env = process_env(redis=False, database_url=f"sqlite:///{path}")
    manage(env, "migrate", "--no-input")
    manage(env, "create_tenant", "--email", email)
    printed = manage(env, "create_api_key", "--email", email, "--name", "agent", "--scope", "read_write")
    raw_key = printed.splitlines()[-1]
    return SqliteApp(env=env, path=path, raw_key=raw_key)
