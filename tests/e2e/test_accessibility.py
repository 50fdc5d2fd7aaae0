"""An axe-core scan of the main pages, in light and in dark mode: no serious or critical violations.

axe-core comes bundled in the `axe-playwright-python` dev dependency (a pinned wheel), so CI installs it
from pyproject.toml like every other test tool; nothing is fetched while the tests run.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.helpers import sandbox_store_ids, signed_in_owner

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}
# The WCAG 2.x A and AA rules plus axe's best practices (landmarks, headings, region).
OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}
}


def blocking_violations(page: Page) -> list[str]:
    """Scan the settled page: requests made on load answered, fades finished (axe measures a half-faded
    "Loading…" as faint text)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    results = Axe().run(page, options=OPTIONS).response
    return [
        f"{page.url} {v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def signed_in_pages(page: Page, server) -> list[str]:
    """Paths of the main signed-in pages, after one console run so there is a trace to open."""
    signed_in_owner(page, server, "a11y")
    (sandbox_id,) = sandbox_store_ids(page)
    page.goto("/console/stores_list/")
    page.get_by_role("button", name=re.compile("^Run")).click()
    expect(page.locator("#console-result")).to_contain_text("stores")
    trace = page.locator("#console-result a[href*='/traces/']").first.get_attribute("href")
    return [
        "/",
        "/stores/",
        f"/stores/{sandbox_id}/",
        "/console/",
        "/console/orders_list/",
        "/traces/",
        trace,
        "/keys/",
        "/team/",
        "/audit/",
        "/sandbox/",
        f"/sandbox/{sandbox_id}/",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_main_pages_have_no_serious_accessibility_violations(new_context, server, scheme):
    context = new_context(color_scheme=scheme)
    page = context.new_page()
    found: list[str] = []
    for path in signed_in_pages(page, server):
        page.goto(path)
        found += blocking_violations(page)
    anonymous = new_context(color_scheme=scheme).new_page()
    for path in ("/login/", "/signup/"):
        anonymous.goto(path)
        found += blocking_violations(anonymous)
    assert not found, "\n".join(found)
