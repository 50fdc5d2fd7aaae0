"""Helpers of the browser tests: the server under test, its mailbox, sign-in, and page problems."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult
from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, Route, expect

# The file e-mail backend ends every message with a line of 79 dashes.
MESSAGE_SEPARATOR = b"-" * 79 + b"\n"

# Reports a CSP violation even where Chromium's own console message would be missed (for example
# in a frame); the init script is injected by the browser, so the policy does not block it.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`
    + ` in ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


@dataclass
class Server:
    """The uvicorn process under test and what it writes: its log and its e-mails."""

    url: str
    var_dir: Path
    mail_dir: Path
    log_path: Path
    env: dict[str, str]
    python: str
    repo: Path

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database; its stdout, stripped."""
        result = subprocess.run(
            [self.python, "manage.py", *args],
            cwd=self.repo,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout.strip()

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    # --- Mail ---------------------------------------------------------------------------------------

    def messages(self) -> list[EmailMessage]:
        """Every message sent so far, oldest first."""
        found = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: (p.stat().st_mtime_ns, p.name)):
            for chunk in path.read_bytes().split(MESSAGE_SEPARATOR):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk.strip(b"\n"), policy=email.policy.default))
        return found

    def newest_message(self, to: str) -> EmailMessage:
        mine = [m for m in self.messages() if to.lower() in str(m["To"]).lower()]
        assert mine, f"no e-mail was sent to {to}"
        return mine[-1]

    def magic_link(self, to: str) -> str:
        """The sign-in or sign-up link of the newest message sent to an address."""
        message = self.newest_message(to)
        text = message.get_body(preferencelist=("plain",)).get_content()
        links = re.findall(re.escape(self.url) + r"/auth/magic/[^\s/]+/", text)
        assert links, f"the newest e-mail to {to} has no link to {self.url}/auth/magic/…:\n{text}"
        return links[0]

    # --- Provisioning -----------------------------------------------------------------------------------

    def create_tenant(self, owner: str, name: str = "") -> str:
        return self.manage("create_tenant", "--email", owner, *(["--name", name] if name else []))

    def create_api_key(self, owner: str, name: str, scope: str = "read") -> str:
        return self.manage("create_api_key", "--email", owner, "--name", name, "--scope", scope)


def unique_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:10]}@e2e-{who}.test"


def sign_in(page: Page, server: Server, address: str) -> None:
    """Sign an existing user in through the real flow: /login/, the e-mailed link, the confirm button."""
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(address)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    page.goto(server.magic_link(address))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{server.url}/")
    expect(page.get_by_text(address)).to_be_visible()


def signed_in_owner(page: Page, server: Server, who: str = "owner", tenant_name: str = "") -> str:
    """A new tenant (with its sandbox store) made headlessly, and its owner signed in on `page`."""
    address = unique_email(who)
    server.create_tenant(address, tenant_name)
    sign_in(page, server, address)
    return address


def sandbox_store_ids(page: Page) -> set[str]:
    """The ids of the signed-in tenant's sandbox stores, read from the store list."""
    page.goto("/stores/")
    links = page.get_by_role("row").filter(has_text="Sandbox").get_by_role("link")
    return {
        href.strip("/").rsplit("/", 1)[-1] for href in (link.get_attribute("href") for link in links.all())
    }


def keep_upstream_calls_local(page: Page) -> None:
    """A store added with a blank base URL points at the real OrderDesk, which tests must never call.

    Its detail page loads the store's OrderDesk settings by itself (the server calls OrderDesk when the
    browser asks for the fragment), so that one fragment is answered by the browser instead. Sandbox
    stores, served by this app, are left alone.
    """
    local = sandbox_store_ids(page)

    def answer(route: Route) -> None:
        store_id = route.request.url.rstrip("/").rsplit("/", 2)[-2]
        if store_id in local:
            route.continue_()
        else:
            route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body='<div id="store-settings"><p>Not loaded: tests never call OrderDesk.</p></div>',
            )

    page.route(re.compile(r"/stores/[0-9a-f-]{36}/settings/$"), answer)


@dataclass(frozen=True)
class AgentSession:
    """What an agent saw over /mcp: its tool names and each call's result."""

    tools: list[str]
    results: dict[str, CallToolResult]


def run_agent(server: Server, key: str, calls: list[tuple[str, dict[str, Any]]]) -> AgentSession:
    """Connect the MCP SDK's client to SITE_URL/mcp with the key, list the tools and make the calls.

    The client is async and Playwright's sync API keeps an event loop of its own on this thread, so
    the agent runs on a thread of its own.
    """

    async def session() -> AgentSession:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
            transport = streamable_http_client(f"{server.url}/mcp", http_client=http)
            async with Client(transport, mode="auto") as client:
                listed = await client.list_tools()
                results = {name: await client.call_tool(name, arguments) for name, arguments in calls}
        return AgentSession(tools=[tool.name for tool in listed.tools], results=results)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, session()).result(timeout=120)


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations of every page of watched contexts."""

    found: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern`, for a test that provokes one on purpose."""
        self.allowed.append(re.compile(pattern))

    def watch(self, context: BrowserContext) -> None:
        context.add_init_script(CSP_WATCH)
        context.on("page", self._watch_page)

    def _watch_page(self, page: Page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self._page_error(page, error))

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = f"{message.text} ({message.location.get('url', '') if message.location else ''})"
        if not any(pattern.search(text) for pattern in self.allowed):
            self.found.append(f"console error on {page.url}: {text}")

    def _page_error(self, page: Page, error: Error) -> None:
        self.found.append(f"uncaught exception on {page.url}: {error.message}")

    def assert_none(self) -> None:
        assert not self.found, "the pages reported problems:\n" + "\n".join(self.found)
