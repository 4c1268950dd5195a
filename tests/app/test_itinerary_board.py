"""The Itinerary page's drag-and-drop board, through AppTest.

AppTest cannot run the component's frontend (dnd-kit in an iframe; tests/e2e/test_itinerary_drag.py drags in
a real browser). It can hand the page the value the frontend sends after a drop, by setting the component's
state, which is what these tests do to check what the page makes of it.
"""

from __future__ import annotations

import json
from typing import Any

from app_helpers import AppEnv, open_page, problems, texts
from streamlit.testing.v1 import AppTest

from app import state
from core.security import Principal
from core.travel import TravelService

ME = Principal.default_admin()


def board(at: AppTest) -> Any:
    """The sortables component on the page, or None."""
    found = [n for n in _walk(at.main) if getattr(n, "type", "") == "component_instance"]
    assert len(found) <= 1, "one board per page"
    return found[0] if found else None


def _walk(node: Any) -> Any:
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def columns(at: AppTest) -> list[dict[str, Any]]:
    """What the board shows: [{"header": day, "items": [label, ...]}, ...]."""
    node = board(at)
    assert node is not None, "the board is not on the page"
    return json.loads(node.proto.json_args)["items"]


def board_key(at: AppTest) -> str:
    node = board(at)
    assert node is not None
    return str(node.proto.id).split("-", 2)[-1]  # "$$ID-<hash>-<user key>"


def drop(at: AppTest, arranged: list[dict[str, Any]]) -> None:
    """What the frontend does when an item is dropped somewhere new: send every column back, then rerun."""
    at.session_state[board_key(at)] = arranged
    at.run()


def store_board(service: TravelService, trip_id: int) -> dict[int | None, list[int]]:
    plan = service.get_trip_plan(ME, trip_id)
    out: dict[int | None, list[int]] = {
        d.day.id: [i.id for i in sorted(d.items, key=lambda i: i.position) if i.id] for d in plan.days
    }
    out[None] = [i.id for i in plan.unscheduled if i.id]
    return out


def shown_trip(at: AppTest) -> int:
    trip_id = at.session_state[state.CURRENT_TRIP]
    assert isinstance(trip_id, int)
    return trip_id


def test_the_board_has_a_column_per_day_then_unscheduled_and_a_unique_label_per_item(
    demo_env: AppEnv,
) -> None:
    at = open_page("itinerary")
    trip_id = shown_trip(at)
    with TravelService.open(demo_env.settings()) as service:
        plan = service.get_trip_plan(ME, trip_id)
        assert plan.days[0].day.id is not None
        for _ in range(2):  # two items that read the same on the board
            service.add_item(
                ME, trip_id, day_id=plan.days[0].day.id, kind="note", title="Call the hotel",
                start_local=f"{plan.days[0].day.date}T09:30",
            )  # fmt: skip
        plan = service.get_trip_plan(ME, trip_id)
    at.run()

    shown = columns(at)
    assert problems(at) == []
    assert len(shown) == len(plan.days) + 1 and shown[-1]["header"] == "Unscheduled"
    labels = [label for c in shown for label in c["items"]]
    assert len(labels) == len(set(labels)) == len(plan.items())
    assert {"09:30 · Call the hotel", "09:30 · Call the hotel (2)"} <= set(labels)
    assert at.toggle(key=state.BOARD_SHOWN).value is True
    assert at.button(
        key=f"itinerary.down.{plan.days[0].items[0].id}"
    )  # the keyboard controls are still there


def test_a_drop_on_another_day_is_stored_and_the_board_is_redrawn_from_the_store(demo_env: AppEnv) -> None:
    at = open_page("itinerary")
    trip_id = shown_trip(at)
    shown = columns(at)
    first = next(i for i, c in enumerate(shown) if c["items"])
    moving = shown[first]["items"][0]
    arranged = [dict(c, items=list(c["items"])) for c in shown]
    arranged[first]["items"].remove(moving)
    arranged[-1]["items"].insert(0, moving)  # onto "Unscheduled", at the top
    with TravelService.open(demo_env.settings()) as service:
        before = store_board(service, trip_id)

    drop(at, arranged)

    assert problems(at) == []
    assert any("Saved the new order" in t for t in texts(at.success))
    with TravelService.open(demo_env.settings()) as service:
        after = store_board(service, trip_id)
    gone = [i for d, ids in before.items() for i in ids if i not in after.get(d, [])]
    assert len(gone) == 1 and after[None][0] == gone[0]
    assert columns(at) == arranged  # drawn afresh from the store: the same arrangement, under a new key


def test_an_unchanged_board_writes_nothing(demo_env: AppEnv) -> None:
    at = open_page("itinerary")
    trip_id = shown_trip(at)
    with TravelService.open(demo_env.settings()) as service:
        log = service.recent_activity(ME, trip_id=trip_id)

    drop(at, columns(at))

    assert problems(at) == [] and not any("Saved" in t for t in texts(at.success))
    with TravelService.open(demo_env.settings()) as service:
        assert service.recent_activity(ME, trip_id=trip_id) == log


def test_a_drop_on_a_board_someone_else_made_stale_is_not_saved_and_the_page_says_so(
    demo_env: AppEnv,
) -> None:
    at = open_page("itinerary")
    trip_id = shown_trip(at)
    arranged = [dict(c, items=list(reversed(c["items"]))) for c in columns(at)]
    key = board_key(at)
    with TravelService.open(demo_env.settings()) as service:
        gone = service.get_trip_plan(ME, trip_id).items()[0]
        assert gone.id is not None
        service.remove_item(ME, gone.id)  # meanwhile, in another session
        before = store_board(service, trip_id)

    drop(at, arranged)

    assert problems(at) == []
    assert any("so that move was not saved" in t for t in texts(at.warning))
    with TravelService.open(demo_env.settings()) as service:
        assert store_board(service, trip_id) == before
    assert board_key(at) != key and all(gone.title not in " ".join(c["items"]) for c in columns(at))
    at.run()  # said once
    assert not any("not saved" in t for t in texts(at.warning))


def test_a_board_that_comes_back_without_an_item_is_refused_and_redrawn(demo_env: AppEnv) -> None:
    at = open_page("itinerary")
    trip_id = shown_trip(at)
    shown = columns(at)
    key = board_key(at)
    first = next(i for i, c in enumerate(shown) if c["items"])
    arranged = [dict(c, items=list(c["items"])) for c in shown]
    arranged[first]["items"].pop(0)
    with TravelService.open(demo_env.settings()) as service:
        before = store_board(service, trip_id)

    drop(at, arranged)

    assert any("cannot be applied" in t and "are missing" in t for t in texts(at.error))
    with TravelService.open(demo_env.settings()) as service:
        assert store_board(service, trip_id) == before
    assert board_key(at) != key and columns(at) == shown  # drawn afresh from the store


def test_the_keyboard_controls_move_items_and_the_board_follows_without_replaying_a_drop(
    demo_env: AppEnv,
) -> None:
    at = open_page("itinerary")
    trip_id = shown_trip(at)
    with TravelService.open(demo_env.settings()) as service:
        day_id, ids = next(
            (d, ids) for d, ids in store_board(service, trip_id).items() if d and len(ids) >= 2
        )
        # Timed items stay in time order; a note without a time moves freely among them.
        note = service.add_item(ME, trip_id, day_id=day_id, position=0, kind="note", title="Vouchers").id
        assert note
    at.run()
    # A drop first: the note to the end of its day (the other columns as they are)...
    drop(
        at,
        [
            dict(c, items=[*c["items"][1:], c["items"][0]]) if "Vouchers" in c["items"][0] else c
            for c in columns(at)
        ],
    )
    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        assert store_board(service, trip_id)[day_id] == [*ids, note]

    at.button(key=f"itinerary.up.{note}").click().run()  # ...then ↑ on the note

    assert problems(at) == [] and not any("not saved" in t for t in texts(at.warning))
    expected = [*ids[:-1], note, ids[-1]]
    with TravelService.open(demo_env.settings()) as service:
        assert store_board(service, trip_id)[day_id] == expected
        titles = {i.id: i.title for i in service.list_items(ME, trip_id)}
    assert any(
        len(c["items"]) == len(expected)
        and all(titles[i] in label for i, label in zip(expected, c["items"], strict=True))
        for c in columns(at)
    ), "the board shows the day in the store's new order"
    at.run()  # another run replays nothing
    with TravelService.open(demo_env.settings()) as service:
        assert store_board(service, trip_id)[day_id] == expected


def test_the_board_can_be_hidden_leaving_the_cards(demo_env: AppEnv) -> None:
    at = open_page("itinerary")
    at.toggle(key=state.BOARD_SHOWN).set_value(False).run()

    assert problems(at) == []
    assert board(at) is None
    assert any(b.key and b.key.startswith("itinerary.down.") for b in at.button)


def test_without_trips_there_is_no_board(empty_env: AppEnv) -> None:
    at = open_page("itinerary")

    assert problems(at) == []
    assert board(at) is None
    assert any("No trips yet" in t for t in texts(at.info))
