"""Serving as in production: graceful shutdown, readiness, a full connection pool, the request state
several workers share, and the documented deployment files.

The process tests run on a SQLite file of their own (the default suite) or a database that cannot
be reached; none needs PostgreSQL, Redis or Docker.
"""

from __future__ import annotations

import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import psycopg_pool
import pytest
import yaml
from django.db import connection
from django.test import override_settings
from django.urls import path
from mcp.server.request_state import RequestStateBoundary

from mcp_bridge.server import build_mcp_server
from orderdesk_admin import urls as project_urls
from sandbox.models import SandboxStore
from sandbox.provisioning import provision_sandbox_store
from tests.factories import ApiKeyFactory
from tests.reliability.servers import (
    REPO,
    _free_port,
    manage,
    process_env,
    shared_backends_missing,
    sqlite_app,
    start_app_process,
    stop_app_process,
    wait_until_healthy,
)

SLOW_MS = 4000
GRACE = ("--timeout-graceful-shutdown", "30")


def _refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return True
    return False


def test_sigterm_lets_the_request_in_flight_finish_and_refuses_new_connections(tmp_path):
    app = sqlite_app(tmp_path)
    seeded = manage(app.env, "sandbox_seed", "--email", "owner@example.test", "--orders", "3")
    credentials = dict(line.split("=", 1) for line in seeded.splitlines() if "=" in line)
    app.query("UPDATE sandbox_sandboxstore SET fault_latency_ms = ?", (SLOW_MS,))
    server = start_app_process(app.env, tmp_path / "uvicorn.log", args=GRACE)
    answer: dict[str, httpx.Response] = {}

    def slow_request() -> None:
        answer["response"] = httpx.get(
            f"{server.url}/sandbox/api/v2/orders",
            headers={
                "ORDERDESK-STORE-ID": credentials["ORDERDESK_STORE_ID"],
                "ORDERDESK-API-KEY": credentials["ORDERDESK_API_KEY"],
            },
            timeout=60,
        )

    try:
        wait_until_healthy(server)
        request = threading.Thread(target=slow_request)
        request.start()
        time.sleep(1)  # the request has reached the sandbox, which now waits SLOW_MS before answering
        server.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + SLOW_MS / 1000
        while not _refuses_connections(server.url) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for the listening socket to close
        refused_while_busy = _refuses_connections(server.url) and request.is_alive()
        request.join(timeout=60)
        exit_code = server.proc.wait(timeout=60)
    finally:
        stop_app_process(server)

    assert refused_while_busy, "new connections were accepted during the shutdown"
    assert answer["response"].status_code == 200, answer["response"].text[:500]
    assert answer["response"].json()["status"] == "success"
    # uvicorn re-raises the signal it handled once it has shut down; a kill would be -SIGKILL.
    assert exit_code in {0, -signal.SIGTERM}, server.log()[-3000:]


def test_readyz_answers_503_naming_the_database_when_it_cannot_be_reached(tmp_path):
    closed_port = _free_port()
    env = process_env(
        redis=False, database_url=f"postgres://postgres@127.0.0.1:{closed_port}/nowhere", DB_POOL_TIMEOUT="2"
    )
    server = start_app_process(env, tmp_path / "uvicorn.log")
    try:
        wait_until_healthy(server)  # liveness needs no database
        response = httpx.get(f"{server.url}/readyz", timeout=30)
    finally:
        stop_app_process(server)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"].startswith("error")
    assert body["cache"] == "ok"


def _pool_timeout() -> Exception:
    """A real PoolTimeout: a pool of one connection to nowhere, asked for one for 0.2 s."""
    pool = psycopg_pool.ConnectionPool(
        f"postgresql://127.0.0.1:{_free_port()}/x", min_size=1, max_size=1, open=False
    )
    pool.open(wait=False)
    try:
        pool.getconn(timeout=0.2)
    except psycopg_pool.PoolTimeout as exc:
        return exc
    finally:
        pool.close()
    raise AssertionError("the pool handed out a connection to a closed port")


def _exhausted_view(request):
    timeout = _pool_timeout()
    with connection.wrap_database_errors:  # as Django raises it: its OperationalError, from the pool's
        raise timeout


def _crashing_view(request):
    raise RuntimeError("boom")


# The project's URLs and error handlers, and two views that fail.
urlpatterns = [path("exhausted/", _exhausted_view), path("crash/", _crashing_view), *project_urls.urlpatterns]
handler500 = project_urls.handler500


@override_settings(ROOT_URLCONF=__name__)
def test_a_request_that_finds_no_free_database_connection_gets_503_with_retry_after(client, db):
    client.raise_request_exception = False
    response = client.get("/exhausted/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert client.get("/crash/").status_code == 500  # any other crash stays a crash


def test_postgresql_waits_at_most_10_s_for_a_pooled_connection():
    env = process_env(redis=False, database_url="postgres://app@db.invalid:5432/app")
    env.pop("DB_POOL_TIMEOUT", None)
    env.pop("DB_POOL_MAX_SIZE", None)
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'pool': {'min_size': 2, 'max_size': 20, 'timeout': 10}" in printed


def _request_state_codecs(count: int) -> list:
    """The requestState codec of `count` freshly built servers (as `count` worker processes build)."""
    codecs = []
    for _ in range(count):
        server = build_mcp_server()
        boundary = next(m for m in server._lowlevel_server.middleware if isinstance(m, RequestStateBoundary))
        codecs.append(boundary._security.codec)
    return codecs


def test_a_request_state_sealed_by_one_worker_is_opened_by_another():
    first, second = _request_state_codecs(2)
    assert second.unseal(first.seal(b'{"step": 2}')) == b'{"step": 2}'


def test_the_dockerfile_builds_the_production_image_without_root():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM python:3.12-slim" in dockerfile
    assert "collectstatic" in dockerfile
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert "orderdesk_admin.asgi:application" in cmd and "--no-proxy-headers" in cmd
    assert "--timeout-graceful-shutdown" in cmd


def test_the_compose_file_runs_the_app_with_postgresql_redis_and_readiness_checks():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"app", "postgres", "redis"} <= set(services)
    app = services["app"]
    command = app["command"] if isinstance(app["command"], list) else shlex.split(app["command"])
    assert "--no-proxy-headers" in command and "--workers" in command
    assert "--timeout-graceful-shutdown" in command
    environment = app["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["REDIS_URL"].startswith("redis://")
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]
        assert app["depends_on"][name]["condition"] == "service_healthy"


def test_the_readme_documents_the_same_production_command_as_the_compose_file():
    readme = (REPO / "README.md").read_text()
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    command = compose["services"]["app"]["command"]
    command = command if isinstance(command, list) else shlex.split(command)
    for flag in ("--workers", "--timeout-graceful-shutdown", "--no-proxy-headers"):
        assert flag in readme
    grace = command[command.index("--timeout-graceful-shutdown") + 1]
    assert f"--timeout-graceful-shutdown {grace}" in readme


@pytest.mark.django_db(transaction=True)
def test_an_mcp_call_that_finds_no_free_database_connection_gets_503_with_retry_after(acme, tmp_path):
    """A process with a pool of one connection, held by a slow sandbox request: a /mcp call waits
    DB_POOL_TIMEOUT for a connection to check its key, then is told to come back."""
    reason = shared_backends_missing(redis=False)
    if reason:
        pytest.skip(reason)
    store = provision_sandbox_store(tenant=acme, orders=2, seed=9)
    SandboxStore.objects.filter(store=store).update(fault_latency_ms=SLOW_MS)
    raw_key = ApiKeyFactory(tenant=acme, scope="read").raw
    env = process_env(redis=False, DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="1", DB_POOL_TIMEOUT="1")
    server = start_app_process(env, tmp_path / "uvicorn.log")
    sandbox_headers = {
        "ORDERDESK-STORE-ID": store.orderdesk_store_id,
        "ORDERDESK-API-KEY": store.get_api_key(),
    }
    try:
        wait_until_healthy(server)
        holder = threading.Thread(
            target=httpx.get,
            args=(f"{server.url}/sandbox/api/v2/orders",),
            kwargs={"headers": sandbox_headers, "timeout": 60},
        )
        holder.start()
        time.sleep(1)  # the sandbox request now holds the pool's only connection for SLOW_MS
        response = httpx.post(
            f"{server.url}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
            headers={
                "Authorization": f"Bearer {raw_key}",
                "Accept": "application/json, text/event-stream",
                "MCP-Protocol-Version": "2025-11-25",
            },
            timeout=30,
        )
        holder.join(timeout=60)
    finally:
        stop_app_process(server)

    assert response.status_code == 503, (response.status_code, response.text[:300], server.log()[-2000:])
    assert int(response.headers["Retry-After"]) > 0
