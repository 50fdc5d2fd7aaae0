"""On a phone (390 px wide): the navigation folds behind Menu, and the team table's role controls fit."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import signed_in_owner, unique_email

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def overflow_px(page: Page) -> int:
    """How far the page is wider than the screen (0: no sideways scrolling), once it has loaded."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_the_navigation_folds_behind_menu_on_a_phone(page, server):
    signed_in_owner(page, server, "phone-nav")
    page.set_viewport_size(PHONE)
    page.goto("/")
    main_nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(main_nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    main_nav.get_by_role("link", name="Traces").click()
    expect(page.get_by_role("heading", name="Traces", level=1)).to_be_visible()
    assert overflow_px(page) == 0


def test_the_team_tables_role_controls_fit_on_a_phone(page, server, new_context):
    owner = signed_in_owner(page, server, "phone-team")
    member = unique_email("phone-member")
    page.goto("/team/")
    page.get_by_label("E-mail").fill(member)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("cell", name=member)).to_be_visible()
    invited = new_context().new_page()
    invited.goto(server.magic_link(member))
    invited.get_by_role("button", name="Accept and sign in").click()
    expect(invited).to_have_url(f"{server.url}/")

    page.set_viewport_size(PHONE)
    page.goto("/team/")
    role = page.get_by_label(f"Role of {member}")
    expect(role).to_be_visible()
    box = role.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    save = page.locator(f"form:has(select[aria-label='Role of {member}'])").get_by_role("button", name="Save")
    save_box = save.bounding_box()
    assert save_box is not None and save_box["x"] + save_box["width"] <= PHONE["width"]
    assert overflow_px(page) == 0
    expect(page.get_by_role("cell", name=owner)).to_be_visible()
