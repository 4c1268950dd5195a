"""What every browser test does: open the app with the console watched, wait for Streamlit to settle, and
follow a sidebar link as a person does. pytest puts tests/e2e on sys.path (rootdir-relative, no __init__.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_MS = 60_000


def wait_until_rendered(page: Any) -> None:
    """The page's title has arrived, no script run is in progress, and the page has stopped growing for a
    second, watched from this call on (a count remembered from an earlier call could let a wait right after a
    click pass before the click's rerun has started)."""
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stHeading"]', timeout=WAIT_MS)
    page.evaluate("() => { window.__lastCount = -1; }")
    page.wait_for_function(
        """() => {
            const busy = document.querySelector('[data-testid="stStatusWidget"]');
            const n = document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').length;
            const w = window;
            if (busy || n !== w.__lastCount) { w.__lastCount = n; w.__stableSince = Date.now(); return false; }
            return Date.now() - w.__stableSince > 1000;
        }""",
        timeout=WAIT_MS,
        polling=200,
    )


def open_app(browser: Any, url: str, **context_options: Any) -> tuple[Any, Any, list[str]]:
    """A new browser context on ``url``, rendered: (context, page, console errors, filled as they happen)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, **context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    wait_until_rendered(page)
    return context, page, errors


def open_page(page: Any, title: str) -> None:
    """Click the page's sidebar link, as a person does, wait until it has rendered, and check it shows no
    exception."""
    link = page.get_by_test_id("stSidebarNavLink").filter(has=page.get_by_text(title, exact=True))
    href = link.get_attribute("href")
    assert href is not None, f"no sidebar link to {title}"
    link.click()
    page.wait_for_url(href, timeout=WAIT_MS)
    page.get_by_test_id("stMain").get_by_role("heading", name=title, exact=True).first.wait_for(
        timeout=WAIT_MS
    )
    wait_until_rendered(page)
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, f"{title}: {exceptions.first.inner_text()}"
