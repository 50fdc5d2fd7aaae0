"""What the benchmarks share: a standalone app in a temporary VAR_DIR, and uvicorn serving it.

Each benchmark runs on its own SQLite database in a fresh VAR_DIR, with production settings (DEBUG
off: with DEBUG Django records every query, which would be measured too), freshly generated keys, and
none of the caller's database, Redis, key-file or sandbox settings, so it never touches real data.
The same environment is given to this process (`setup_django`), to `manage.py` commands (`manage`)
and to the server (`serve`), so they all share one database and one set of keys.

Not a benchmark itself (the Makefile runs bench/bench_*.py).
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Settings a benchmark must not inherit from the caller's shell (a benchmark may pass some back).
IGNORED = ("DATABASE_URL", "REDIS_URL", "ENCRYPTION_KEYS_FILE", "SECRET_KEY_FILE", "SANDBOX_BASE_URL")
PRODUCT_APP = "orderdesk_admin.asgi:application"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(var_dir: str | Path, port: int | None = None, **overrides: str) -> dict[str, str]:
    """This process's environment without `IGNORED`, plus production settings on `var_dir`; with
    `port`, SITE_URL is that loopback origin. `overrides` are set last."""
    env = {name: value for name, value in os.environ.items() if name not in IGNORED}
    env.update(
        DJANGO_SETTINGS_MODULE="orderdesk_admin.settings",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",  # plain http on loopback
        SECRET_KEY=secrets.token_urlsafe(50),
        ENCRYPTION_KEYS="v1:" + base64.b64encode(os.urandom(32)).decode(),
        VAR_DIR=str(var_dir),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    if port is not None:
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    env.update(overrides)
    return env


def setup_django(env: dict[str, str]) -> None:
    """Make `env` this process's environment and set Django up in it."""
    for name in IGNORED:
        os.environ.pop(name, None)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sandbox_owner_and_store(team: str):
    """In a freshly migrated database: a team named `team`, its owner's Actor, and a sandbox Store (20
    orders) with the sandbox's own bucket switched off, so the figures are the app's, not the pacing's."""
    from django.core.management import call_command

    from sandbox.models import SandboxStore
    from sandbox.provisioning import provision_sandbox_store
    from stores.models import Store
    from tenants.actors import Actor
    from tenants.models import Membership, Role, Tenant, User

    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.create(name=team)
    user = User.objects.create_user("owner@bench.test")
    membership = Membership.objects.create(tenant=tenant, user=user, role=Role.OWNER)
    store = provision_sandbox_store(tenant=tenant, orders=20, seed=3)
    SandboxStore.objects.filter(store=store).update(rate_limit_enabled=False)
    actor = Actor.for_membership(Membership.objects.select_related("tenant", "user").get(pk=membership.pk))
    return actor, Store.objects.select_related("tenant").get(pk=store.pk)


def manage(env: dict[str, str], *args: str) -> str:
    """Run `manage.py args…` with `env`; its stdout, stripped. A failure ends the benchmark."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args[:1])} failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip()


@contextlib.contextmanager
def serve(env: dict[str, str], port: int, app: str = PRODUCT_APP) -> Iterator[subprocess.Popen]:
    """uvicorn (one worker) serving `app` on 127.0.0.1:`port` with `env`, from the moment /healthz
    answers 200 until the block ends."""
    command = [
        sys.executable, "-m", "uvicorn", app,
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--lifespan", "on", "--no-proxy-headers", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        _wait_until_healthy(server, port)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=15)


def _wait_until_healthy(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    raise SystemExit(f"uvicorn did not become healthy within {START_TIMEOUT:g} s")
