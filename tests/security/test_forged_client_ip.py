"""A client cannot choose its own address by sending X-Forwarded-For.

uvicorn's proxy headers (on by default, trusting 127.0.0.1) rewrote the client address from the
header before the app's TRUSTED_PROXIES rule ran: a caller on loopback sending a new
X-Forwarded-For each time walked past the per-IP limits (75 bcrypt checks in 12 s against a budget
of 10 failed authentications a minute) and wrote the forged addresses into the audit log. Here the
app runs under a real uvicorn, started the way `make run` starts it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kernel.middleware import resolve_client_ip
from orderdesk_admin.proxy_headers import ServerProxyHeadersRefused
from tests.reliability.servers import SERVE

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0
# The caller's shell must not point the server at this run's databases or another origin.
SCRUBBED_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "SANDBOX_BASE_URL",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "MCP_ALLOWED_ORIGINS",
)
AUTH_FAILURES_PER_MINUTE = 10


def make_run_command(port: int) -> list[str]:
    """The uvicorn command of `make run`, read from the Makefile, on `port`."""
    recipe = (REPO / "Makefile").read_text().split("\nrun:", 1)[1]
    line = next(line for line in recipe.splitlines() if "$(BIN)/uvicorn" in line)
    line = line[line.index("$(BIN)/uvicorn") :]
    words = shlex.split(line.replace("$(HOST)", "127.0.0.1").replace("$(PORT)", str(port)))
    return [sys.executable, "-m", "uvicorn", *words[1:]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A standalone app (its own VAR_DIR and SQLite file, migrated) with no trusted proxies."""
    var_dir = tmp_path_factory.mktemp("forged-ip-var")
    env = {name: value for name, value in os.environ.items() if name not in SCRUBBED_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="orderdesk_admin.settings",
        VAR_DIR=str(var_dir),
        DEBUG="true",
        TRUSTED_PROXIES="",
        RATE_MCP_AUTH_FAILURES_PER_IP=f"{AUTH_FAILURES_PER_MINUTE}/m",
        API_KEY_BCRYPT_ROUNDS="4",
        PYTHONUNBUFFERED="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


@contextlib.contextmanager
def uvicorn(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    with log_path.open("ab") as log:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_healthy(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"uvicorn exited with {proc.returncode}:\n{log_path.read_text()[-5000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process
    pytest.fail(
        f"uvicorn did not answer /healthz in {STARTUP_TIMEOUT:.0f} s:\n{log_path.read_text()[-5000:]}"
    )


def bad_key_from(http: httpx.Client, forged_ip: str) -> int:
    response = http.post(
        "/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={
            "Authorization": "Bearer odk_1_not-a-real-secret",
            "Accept": "application/json, text/event-stream",
            "X-Forwarded-For": forged_ip,
        },
    )
    return response.status_code


@pytest.mark.parametrize("launch", ["make run", "test harness"])
def test_a_rotating_forwarded_for_from_loopback_does_not_escape_the_mcp_failure_limit(
    app_env, tmp_path, launch
):
    port = _free_port()
    command = make_run_command(port) if launch == "make run" else [*SERVE, "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    env = {**app_env, "SITE_URL": url}
    log_path = tmp_path / "uvicorn.log"

    with uvicorn(command, env, log_path) as proc:
        wait_until_healthy(proc, url, log_path)
        with httpx.Client(base_url=url, timeout=10) as http:
            statuses = [bad_key_from(http, f"198.51.100.{n}") for n in range(AUTH_FAILURES_PER_MINUTE + 5)]

    assert statuses[:AUTH_FAILURES_PER_MINUTE] == [401] * AUTH_FAILURES_PER_MINUTE
    assert set(statuses[AUTH_FAILURES_PER_MINUTE:]) == {429}, statuses
    with contextlib.closing(sqlite3.connect(Path(app_env["VAR_DIR"]) / "db.sqlite3")) as db:
        audited = {
            ip for (ip,) in db.execute("SELECT ip FROM tenants_auditevent WHERE action = 'key.auth_failed'")
        }
    assert audited == {"127.0.0.1"}


def test_the_app_refuses_to_start_under_uvicorn_proxy_headers(app_env, tmp_path):
    port = _free_port()
    command = [arg for arg in make_run_command(port) if arg != "--no-proxy-headers"]
    log_path = tmp_path / "uvicorn.log"

    with uvicorn(command, {**app_env, "SITE_URL": f"http://127.0.0.1:{port}"}, log_path) as proc:
        try:
            returncode = proc.wait(timeout=STARTUP_TIMEOUT)
        except subprocess.TimeoutExpired:
            returncode = None

    assert returncode not in (None, 0)
    assert "--no-proxy-headers" in log_path.read_text()


async def test_with_the_lifespan_off_every_request_is_refused_instead():
    """Under uvicorn's rewrite (here its middleware itself, in front of the guard)."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    served = []

    async def app(scope, receive, send):
        served.append(scope["client"])

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    server = ProxyHeadersMiddleware(ServerProxyHeadersRefused(app), trusted_hosts="127.0.0.1")
    scope = {
        "type": "http",
        "client": ("127.0.0.1", 5000),
        "headers": [(b"x-forwarded-for", b"198.51.100.9")],
    }
    await server(scope, None, send)

    assert served == [] and sent[0]["status"] == 500


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        ([], "127.0.0.1", "198.51.100.1", "127.0.0.1"),  # loopback is not a proxy unless configured
        ([], "::1", "198.51.100.1", "::1"),
        (["127.0.0.1"], "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        (["127.0.0.1"], "127.0.0.1", "203.0.113.5, 198.51.100.1", "198.51.100.1"),  # the left is the client's
        (["10.0.0.0/8"], "10.1.2.3", "198.51.100.1, 10.9.9.9", "198.51.100.1"),
        (["10.0.0.0/8"], "192.0.2.4", "198.51.100.1", "192.0.2.4"),  # not from our proxy: the peer
        (["10.0.0.0/8"], "10.1.2.3", "10.4.4.4, 10.9.9.9", "10.1.2.3"),  # only proxies: the peer
        (["10.0.0.0/8"], "10.1.2.3", "garbage", "10.1.2.3"),
    ],
)
def test_only_trusted_proxies_name_the_client(settings, trusted, peer, forwarded, client):
    settings.TRUSTED_PROXIES = trusted
    assert resolve_client_ip(peer, forwarded) == client


def test_every_served_command_keeps_the_peer_address():
    """The Makefile, the README's production command and the multi-process test harness."""
    readme = (REPO / "README.md").read_text()
    served = [line for line in readme.splitlines() if re.search(r"bin/uvicorn\s", line)]
    assert served and all("--no-proxy-headers" in line for line in served)
    assert "--no-proxy-headers" in make_run_command(8000)
    assert "--no-proxy-headers" in SERVE
