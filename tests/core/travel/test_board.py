"""``apply_board``: a whole drag-and-drop board (day -> item ids in order) becomes the minimal set of writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from travel_helpers import CleanTrip

from core.errors import PermissionDenied, ValidationError
from core.security import Principal
from core.travel import TravelService


def board_of(service: TravelService, admin: Principal, trip_id: int) -> dict[int | None, list[int]]:
    """The trip as the page hands it to the board: every day (empty ones included) and the unscheduled list."""
    plan = service.get_trip_plan(admin, trip_id)
    board: dict[int | None, list[int]] = {}
    for d in plan.days:
        assert d.day.id is not None
        board[d.day.id] = [i.id for i in sorted(d.items, key=lambda i: i.position) if i.id is not None]
    board[None] = [i.id for i in plan.unscheduled if i.id is not None]
    return board


def writes(service: TravelService) -> int:
    """Rows this thread's connection has inserted, updated or deleted so far."""
    return service.store.connection().total_changes


def test_an_unchanged_board_writes_nothing(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    board = board_of(service, admin, clean_trip.trip_id)
    before, log = writes(service), service.recent_activity(admin, trip_id=clean_trip.trip_id)

    assert service.apply_board(admin, clean_trip.trip_id, board) == []

    assert writes(service) == before
    assert service.recent_activity(admin, trip_id=clean_trip.trip_id) == log
    assert board_of(service, admin, clean_trip.trip_id) == board


def test_reordering_within_a_day_writes_only_the_items_that_changed_place(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    first = clean_trip.day_ids[0]
    note = service.add_item(admin, clean_trip.trip_id, day_id=first, kind="note", title="Meet the driver").id
    board = board_of(service, admin, clean_trip.trip_id)
    assert board[first] == [clean_trip.outbound, clean_trip.hotel, note]
    board[first] = [clean_trip.outbound, note, clean_trip.hotel]  # an untimed note moves freely
    before = writes(service)

    changed = service.apply_board(admin, clean_trip.trip_id, board)

    assert changed == sorted([note, clean_trip.hotel])
    assert board_of(service, admin, clean_trip.trip_id) == board
    assert writes(service) - before == 2 * 2 + 1  # two passes over two items, one activity entry
    [entry] = service.recent_activity(admin, trip_id=clean_trip.trip_id, limit=1)
    assert entry.action == "item.board" and "2 item(s) changed place, 0 of them changed day" in entry.summary


def test_timed_items_dragged_out_of_time_order_snap_back_and_nothing_is_written(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    first = clean_trip.day_ids[0]
    board = board_of(service, admin, clean_trip.trip_id)
    before, log = writes(service), service.recent_activity(admin, trip_id=clean_trip.trip_id)
    board[first] = [clean_trip.hotel, clean_trip.outbound]  # 21:00 Lisbon before 08:00 New York

    snapped = service.apply_board(admin, clean_trip.trip_id, board)

    assert snapped == sorted([clean_trip.hotel, clean_trip.outbound])  # the caller can say they snapped back
    assert board_of(service, admin, clean_trip.trip_id)[first] == [clean_trip.outbound, clean_trip.hotel]
    assert writes(service) == before
    assert service.recent_activity(admin, trip_id=clean_trip.trip_id) == log


def test_moving_an_item_to_another_day_redates_it_keeps_time_order_and_stamps_it(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    d = clean_trip.day_ids
    board = board_of(service, admin, clean_trip.trip_id)
    stamp = service.get_item(admin, clean_trip.hotel).updated_at
    board[d[0]] = [clean_trip.outbound]
    board[d[1]] = [clean_trip.hotel, clean_trip.sintra]  # dropped first, but 21:00 comes after 09:00

    changed = service.apply_board(admin, clean_trip.trip_id, board)

    assert changed == [clean_trip.hotel]  # the outbound flight and Sintra stay at 0
    assert board_of(service, admin, clean_trip.trip_id)[d[1]] == [clean_trip.sintra, clean_trip.hotel]
    hotel = service.get_item(admin, clean_trip.hotel)
    assert (hotel.day_id, hotel.position) == (d[1], 1)
    assert hotel.updated_at != stamp
    # Day 2's date, the same local time and zone, and the same seven nights.
    assert hotel.start_local == datetime(2027, 5, 3, 21, 0) and hotel.start_tz == "Europe/Lisbon"
    assert hotel.end_local == datetime(2027, 5, 10, 11, 0)
    [entry] = service.recent_activity(admin, trip_id=clean_trip.trip_id, limit=1)
    assert entry.details["redated"][str(clean_trip.hotel)]["start_local"] == [
        "2027-05-02T21:00",
        "2027-05-03T21:00",
    ]


def test_items_move_to_and_from_the_unscheduled_list(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    d = clean_trip.day_ids
    board = board_of(service, admin, clean_trip.trip_id)
    assert board[None] == [clean_trip.idea]
    board[None] = [clean_trip.fado]
    board[d[2]] = []
    board[d[3]] = [clean_trip.idea, clean_trip.walk]

    service.apply_board(admin, clean_trip.trip_id, board)

    assert board_of(service, admin, clean_trip.trip_id) == board
    assert service.get_item(admin, clean_trip.fado).day_id is None
    assert service.get_item(admin, clean_trip.idea).day_id == d[3]


def test_a_day_left_out_of_the_board_holds_nothing(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    board = {k: v for k, v in board_of(service, admin, clean_trip.trip_id).items() if v}
    assert service.apply_board(admin, clean_trip.trip_id, board) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("drop", r"item\(s\) {fado} of the trip are missing"),
        ("twice", r"item {fado} is listed more than once"),
        ("unknown", r"item 99999 \(in the unscheduled list\) is not an item of trip {trip}"),
        ("foreign", r"item {foreign} \(in the unscheduled list\) is not an item of trip {trip}"),
        ("bad day", r"day 99999 is not a day of trip {trip}"),
        ("not an id", r"'x' in the unscheduled list is not an item id"),
    ],
)
def test_a_bad_board_is_refused_naming_the_problem_and_writes_nothing(
    service: TravelService, admin: Principal, clean_trip: CleanTrip, change: str, message: str
) -> None:
    other = service.create_trip(admin, name="Other", start_date="2027-01-01", end_date="2027-01-01")
    assert other.id
    foreign = service.add_item(admin, other.id, kind="note", title="Not yours").id
    board: dict[int | None, list[Any]] = {
        k: list(v) for k, v in board_of(service, admin, clean_trip.trip_id).items()
    }
    third = clean_trip.day_ids[2]
    board[third] = [clean_trip.idea]  # a real change, so a partial write would show
    board[None] = []
    if change == "drop":
        board[third] = [clean_trip.idea]
    elif change == "twice":
        board[None] = [clean_trip.fado, clean_trip.fado]
    elif change == "unknown":
        board[None] = [clean_trip.fado, 99999]
    elif change == "foreign":
        board[None] = [clean_trip.fado, foreign]
    elif change == "bad day":
        board[None] = [clean_trip.fado]
        board[99999] = []
    else:
        board[None] = [clean_trip.fado, "x"]
    before = board_of(service, admin, clean_trip.trip_id)
    expected = message.format(fado=clean_trip.fado, foreign=foreign, other=other.id, trip=clean_trip.trip_id)

    with pytest.raises(ValidationError, match=expected) as refused:
        service.apply_board(admin, clean_trip.trip_id, board)

    assert "Fix: reload the trip" in str(refused.value)
    assert board_of(service, admin, clean_trip.trip_id) == before


def test_a_viewer_cannot_rearrange_the_itinerary(
    service: TravelService, admin: Principal, viewer: Principal, clean_trip: CleanTrip
) -> None:
    board = board_of(service, admin, clean_trip.trip_id)
    with pytest.raises(PermissionDenied, match="rearrange the itinerary"):
        service.apply_board(viewer, clean_trip.trip_id, board)
