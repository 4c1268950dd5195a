"""Dragging items on the Itinerary board in a real browser changes the order in the store.

The board is ``streamlit-sortables`` (dnd-kit in an iframe). dnd-kit's mouse sensor starts a drag only after
the pointer has moved 10 px with the button down, and tracks the pointer through ``mousemove`` events, so the
drags below are real mouse down / many small moves / up, as a person makes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import ARTIFACTS, open_app, open_page, wait_until_rendered

from app.components.itinerary import board_of
from core.config import load_settings
from core.security import Principal
from core.travel import TravelService, TripPlan

BOARD = 'iframe[title="streamlit_sortables.sortable_items"]'
ME = Principal.default_admin()

pytestmark = pytest.mark.slow


def shown_plan(config: Path) -> TripPlan:
    """The trip the Itinerary page opens on (the first the trip picker lists)."""
    with TravelService.open(load_settings(config)) as service:
        trip = service.list_trips(ME, limit=500)[0]
        assert trip.id is not None
        return service.get_trip_plan(ME, trip.id)


def order(config: Path, trip_id: int) -> dict[int | None, list[int]]:
    """Day id (None: unscheduled) -> item ids by position, as stored."""
    plan = shown_plan(config)
    assert plan.trip.id == trip_id
    out: dict[int | None, list[int]] = {
        d.day.id: [i.id for i in sorted(d.items, key=lambda i: i.position) if i.id] for d in plan.days
    }
    out[None] = [i.id for i in plan.unscheduled if i.id]
    return out


def labels(plan: TripPlan) -> dict[int, str]:
    """Item id -> its text on the board."""
    return {item_id: label for label, item_id in board_of(plan, {}).items.items()}


def drag(page: Any, source: Any, target: Any, *, below: bool = False) -> None:
    """Press on ``source``, move to ``target`` (its upper or lower part) in small steps, release."""
    a, b = source.bounding_box(), target.bounding_box()
    assert a and b, "both cards are on screen"
    x0, y0 = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2
    x1, y1 = b["x"] + b["width"] / 2, b["y"] + b["height"] * (0.8 if below else 0.2)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 4, y0 + 12, steps=4)  # past the 10 px activation distance
    page.mouse.move(x1, y1, steps=25)
    page.mouse.move(x1, y1 + 1, steps=2)  # let dnd-kit settle on the drop target
    page.mouse.up()


@pytest.fixture
def demo_trip(seeded_config: Path) -> Iterator[TripPlan]:
    """The trip the Itinerary page opens on, with an untimed note first on its busiest day (timed items stay
    in time order; a note moves freely). Its items and order are put back afterwards (through the store), so
    the other browser tests, and the screenshots they take, see the demo as seeded."""
    plan = shown_plan(seeded_config)
    assert plan.trip.id is not None
    before = order(seeded_config, plan.trip.id)
    busy = max((d for d in before if d is not None), key=lambda d: len(before[d]))
    with TravelService.open(load_settings(seeded_config)) as service:
        note = service.add_item(ME, plan.trip.id, day_id=busy, position=0, kind="note", title="Vouchers").id
    yield shown_plan(seeded_config)
    with TravelService.open(load_settings(seeded_config)) as service:
        assert note is not None
        service.remove_item(ME, note)
        service.apply_board(ME, plan.trip.id, before)


def announced(board: Any, words: str) -> None:
    """dnd-kit's screen-reader announcement (its live region) says ``words``: what a keyboard user hears."""
    board.locator('[id^="DndLiveRegion"]', has_text=words).wait_for(state="attached", timeout=10_000)


def saved(page: Any) -> None:
    """The page has stored the drop and redrawn itself (with a fresh board)."""
    page.get_by_text("Saved the new order").wait_for(timeout=30_000)
    wait_until_rendered(page)
    page.frame_locator(BOARD).locator(".sortable-item").first.wait_for(timeout=30_000)


def test_dragging_on_the_board_reorders_a_day_and_moves_an_item_to_another_day(
    app_url: str, seeded_config: Path, browser: Any, demo_trip: TripPlan
) -> None:
    plan = demo_trip
    assert plan.trip.id is not None
    trip_id = plan.trip.id
    before = order(seeded_config, trip_id)
    busy = max((d for d in before if d is not None), key=lambda d: len(before[d]))
    target = next(d for d, ids in before.items() if d not in (None, busy) and ids)
    text = labels(plan)

    context, page, console_errors = open_app(browser, app_url)
    open_page(page, "Itinerary")
    board = page.frame_locator(BOARD)

    def card(item_id: int) -> Any:
        found = board.locator(".sortable-item", has_text=text[item_id])
        found.first.wait_for(timeout=30_000)
        return found.first

    # 1. Within a day: the untimed note at the top of the busy day goes to the bottom.
    note = next(i.id for d in plan.days for i in d.items if i.title == "Vouchers")
    assert note is not None and before[busy][0] == note
    last = before[busy][-1]
    card(note).scroll_into_view_if_needed()
    drag(page, card(note), card(last), below=True)
    saved(page)

    after = order(seeded_config, trip_id)
    assert after[busy] == [*before[busy][1:], note]
    assert all(after[d] == before[d] for d in before if d != busy)

    # 2. To another day: a timed item of the busy day is dropped on the target day. It takes that day's date,
    # keeps its local time, and goes where its time puts it.
    moving = after[busy][0]
    with TravelService.open(load_settings(seeded_config)) as service:
        start = service.get_item(ME, moving).start_local
        target_date = service.get_day(ME, target).date
    drag(page, card(moving), card(after[target][-1]), below=True)
    saved(page)

    final = order(seeded_config, trip_id)
    assert moving not in final[busy] and moving in final[target]
    assert final[busy] == after[busy][1:]
    assert sorted(final[target]) == sorted([*after[target], moving])
    assert all(final[d] == after[d] for d in final if d not in (busy, target))
    with TravelService.open(load_settings(seeded_config)) as service:
        moved = service.get_item(ME, moving)
    if start is not None:
        assert moved.start_local is not None
        assert (moved.start_local.date(), moved.start_local.time()) == (target_date, start.time())

    ARTIFACTS.joinpath("screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "itinerary-board.png"), full_page=True)
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert console_errors == [], console_errors
    context.close()


def test_the_board_also_works_from_the_keyboard(
    app_url: str, seeded_config: Path, browser: Any, demo_trip: TripPlan
) -> None:
    plan = demo_trip
    assert plan.trip.id is not None
    before = order(seeded_config, plan.trip.id)
    busy = max((d for d in before if d is not None), key=lambda d: len(before[d]))
    first, second = before[busy][:2]  # the untimed note, then the day's first timed item

    context, page, console_errors = open_app(browser, app_url)
    open_page(page, "Itinerary")
    board = page.frame_locator(BOARD)
    text = labels(plan)
    card = board.locator(".sortable-item", has_text=text[first]).first
    card.wait_for(timeout=30_000)

    card.focus()
    page.keyboard.press("Space")  # pick up (dnd-kit's keyboard sensor)
    board.locator(".sortable-item.dragging").wait_for(timeout=10_000)  # the drag overlay is up
    # dnd-kit listens for the arrow keys only from a setTimeout(0) it schedules on pick-up, so a key pressed
    # before that has run is lost (it was, now and then, on a busy machine). Timers of one window with the
    # same delay run in the order they were set, so once a setTimeout(0) set now has run, the sensor listens.
    frame = page.locator(BOARD).element_handle().content_frame()
    assert frame is not None
    frame.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))")
    page.keyboard.press("ArrowDown")  # one place down
    announced(board, f"was moved over droppable area {text[second]}.")
    page.keyboard.press("Space")  # drop
    saved(page)

    assert order(seeded_config, plan.trip.id)[busy][:2] == [second, first]
    assert console_errors == [], console_errors
    context.close()
