"""Take the README's screenshots: the app with demo data, driven by Chromium.

    .venv/bin/python scripts/screenshots.py            # writes docs/images/*.png

It serves the app the way `make run` does, but on a free port with its own temporary database and
mailbox, signs a new owner in through the e-mailed link, runs two operations in the console and
photographs the dashboard, the console and a trace. Needs Debian's Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
OWNER = "you@demo-shop.example"
VIEWPORT = {"width": 1120, "height": 720}
MAX_BYTES = 200_000  # the README stays light


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(var_dir: Path, url: str) -> dict[str, str]:
    scrubbed = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEYS", "EMAIL_HOST", "ALLOWED_HOSTS")
    env = {key: value for key, value in os.environ.items() if key not in scrubbed}
    return env | {
        "DJANGO_SETTINGS_MODULE": "orderdesk_admin.settings",
        "VAR_DIR": str(var_dir),
        "DEBUG": "true",
        "SITE_URL": url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(var_dir / "mail"),
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True)


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


def magic_link(mail_dir: Path, url: str) -> str:
    newest = max(mail_dir.glob("*.log"), key=lambda path: path.stat().st_mtime_ns)
    message = email.message_from_bytes(newest.read_bytes().split(b"-" * 79)[-2], policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    return re.findall(re.escape(url) + r"/auth/magic/[^\s/]+/", text)[0]


def sign_in(page: Page, mail_dir: Path, url: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(OWNER)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    page.goto(magic_link(mail_dir, url))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{url}/")


def run_in_console(page: Page, operation: str, **arguments: str) -> None:
    page.goto(f"/console/{operation}/")
    for name, value in arguments.items():
        page.locator(f"[name={name}]").fill(value)
    page.get_by_role("button", name=re.compile("^Run")).click()
    expect(page.locator("#console-result")).to_contain_text("ok")


def photograph(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    path = OUT / f"{name}.png"
    page.screenshot(path=path)
    size = path.stat().st_size
    print(f"{path.relative_to(REPO)}: {size // 1024} KB")
    if size > MAX_BYTES:
        raise SystemExit(f"{path.name} is over {MAX_BYTES // 1000} KB: photograph less of the page")


def take(page: Page, mail_dir: Path, url: str) -> None:
    sign_in(page, mail_dir, url)
    run_in_console(page, "stores_list")
    run_in_console(page, "orders_list", limit="5")
    page.evaluate("window.scrollTo(0, 0)")
    photograph(page, "console")
    page.locator("#console-result a[href*='/traces/']").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("orders_list")
    photograph(page, "trace")
    page.goto("/")
    photograph(page, "dashboard")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orderdesk-screenshots-") as tmp:
        var_dir = Path(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = environment(var_dir, url)
        manage(env, "migrate", "--noinput")
        manage(env, "create_tenant", "--email", OWNER, "--name", "Demo Shop")
        command = [sys.executable, "-m", "uvicorn", "orderdesk_admin.asgi:application", "--port", str(port)]
        command += ["--lifespan", "on", "--no-proxy-headers"]
        with (var_dir / "server.log").open("wb") as log:
            server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(url, server, var_dir / "server.log")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_context(base_url=url, viewport=VIEWPORT).new_page()
                take(page, var_dir / "mail", url)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
