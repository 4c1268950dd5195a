"""The Trips page: create a trip with every field, edit it, cancel it (after a confirmation), archive it; a
link with ?trip= opens a trip. Each message shows next to the control that caused it."""

from __future__ import annotations

from datetime import date

from app_helpers import AppEnv, button, next_after, open_page, problems, texts

from core.security import Principal
from core.travel import TravelService

ME = Principal.default_admin()
NEW = "trips.new."


def test_the_trips_table_shows_client_names_and_filters_by_status(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        trip = next(t for t in service.list_trips(ME) if t.client_id is not None)
        client = service.get_client(ME, trip.client_id or 0)
    at = open_page("trips")

    assert problems(at) == []
    [table] = at.dataframe
    assert client.name in set(table.value["client"])
    at.selectbox(key="trips.filter.status").set_value("cancelled").run()
    assert problems(at) == []
    for frame in at.dataframe:  # none when the demo has no cancelled trip
        assert set(frame.value["status"]) == {"cancelled"}


def test_creating_a_trip_keeps_every_field_then_edit_and_cancel_change_the_store(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        service.update_agency(ME, default_currency="EUR")
        client = next(c for c in service.list_clients(ME) if len(service.list_travelers(ME, c.id or 0)) >= 1)
        own = [t.id for t in service.list_travelers(ME, client.id or 0)]
        other = next(
            t.id
            for c in service.list_clients(ME)
            if c.id != client.id
            for t in service.list_travelers(ME, c.id or 0)
        )
    at = open_page("trips")
    at.selectbox(key=NEW + "client").set_value(client.id).run()
    assert at.selectbox(key=NEW + "currency").value == "EUR"  # the agency's default
    assert at.multiselect(key=f"{NEW}party.{client.id}").value == own  # the household by default

    at.text_input(key=NEW + "name").input("Azores in June")
    at.multiselect(key=f"{NEW}party.{client.id}").set_value([*own, other])
    at.date_input(key=NEW + "start").set_value(date(2027, 6, 3))
    at.date_input(key=NEW + "end").set_value(date(2027, 6, 10))
    at.text_input(key=NEW + "destinations").input("Ponta Delgada, Horta")
    at.text_input(key=NEW + "budget").input("9500")
    at.selectbox(key=NEW + "currency").set_value("GBP")
    at.text_input(key=NEW + "fee").input("250")
    at.selectbox(key=NEW + "status").set_value("confirmed")
    at.text_input(key=NEW + "lead").input("referral")
    at.text_area(key=NEW + "notes").input("Whale watching")
    button(at, "Create trip").click().run()

    assert problems(at) == []
    assert any("Created trip 'Azores in June'" in t for t in texts(at.success))
    with TravelService.open(demo_env.settings()) as service:
        [trip] = service.search_trips(ME, "Azores")
    assert trip.currency == "GBP" and trip.client_id == client.id
    assert (trip.start_date, trip.end_date) == (date(2027, 6, 3), date(2027, 6, 10))
    assert trip.party == [*own, other]
    assert (trip.budget_cents, trip.planning_fee_cents) == (950_000, 25_000)
    assert (trip.destinations, trip.status, trip.lead_source) == (
        ["Ponta Delgada", "Horta"],
        "confirmed",
        "referral",
    )
    assert trip.notes == "Whale watching" and trip.agent_id == ME.user_id
    assert "Azores in June" in texts(at.subheader)

    edit = f"trips.edit.{trip.id}."
    at.text_input(key=edit + "budget").input("lots")
    button(at, "Save changes").click().run()
    below = next_after(at, edit + "budget")
    assert below.type == "error" and "is not an amount" in str(below.value)

    at.text_input(key=edit + "budget").input("10000")
    at.date_input(key=edit + "end").set_value(date(2027, 6, 1))
    button(at, "Save changes").click().run()
    below = next_after(at, edit + "end")
    assert below.type == "error" and "start_date" in str(below.value) and "datetime" not in str(below.value)

    at.date_input(key=edit + "end").set_value(date(2027, 6, 12))
    button(at, "Save changes").click().run()
    assert problems(at) == []
    with TravelService.open(demo_env.settings()) as service:
        edited = service.get_trip(ME, trip.id or 0)
    assert (edited.budget_cents, edited.end_date, edited.currency) == (1_000_000, date(2027, 6, 12), "GBP")

    at.button(key="trips.cancel").click().run()
    assert any("Cancel this trip?" in t for t in texts(at.warning))
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_trip(ME, trip.id or 0).status == "confirmed"  # nothing yet: it asks first
    at.text_input(key="trips.cancel.reason").input("Client changed plans")
    at.button(key="trips.cancel.yes").click().run()

    assert problems(at) == []
    assert "Cancelled the trip." in texts(at.success)
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_trip(ME, trip.id or 0).status == "cancelled"
        assert any("Client changed plans" in e.summary for e in service.recent_activity(ME, trip_id=trip.id))

    at.button(key="trips.archive").click().run()
    with TravelService.open(demo_env.settings()) as service:
        assert service.get_trip(ME, trip.id or 0).archived


def test_a_trip_link_opens_that_trip_and_a_client_link_starts_a_trip_for_the_client(demo_env: AppEnv) -> None:
    with TravelService.open(demo_env.settings()) as service:
        trip = service.list_trips(ME)[-1]
        client = service.list_clients(ME)[0]
    at = open_page("trips")
    at.query_params["trip"] = str(trip.id)
    at.query_params["client"] = str(client.id)
    at.run()

    assert problems(at) == []
    assert trip.name in texts(at.subheader)
    assert at.selectbox(key=NEW + "client").value == client.id
