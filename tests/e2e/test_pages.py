"""Every page of a signed-in owner renders under the strict CSP with no console error, no uncaught
exception and no CSP violation (an inline script or style attribute would be one)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import sandbox_store_ids, signed_in_owner

pytestmark = pytest.mark.e2e


def test_it_renders_every_page_without_console_errors(page, server, problems):
    signed_in_owner(page, server, "pages")
    (sandbox_id,) = sandbox_store_ids(page)
    pages = [
        "/",
        "/stores/",
        "/stores/add/",
        f"/stores/{sandbox_id}/",
        f"/stores/{sandbox_id}/edit/",
        f"/stores/{sandbox_id}/delete/",
        "/sandbox/",
        f"/sandbox/{sandbox_id}/",
        "/console/",
        "/console/orders_list/",
        "/console/products_update_batch/",
        "/traces/",
        "/traces/?live=on",
        "/keys/",
        "/audit/",
        "/team/",
    ]
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, (
            f"{path} answered {response and response.status}"
        )
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if path == f"/stores/{sandbox_id}/":
            # The settings fragment loads by itself after the page: wait for it too.
            expect(page.get_by_role("region", name="OrderDesk settings and folders")).to_contain_text(
                "Shipped"
            )
        problems.assert_none()
