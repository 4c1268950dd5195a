"""The Itinerary page's editor through AppTest: add items of two kinds with details and prices, edit one,
duplicate it, delete it; add and remove a day."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from app_helpers import AppEnv, button, open_page, problems
from streamlit.testing.v1 import AppTest

from app import state
from app.components import item_form
from core.security import Principal
from core.travel import Item, TravelService

ME = Principal.default_admin()
NEW = item_form.NEW


@pytest.fixture
def trip_id(empty_env: AppEnv) -> int:
    """A fresh agency with one three-day trip to Lisbon (2027-05-02 .. 04), its days, no items."""
    with TravelService.open(empty_env.settings()) as service:
        trip = service.create_trip(
            ME, name="Lisbon", start_date="2027-05-02", end_date="2027-05-04", destinations=["Lisbon"],
            currency="EUR",
        )  # fmt: skip
        assert trip.id
        service.ensure_days(ME, trip.id)
        return trip.id


def items(env: AppEnv, trip_id: int) -> list[Item]:
    with TravelService.open(env.settings()) as service:
        return service.list_items(ME, trip_id)


def fill(at: AppTest, prefix: str, **values: object) -> None:
    for name, value in values.items():
        key = f"{prefix}.{name}"
        for widgets in (
            at.text_input,
            at.selectbox,
            at.number_input,
            at.time_input,
            at.date_input,
            at.text_area,
        ):
            found = [w for w in widgets if w.key == key]
            if found:
                found[0].set_value(value)
                break
        else:
            raise AssertionError(f"no widget {key}")


def open_trip(trip_id: int) -> AppTest:
    at = open_page("itinerary")
    at.selectbox(key=state.ITINERARY_TRIP).set_value(trip_id).run()
    assert problems(at) == []
    return at


def test_the_empty_trip_names_a_command_that_exists(empty_env: AppEnv) -> None:
    with TravelService.open(empty_env.settings()) as service:
        trip = service.create_trip(ME, name="Someday")
    at = open_trip(trip.id or 0)
    hint = " ".join(str(i.value) for i in at.info)
    assert f"travelops items add {trip.id} --kind" in hint


def test_an_advisor_adds_a_flight_and_a_hotel_with_details_and_prices(
    empty_env: AppEnv, trip_id: int
) -> None:
    at = open_trip(trip_id)
    at.button_group(key=item_form.KIND_KEY).set_value("flight").run()
    fill(
        at, NEW, title="TP 202 JFK → LIS", slot=1, start=time(8, 0), end=time(20, 0), tz="America/New_York",
        end_tz="Europe/Lisbon", carrier="TAP", number="TP 202", from_code="JFK", to_code="LIS",
        confirmations="ABC123, XYZ9", cost=1200.0, sell=1350.5, status="booked",
    )  # fmt: skip
    button(at, "Add item").click().run()
    assert problems(at) == []
    assert at.text_input(key=f"{NEW}.title").value == ""  # an empty form for the next one, same keys

    at.button_group(key=item_form.KIND_KEY).set_value("hotel").run()
    fill(
        at, NEW, title="Avenida Palace", slot=1, start=time(15, 0), end=time(11, 0), end_day=2,
        room="Deluxe double", board="B&B", cost=600.0, sell=720.0, rate=10.0,
        deposit_due=date(2027, 3, 1), final_due=date(2027, 4, 1), client_notes="Late check-in",
        internal_notes="Ask for a view",
    )  # fmt: skip
    button(at, "Add item").click().run()
    assert problems(at) == []

    flight, hotel = items(empty_env, trip_id)
    assert flight.start_local == datetime(2027, 5, 2, 8, 0) and flight.end_local == datetime(
        2027, 5, 2, 20, 0
    )
    assert (flight.start_tz, flight.end_tz) == ("America/New_York", "Europe/Lisbon")
    assert (flight.details.carrier, flight.details.number, flight.details.to_code) == ("TAP", "TP 202", "LIS")
    assert flight.confirmation_numbers == ["ABC123", "XYZ9"] and flight.status == "booked"
    assert (flight.cost_cents, flight.sell_cents, flight.currency) == (120_000, 135_050, "EUR")
    assert hotel.start_tz == "Europe/Lisbon"  # the trip's destination gives the zone
    assert hotel.end_local == datetime(2027, 5, 4, 11, 0) and hotel.details.room == "Deluxe double"
    assert (hotel.commission_rate, hotel.commission_status) == (0.1, "expected")
    assert (hotel.deposit_due, hotel.final_payment_due) == (date(2027, 3, 1), date(2027, 4, 1))
    assert (hotel.client_notes, hotel.internal_notes) == ("Late check-in", "Ask for a view")


def test_a_title_is_required_next_to_the_field(empty_env: AppEnv, trip_id: int) -> None:
    at = open_trip(trip_id)
    button(at, "Add item").click().run()
    assert any("Give the item a title" in str(m.value) for m in at.markdown)
    assert items(empty_env, trip_id) == []


def test_an_item_is_edited_duplicated_and_deleted(empty_env: AppEnv, trip_id: int) -> None:
    with TravelService.open(empty_env.settings()) as service:
        days = service.list_days(ME, trip_id)
        tour = service.add_item(
            ME, trip_id, day_id=days[0].id, kind="activity", title="Sintra tour", start_local="2027-05-02T09:00",
            start_tz="Europe/Lisbon", confirmation_numbers=["S1"], sell_cents=5_000,
        )  # fmt: skip
    assert tour.id
    at = open_trip(trip_id)

    at.button(key=f"itinerary.edit.{tour.id}").click().run()
    prefix = f"itinerary.item.{tour.id}"
    assert at.text_input(key=f"{prefix}.title").value == "Sintra tour"
    fill(at, prefix, title="Sintra and Cascais", slot=2, start=time(10, 30), meeting_point="Rossio station")
    button(at, "Save changes").click().run()
    assert problems(at) == []
    [edited] = items(empty_env, trip_id)
    assert edited.title == "Sintra and Cascais" and edited.day_id == days[1].id
    assert (
        edited.start_local == datetime(2027, 5, 3, 10, 30)
        and edited.details.meeting_point == "Rossio station"
    )

    at.button(key=f"itinerary.duplicate.{tour.id}").click().run()
    assert problems(at) == []
    original, copy = items(empty_env, trip_id)
    assert copy.title == original.title and copy.confirmation_numbers == [] and copy.day_id == days[1].id

    at.button(key=f"itinerary.delete.{copy.id}").click().run()
    assert problems(at) == []
    assert [i.id for i in items(empty_env, trip_id)] == [tour.id]


def test_days_are_added_moved_and_removed_and_items_follow(empty_env: AppEnv, trip_id: int) -> None:
    with TravelService.open(empty_env.settings()) as service:
        first = service.list_days(ME, trip_id)[0]
        tour = service.add_item(
            ME, trip_id, day_id=first.id, kind="activity", title="Tour", start_local="2027-05-02T09:00",
            start_tz="Europe/Lisbon",
        )  # fmt: skip
    at = open_trip(trip_id)

    at.button(key="itinerary.day.add").click().run()
    assert problems(at) == []
    with TravelService.open(empty_env.settings()) as service:
        assert service.get_trip(ME, trip_id).end_date == date(2027, 5, 5)
        assert len(service.list_days(ME, trip_id)) == 4

    at.button(key="itinerary.day.down.1").click().run()  # day 1 becomes day 2: its tour follows
    assert problems(at) == []
    assert items(empty_env, trip_id)[0].start_local == datetime(2027, 5, 3, 9, 0)

    at.button(key="itinerary.day.remove.2").click().run()
    assert problems(at) == []
    with TravelService.open(empty_env.settings()) as service:
        assert service.get_trip(ME, trip_id).end_date == date(2027, 5, 4)
        assert service.get_item(ME, tour.id or 0).day_id is None  # unscheduled, its time kept
