"""The itinerary as iCalendar: one event per timed item, in the item's own time zones, stable UIDs."""

from __future__ import annotations

from datetime import datetime

from documents_helpers import TODAY, DocTrip
from icalendar import Calendar, Event

from core.documents import render
from core.security import Principal
from core.travel import TravelService


def calendar(service: TravelService, p: Principal, trip_id: int) -> Calendar:
    doc = render(service, p, trip_id, kind="itinerary", fmt="ics", today=TODAY)
    assert doc.content_type.startswith("text/calendar")
    return Calendar.from_ical(doc.bytes)


def events(cal: Calendar) -> list[Event]:
    return [c for c in cal.walk("VEVENT") if isinstance(c, Event)]


def tzid(value: datetime) -> str:
    assert value.tzinfo is not None
    return str(getattr(value.tzinfo, "key", value.tzinfo))


def test_one_event_per_timed_item_of_the_itinerary(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    cal = calendar(service, admin, doc_trip.trip_id)

    uids = {str(e["UID"]) for e in events(cal)}
    assert len(uids) == len(doc_trip.itinerary_timed_ids) == 5  # 2 flights, tour, optional sunset, hotel
    assert {
        f"item-{i}.trip-{doc_trip.trip_id}.agency-1@travelops" for i in doc_trip.itinerary_timed_ids
    } == uids
    assert cal["VERSION"] == "2.0" and "TravelOps" in str(cal["PRODID"])


def test_every_event_carries_the_zones_of_its_item(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    items = {i.id: i for i in service.list_items(admin, doc_trip.trip_id)}

    for event in events(calendar(service, admin, doc_trip.trip_id)):
        item = items[int(str(event["UID"]).split(".")[0].removeprefix("item-"))]
        start = event.decoded("DTSTART")
        assert tzid(start) == item.start_tz
        assert start.replace(tzinfo=None) == item.start_local
        assert "TZID" in event["DTSTART"].params
        if item.end_local is not None:
            end = event.decoded("DTEND")
            assert tzid(end) == (item.end_tz or item.start_tz)
            assert end.replace(tzinfo=None) == item.end_local


def test_a_flight_across_zones_starts_and_ends_in_different_tzids(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    cal = calendar(service, admin, doc_trip.trip_id)
    [flight] = [e for e in events(cal) if str(e["UID"]).startswith(f"item-{doc_trip.outbound_id}.")]

    assert flight["DTSTART"].params["TZID"] == "America/New_York"
    assert flight["DTEND"].params["TZID"] == "Europe/Lisbon"
    assert flight.decoded("DTEND") - flight.decoded("DTSTART") == datetime(2027, 5, 2, 19) - datetime(
        2027, 5, 2, 12
    )
    assert str(flight["SUMMARY"]) == "TP 202 JFK → LIS"
    assert "ABC123" in str(flight["DESCRIPTION"]) and str(flight["LOCATION"]) == "New York JFK"


def test_the_calendar_holds_a_vtimezone_for_every_zone_it_uses(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    cal = calendar(service, admin, doc_trip.trip_id)

    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert zones == {"America/New_York", "Europe/Lisbon"}
    assert cal.get_missing_tzids() == set()


def test_uids_are_stable_across_renders_and_sequence_follows_the_version(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    first = events(calendar(service, admin, doc_trip.trip_id))
    second = events(calendar(service, admin, doc_trip.trip_id))

    assert [str(e["UID"]) for e in first] == [str(e["UID"]) for e in second]
    assert {int(e["SEQUENCE"]) for e in first} == {1}
    assert {int(e["SEQUENCE"]) for e in second} == {2}


def test_the_calendar_has_no_prices_no_secrets_and_a_script_name_as_text(
    service: TravelService, admin: Principal, script_trip: DocTrip
) -> None:
    doc = render(service, admin, script_trip.trip_id, kind="itinerary", fmt="ics", today=TODAY)
    text = doc.bytes.decode("utf-8")

    summaries = [str(e["SUMMARY"]) for e in events(Calendar.from_ical(doc.bytes))]
    assert "<script>alert(1)</script>" in summaries
    for absent in ("EUR", "SECRET-RATE-77", "Supplier cost note", "P1234567", "Cancelled Tagus cruise"):
        assert absent not in text
