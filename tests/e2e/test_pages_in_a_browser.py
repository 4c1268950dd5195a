"""Every page of the app renders in a real browser on the demo data, without an exception or a console error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import ARTIFACTS, open_app, wait_until_rendered

pytestmark = pytest.mark.slow


def test_every_page_renders_without_errors_and_is_captured(app_url: str, browser: Any) -> None:
    context, page, console_errors = open_app(browser, app_url)
    links = page.locator('[data-testid="stSidebarNavLink"]')
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 7, f"expected every page in the sidebar, found {hrefs}"
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for i, href in enumerate(hrefs):
        assert href is not None
        links.nth(i).click()  # as a person does: client-side navigation from the sidebar
        page.wait_for_url(href, timeout=30_000)
        wait_until_rendered(page)
        slug = href.rstrip("/").rsplit("/", 1)[-1]
        name = "home" if ":" in slug or not slug else re.sub(r"[^a-z0-9]+", "-", slug.lower())
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        exceptions = page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, f"{href}: {exceptions.first.inner_text()}"
    assert console_errors == [], console_errors
    context.close()
