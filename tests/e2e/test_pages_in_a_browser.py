"""Every page of the app renders in a real browser on the demo data, without an exception or a console error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.slow


def wait_until_rendered(page: Any) -> None:
    """The page's title has arrived, no script run is in progress, and the page has stopped growing."""
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stHeading"]', timeout=60_000)
    page.wait_for_function(
        """() => {
            const busy = document.querySelector('[data-testid="stStatusWidget"]');
            const n = document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').length;
            const w = window;
            if (busy || n !== w.__lastCount) { w.__lastCount = n; w.__stableSince = Date.now(); return false; }
            return Date.now() - w.__stableSince > 1000;
        }""",
        timeout=60_000,
        polling=200,
    )


def test_every_page_renders_without_errors_and_is_captured(app_url: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.goto(app_url)
    wait_until_rendered(page)
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
