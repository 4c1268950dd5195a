"""The item-date rule: an item on a day has that day's date, local time kept; a day's timed items stay in time
order; days are slots of the trip's dates (insert, delete, move, a new start date)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from icalendar import Calendar
from travel_helpers import CleanTrip

from core.errors import ValidationError
from core.security import Principal
from core.travel import Item, RecordInvalid, TravelService, redate, time_order
from core.travel._schedule import at, slot_dates


def item(id_: int, start: str | None, tz: str | None = "Europe/Lisbon", end: str | None = None) -> Item:
    return Item(
        id=id_,
        trip_id=1,
        kind="activity" if start else "note",
        title=f"item {id_}",
        start_local=datetime.fromisoformat(start) if start else None,
        start_tz=tz if start else None,
        end_local=datetime.fromisoformat(end) if end else None,
    )


def order(service: TravelService, admin: Principal, trip_id: int, day_id: int | None) -> list[int]:
    return [i.id for i in service.list_items(admin, trip_id) if i.day_id == day_id and i.id is not None]


def test_redate_keeps_the_local_time_the_zones_and_the_duration() -> None:
    flight = Item(
        id=1,
        trip_id=1,
        kind="flight",
        title="TP 202",
        start_local=datetime(2027, 5, 2, 22, 30),
        start_tz="America/New_York",
        end_local=datetime(2027, 5, 3, 10, 45),
        end_tz="Europe/Lisbon",
    )
    moved = flight.model_copy(update=redate(flight, date(2027, 5, 5)))
    assert moved.start_local == datetime(2027, 5, 5, 22, 30) and moved.end_local == datetime(
        2027, 5, 6, 10, 45
    )
    assert (moved.start_tz, moved.end_tz) == ("America/New_York", "Europe/Lisbon")
    assert moved.end_utc and moved.start_utc and flight.end_utc and flight.start_utc
    assert moved.end_utc - moved.start_utc == flight.end_utc - flight.start_utc


def test_a_hotel_moved_to_another_day_keeps_its_nights() -> None:
    hotel = item(1, "2027-05-02T15:00", end="2027-05-06T11:00")
    moved = hotel.model_copy(update=redate(hotel, date(2027, 5, 4)))
    assert moved.start_local == datetime(2027, 5, 4, 15, 0) and moved.end_local == datetime(2027, 5, 8, 11, 0)
    assert redate(hotel, date(2027, 5, 2)) == {}  # already there
    assert redate(item(2, None), date(2027, 5, 2)) == {}  # no time, nothing to move


def test_time_order_sorts_timed_items_and_leaves_untimed_ones_in_their_slots() -> None:
    late, note, early, zoneless = (
        item(1, "2027-05-02T21:00"),
        item(2, None),
        item(3, "2027-05-02T08:00", tz="America/New_York"),  # 12:00 UTC
        item(4, "2027-05-02T07:00", tz=None),  # no zone: after the zoned ones of its date
    )
    assert time_order([late, note, early]) == [3, 2, 1]
    assert time_order([zoneless, late, note]) == [1, 4, 2]
    assert at(date(2027, 5, 2), time(9, 30)) == datetime(2027, 5, 2, 9, 30)
    assert slot_dates(date(2027, 5, 30), 3) == [date(2027, 5, 30), date(2027, 5, 31), date(2027, 6, 1)]


def test_a_board_move_to_another_day_redates_the_item_and_the_ics_agrees(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    from core.documents._ics import render_ics  # the documents' own calendar builder
    from core.documents._views import itinerary_items

    d = clean_trip.day_ids
    plan = service.get_trip_plan(admin, clean_trip.trip_id)
    board = {x.day.id: [i.id for i in x.items] for x in plan.days}
    board[None] = [i.id for i in plan.unscheduled]
    board[d[2]].remove(clean_trip.fado)
    board[d[5]] = [clean_trip.fado]

    service.apply_board(admin, clean_trip.trip_id, board)

    fado = service.get_item(admin, clean_trip.fado)
    assert fado.start_local == datetime(2027, 5, 7, 20, 0) and fado.end_local == datetime(2027, 5, 7, 23, 0)
    plan = service.get_trip_plan(admin, clean_trip.trip_id)
    ics = render_ics(plan, itinerary_items(plan), agency_id=admin.agency_id, agency_name="Atlas", version=1)
    calendar = Calendar.from_ical(ics)
    [event] = [e for e in calendar.walk("VEVENT") if str(e.get("SUMMARY")) == "Fado dinner"]
    assert event.decoded("DTSTART").date() == date(2027, 5, 7)
    assert event.decoded("DTSTART").time() == time(20, 0)


def test_adding_a_timed_item_puts_it_in_time_order_and_an_untimed_one_last(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, first = clean_trip.trip_id, clean_trip.day_ids[0]
    lunch = service.add_item(
        admin,
        t,
        day_id=first,
        kind="activity",
        title="Lunch",
        start_local="2027-05-02T13:00",
        start_tz="Europe/Lisbon",
    ).id
    note = service.add_item(admin, t, day_id=first, kind="note", title="Taxi rank at arrivals").id
    assert order(service, admin, t, first) == [clean_trip.outbound, lunch, clean_trip.hotel, note]
    # An explicit position is kept for an untimed item; a timed one still goes where its time is.
    service.move_item(admin, note, day_id=first, position=0)
    assert order(service, admin, t, first) == [note, clean_trip.outbound, lunch, clean_trip.hotel]
    service.move_item(admin, clean_trip.hotel, day_id=first, position=0)
    assert order(service, admin, t, first) == [note, clean_trip.outbound, lunch, clean_trip.hotel]


def test_changing_an_items_time_reorders_its_day_and_a_new_date_moves_it_to_that_day(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, d = clean_trip.trip_id, clean_trip.day_ids
    service.update_item(admin, clean_trip.hotel, start_local="2027-05-02T06:00")  # before the flight now
    assert order(service, admin, t, d[0]) == [clean_trip.hotel, clean_trip.outbound]
    moved = service.update_item(
        admin, clean_trip.fado, start_local="2027-05-06T19:00", end_local="2027-05-06T22:00"
    )
    assert moved.day_id == d[4]
    assert order(service, admin, t, d[4]) == [clean_trip.boat, clean_trip.fado]


def test_duplicating_an_item_clears_its_booking_and_places_it_by_time(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, d = clean_trip.trip_id, clean_trip.day_ids
    copy = service.duplicate_item(admin, clean_trip.fado)
    assert (copy.day_id, copy.title, copy.confirmation_numbers, copy.status) == (
        d[2],
        "Fado dinner",
        [],
        "proposed",
    )
    assert copy.sell_cents == 18_000 and copy.commission_rate == 0.15
    elsewhere = service.duplicate_item(admin, clean_trip.fado, day_id=d[1])
    assert elsewhere.start_local == datetime(2027, 5, 3, 20, 0)
    assert order(service, admin, t, d[1]) == [clean_trip.sintra, elsewhere.id]
    idea = service.duplicate_item(admin, clean_trip.idea)
    assert idea.day_id is None


def test_inserting_a_day_moves_the_later_days_and_their_items_a_day_later(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, d = clean_trip.trip_id, clean_trip.day_ids
    new = service.insert_day(admin, t, at=2, title="Rest")
    assert new.date == date(2027, 5, 3) and new.title == "Rest"
    assert service.get_day(admin, d[1]).date == date(2027, 5, 4)
    assert service.get_day(admin, d[1]).title == "Day 3"  # default titles follow their number
    assert service.get_item(admin, clean_trip.sintra).start_local == datetime(2027, 5, 4, 9, 0)
    assert service.get_item(admin, clean_trip.outbound).start_local == datetime(2027, 5, 2, 8, 0)
    assert service.get_trip(admin, t).end_date == date(2027, 5, 10)
    last = service.insert_day(admin, t)
    assert last.date == date(2027, 5, 11) and last.title == "Day 10"
    with pytest.raises(ValidationError, match="Fix: give at from 1 to 11"):
        service.insert_day(admin, t, at=0)


def test_deleting_a_day_unschedules_its_items_and_moves_the_later_days_earlier(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, d = clean_trip.trip_id, clean_trip.day_ids
    gone = service.delete_day(admin, t, 2)
    assert gone == [clean_trip.sintra]
    assert service.get_item(admin, clean_trip.sintra).day_id is None
    assert service.get_day(admin, d[2]).date == date(2027, 5, 3)
    assert service.get_item(admin, clean_trip.fado).start_local == datetime(2027, 5, 3, 20, 0)
    assert service.get_trip(admin, t).end_date == date(2027, 5, 8)
    with pytest.raises(ValidationError, match="has days 1 to 7"):
        service.delete_day(admin, t, 8)


def test_moving_a_day_swaps_dates_and_its_items_follow(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, d = clean_trip.trip_id, clean_trip.day_ids
    service.move_day(admin, t, 3, 2)  # the fado day comes before the Sintra day
    assert service.get_day(admin, d[2]).date == date(2027, 5, 3)
    assert service.get_day(admin, d[1]).date == date(2027, 5, 4)
    assert service.get_item(admin, clean_trip.fado).start_local == datetime(2027, 5, 3, 20, 0)
    assert service.get_item(admin, clean_trip.sintra).start_local == datetime(2027, 5, 4, 9, 0)
    assert [x.title for x in service.list_days(admin, t)][:3] == ["Day 1", "Day 2", "Day 3"]


def test_a_new_start_date_shifts_every_day_and_item(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    option = service.add_option(admin, t, tier=1)
    assert option.id
    [option_day, *_] = service.ensure_days(admin, t, option_id=option.id)
    trip = service.update_trip(admin, t, start_date="2027-06-01")
    assert (trip.start_date, trip.end_date) == (date(2027, 6, 1), date(2027, 6, 8))  # same length
    assert next(x.date for x in service.list_days(admin, t) if x.option_id is None) == date(2027, 6, 1)
    assert option_day.id and service.get_day(admin, option_day.id).date == date(2027, 6, 1)
    hotel = service.get_item(admin, clean_trip.hotel)
    assert hotel.start_local == datetime(2027, 6, 1, 21, 0) and hotel.end_local == datetime(2027, 6, 8, 11, 0)
    assert service.get_item(admin, clean_trip.idea).start_local is None


def test_a_shorter_trip_is_refused_when_the_days_cut_off_hold_items(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    with pytest.raises(RecordInvalid, match=r"leave out day\(s\) 2027-05-09") as refused:
        service.update_trip(admin, clean_trip.trip_id, end_date="2027-05-08")
    assert "delete_day" in str(refused.value)
    service.update_trip(admin, clean_trip.trip_id, end_date="2027-05-11")
    assert len([x for x in service.list_days(admin, clean_trip.trip_id)]) == 10


def test_a_days_date_cannot_be_edited_directly(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    with pytest.raises(RecordInvalid, match="date cannot be changed") as refused:
        service.update_day(admin, clean_trip.day_ids[0], date="2027-06-01")
    assert "move_day" in str(refused.value) and "start_date" in str(refused.value)
    assert service.update_day(admin, clean_trip.day_ids[0], title="Arrival").title == "Arrival"


def test_after_any_sequence_of_moves_every_scheduled_item_starts_on_its_days_date(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, d = clean_trip.trip_id, clean_trip.day_ids
    service.move_item(admin, clean_trip.walk, day_id=d[6])
    service.move_day(admin, t, 1, 4)
    service.insert_day(admin, t, at=3)
    service.duplicate_item(admin, clean_trip.hotel, day_id=d[3])
    service.delete_day(admin, t, 5)
    service.update_trip(admin, t, start_date="2027-04-20")
    days = {x.id: x.date for x in service.list_days(admin, t)}
    for x in service.list_items(admin, t):
        if x.day_id is not None and x.start_local is not None:
            assert x.start_local.date() == days[x.day_id], x.title


def test_the_unscheduled_list_keeps_the_order_items_were_added_in(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    early = service.add_item(
        admin,
        t,
        kind="activity",
        title="Early idea",
        start_local="2027-05-01T07:00",
        start_tz="Europe/Lisbon",
    )
    assert order(service, admin, t, None) == [clean_trip.idea, early.id]
