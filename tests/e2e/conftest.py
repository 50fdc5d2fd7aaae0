"""Browser tests against the real app: uvicorn serving the whole ASGI stack (pages, htmx, WebSockets,
/mcp, sandbox) on a free port, with a fresh SQLite database and keyring in a temporary directory,
driven by Playwright in Debian's Chromium.

Each test gets a fresh browser context and page whose console errors, uncaught exceptions and CSP
violations are collected; a test that leaves any behind fails at teardown. When a test fails, the
server's log lines written during it are attached to the report.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import PageProblems, Server

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
STARTUP_TIMEOUT = 60.0
# Environment variables of the machine that must not reach the server under test: CI runs the suite
# once on PostgreSQL and Redis, and the browser tests always use their own SQLite file.
SCRUBBED_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "SANDBOX_BASE_URL",
    "ALLOWED_HOSTS",
    "MCP_ALLOWED_ORIGINS",
    "ENCRYPTION_KEYS",
    "ENCRYPTION_KEYS_FILE",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "EMAIL_HOST",
    "SIGNUP_OPEN",
    "TRUSTED_PROXIES",
)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(needs_chromium)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    server: Server | None = getattr(item, "_e2e_server", None)
    if report.failed and server is not None:
        start = getattr(item, "_e2e_log_offset", 0)
        report.sections.append(("uvicorn log (during this test)", server.log_since(start)[-20_000:]))
    return report


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(server: Server, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"uvicorn exited with {proc.returncode} while starting:\n{server.log_since(0)}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process; the tests themselves never sleep
    pytest.fail(f"uvicorn did not answer /healthz within {STARTUP_TIMEOUT:.0f} s:\n{server.log_since(0)}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app as a newcomer runs it (`make run`), but on a free port with its own var/ directory."""
    var_dir = tmp_path_factory.mktemp("e2e-var")
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_ENV}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "orderdesk_admin.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "true",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(var_dir / "mail"),
            "API_KEY_BCRYPT_ROUNDS": "4",
            # Every sign-in of the suite comes from 127.0.0.1: the per-address limits stay in force.
            "RATE_MAGIC_LINK_PER_IP": "1000/h",
            "PYTHONUNBUFFERED": "1",
        }
    )
    server = Server(
        url=f"http://127.0.0.1:{port}",
        var_dir=var_dir,
        mail_dir=var_dir / "mail",
        log_path=var_dir / "uvicorn.log",
        env=env,
        python=sys.executable,
        repo=REPO,
    )
    server.manage("migrate", "--noinput")
    with server.log_path.open("ab") as log:
        command = [sys.executable, "-m", "uvicorn", "orderdesk_admin.asgi:application", "--host", "127.0.0.1"]
        proc = subprocess.Popen(
            [*command, "--port", str(port), "--lifespan", "on", "--no-proxy-headers"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(server, proc)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(autouse=True)
def _server_log_for_report(request: pytest.FixtureRequest) -> None:
    """Remember where the server log stood when the test started, for the failure report."""
    if "server" in request.fixturenames:
        server: Server = request.getfixturevalue("server")
        request.node._e2e_server = server
        request.node._e2e_log_offset = server.log_size()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def new_context(browser, server: Server, problems: PageProblems):
    """Make browser contexts on the server's origin; each page's console errors are collected."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(15_000)
        problems.watch(context)
        contexts.append(context)
        return context

    yield make
    try:
        problems.assert_none()
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def context(new_context):
    return new_context()


@pytest.fixture
def page(context):
    return context.new_page()
