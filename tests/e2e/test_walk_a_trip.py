"""A person's walk through the app in a real browser: plan a trip through a few steps, ask the assistant (served
by the local fake provider), download a proposal PDF, then look at Costs and Quality; the console stays clean."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import ARTIFACTS as ALL_ARTIFACTS
from browser_helpers import WAIT_MS, open_app, open_page, wait_until_rendered
from playwright.sync_api import expect

ARTIFACTS = ALL_ARTIFACTS / "walk"
FAKE_MODEL = "assistant"  # the lab provider's model in conftest's lab_config
FAKE_REPLY = "Book the Alfama walking tour first; it sells out weeks ahead (fake provider reply)."
STEPS_TO_WALK = 3

pytestmark = pytest.mark.slow


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def current_step(page: Any) -> int:
    """The number in the current step's heading, "Step N: Title"."""
    heading = page.get_by_test_id("stMain").get_by_role("heading", name=re.compile(r"^Step \d+: "))
    text = heading.first.inner_text(timeout=WAIT_MS)
    match = re.match(r"Step (\d+):", text)
    assert match, text
    return int(match.group(1))


def pick_a_trip_in_planning(page: Any) -> str:
    """Open the Trip selectbox, search it, and choose the first trip whose status is planning; returns its label."""
    main = page.get_by_test_id("stMain")
    main.get_by_test_id("stSelectbox").filter(has_text="Trip").first.click()
    page.keyboard.type("planning")  # the list is virtualised: type to search, as its help says
    option = page.get_by_role("option").filter(has_text=" · planning · ").first
    option.wait_for(timeout=WAIT_MS)
    label = option.inner_text().strip()
    option.click()
    wait_until_rendered(page)
    assert label in chosen_trip(page)
    return label


def chosen_trip(page: Any) -> str:
    """What the Trip selectbox shows (drawn as text, or as the value of its search input)."""
    box = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Trip").first
    return f"{box.inner_text()} {box.locator('input').first.input_value()}"


def walk_one_step(page: Any) -> None:
    """Tick every item of the current step's checklist, click "Mark step done", see the next step current.

    The tracker counts what the store holds ("N. Title · k/n" after its status icon), so each click waits for
    its tick to be stored before the next: a generic "page settled" wait can pass before a click's rerun has
    even started."""
    main = page.get_by_test_id("stMain")
    before = current_step(page)

    def tracked(count: int | str) -> Any:
        return main.get_by_text(re.compile(rf"(^|\s){before}\. .+ · {count}/(\d+)$")).first

    line = tracked(r"\d+")
    line.wait_for(timeout=WAIT_MS)
    match = re.search(r"· (\d+)/(\d+)$", line.inner_text())
    assert match, line.inner_text()
    ticked, n = int(match.group(1)), int(match.group(2))
    items = main.get_by_test_id("stCheckbox").filter(has_not_text="Force:")
    expect(items).to_have_count(n, timeout=WAIT_MS)
    wait_until_rendered(page)
    for i in range(n):
        if not items.nth(i).get_by_role("checkbox").is_checked():
            items.nth(i).locator("label").click()
            ticked += 1
            tracked(ticked).wait_for(timeout=WAIT_MS)
    assert ticked == n, f"step {before}: {ticked} of {n} items ticked"
    wait_until_rendered(page)
    main.get_by_role("button", name=re.compile("Mark step done")).click()
    main.get_by_role("heading", name=re.compile(rf"^Step {before + 1}: ")).wait_for(timeout=WAIT_MS)
    wait_until_rendered(page)
    assert current_step(page) == before + 1
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def test_walk_a_trip_from_planning_to_the_dashboards(
    lab_app_url: str, browser: Any, fake_provider: Any
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "failure.png").unlink(missing_ok=True)  # a failure screenshot is only from this run
    context, page, console_errors = open_app(browser, lab_app_url, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    try:
        main = page.get_by_test_id("stMain")

        # Plan: choose a trip in planning (starting its workflow if it has not been), then walk a few steps.
        open_page(page, "Plan")
        trip = pick_a_trip_in_planning(page)
        start = main.get_by_role("button", name="Start planning this trip")
        if start.count():
            start.click()
            wait_until_rendered(page)
        first = current_step(page)
        assert first + STEPS_TO_WALK <= 12, (
            f"{trip} is at step {first}: too late to walk {STEPS_TO_WALK} steps"
        )
        shot(page, "01-plan-trip-picked")
        for _ in range(STEPS_TO_WALK):
            walk_one_step(page)
        assert current_step(page) == first + STEPS_TO_WALK
        shot(page, "02-plan-steps-walked")

        # The assistant: a question typed and sent with Enter; wait for the answer's text itself (not for a
        # spinner), since the answer may arrive in one piece or streamed.
        fake_provider.configure(FAKE_MODEL, reply=FAKE_REPLY)
        asked = fake_provider.stats().count(FAKE_MODEL)
        question = "What should the client book first?"
        chat = main.get_by_test_id("stChatInputTextArea")
        chat.fill(question)
        chat.press("Enter")
        answer = main.get_by_test_id("stChatMessage").filter(has_text=FAKE_REPLY)
        answer.first.wait_for(timeout=WAIT_MS)
        answer.get_by_text(re.compile(rf"Model: lab/{FAKE_MODEL} · cost \$\d")).first.wait_for(
            timeout=WAIT_MS
        )
        wait_until_rendered(page)
        assert main.get_by_test_id("stChatMessage").filter(has_text=question).count() >= 1
        assert fake_provider.stats().count(FAKE_MODEL) > asked, (
            "the answer did not come from the fake provider"
        )
        shot(page, "03-plan-assistant-answered")

        # Documents: render a proposal PDF (the trip is remembered across pages) and download it.
        open_page(page, "Documents")
        assert trip in chosen_trip(page), "the trip chosen on Plan is not remembered on Documents"
        formats = main.get_by_test_id("stMultiSelect").filter(has_text="Formats")
        assert "pdf" in formats.inner_text().lower(), formats.inner_text()
        main.get_by_role("button", name=re.compile("Render a new proposal")).click()
        main.get_by_test_id("stAlertContentSuccess").filter(has_text="Rendered proposal").wait_for(
            timeout=WAIT_MS
        )
        wait_until_rendered(page)
        download_button = main.get_by_role("button", name=re.compile("Download PDF"))
        with page.expect_download(timeout=WAIT_MS) as info:
            download_button.click()
        download = info.value
        saved = ARTIFACTS / download.suggested_filename
        download.save_as(saved)
        assert saved.suffix == ".pdf", saved
        assert saved.read_bytes().startswith(b"%PDF"), f"{saved} is no PDF"
        shot(page, "04-documents-proposal")

        # The dashboards render.
        open_page(page, "Costs")
        shot(page, "05-costs")
        open_page(page, "Quality & latency")
        shot(page, "06-quality")
    except Exception:
        shot(page, "failure")
        raise
    finally:
        context.close()
    assert console_errors == [], console_errors
