"""Journey: a newcomer signs up by e-mail, confirms the link, lands on the dashboard with a sandbox
store, and signs out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import unique_email

pytestmark = pytest.mark.e2e


def test_it_signs_up_with_a_magic_link_and_gets_a_sandbox_store(page, server):
    address = unique_email("newcomer")
    page.goto("/signup/")
    expect(page.get_by_role("heading", name="Create your team")).to_be_visible()
    page.get_by_label("E-mail address").fill(address)
    page.get_by_label("Organisation name").fill("Newcomer Goods")
    page.get_by_role("button", name="E-mail me a sign-up link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    link = server.magic_link(address)
    page.goto(link)
    expect(page.get_by_role("heading", name="Finish creating your team")).to_be_visible()

    # The confirm page changed nothing: nobody is signed in, and the same link still works below.
    page.goto("/stores/")
    expect(page).to_have_url(f"{server.url}/login/?next=/stores/")
    page.goto(link)
    page.get_by_role("button", name="Create my team").click()

    expect(page).to_have_url(f"{server.url}/")
    expect(page.get_by_role("heading", name="Newcomer Goods", level=1)).to_be_visible()
    expect(page.get_by_text(address)).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stores").click()
    expect(page.get_by_role("heading", name="Stores", level=1)).to_be_visible()
    sandbox_row = page.get_by_role("row").filter(has_text="Sandbox")
    expect(sandbox_row).to_have_count(1)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server.url}/login/")
    page.goto("/stores/")
    expect(page).to_have_url(f"{server.url}/login/?next=/stores/")


def test_it_refuses_a_used_link(page, server, problems):
    problems.allow(r"status of 400 \(Bad Request\) \(http://[^ ]+/auth/magic/")  # the refusal's status
    address = unique_email("twice")
    page.goto("/signup/")
    page.get_by_label("E-mail address").fill(address)
    page.get_by_role("button", name="E-mail me a sign-up link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = server.magic_link(address)
    page.goto(link)
    page.get_by_role("button", name="Create my team").click()
    expect(page).to_have_url(f"{server.url}/")

    page.get_by_role("button", name="Sign out").click()
    page.goto(link)  # opening a used link already says so: no confirm button, no account named
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(page.get_by_role("button", name="Create my team")).to_have_count(0)
    expect(page.get_by_role("alert")).not_to_be_empty()
