"""The itinerary as an iCalendar file (RFC 5545), via ``icalendar``.

One VEVENT per timed item (an item with a local start time and a zone): DTSTART and DTEND carry the item's own
TZID (a flight from New York to Lisbon starts in America/New_York and ends in Europe/Lisbon), and the calendar
holds a VTIMEZONE for every zone used, so any client shows the right times. UIDs are stable per item
(``item-<id>.trip-<trip>.agency-<agency>@travelops``), so importing a newer version updates the events
instead of duplicating them; SEQUENCE is the document version. Items without a time (notes, ideas) are not
events. Prices never appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event

from core.travel import Item, Supplier, TripPlan

__all__ = ["item_uid", "render_ics"]

_STATUS = {"booked": "CONFIRMED", "proposed": "TENTATIVE", "optional": "TENTATIVE", "cancelled": "CANCELLED"}


def _set(component: Component, name: str, value: object) -> None:
    component.add(name, value)  # pyright: ignore[reportUnknownMemberType]  (icalendar leaves value untyped)


def item_uid(item: Item, agency_id: int) -> str:
    return f"item-{item.id}.trip-{item.trip_id}.agency-{agency_id}@travelops"


def _description(item: Item, suppliers: dict[int, Supplier]) -> str:
    lines: list[str] = []
    if item.confirmation_numbers:
        lines.append("Confirmation: " + ", ".join(item.confirmation_numbers))
    supplier = suppliers.get(item.supplier_id) if item.supplier_id is not None else None
    if supplier is not None:
        lines.append(supplier.name + (f" · {supplier.phone}" if supplier.phone else ""))
    if item.status == "optional":
        lines.append("Optional.")
    if item.client_notes:
        lines.append(item.client_notes)
    end_tz = item.end_tz or item.start_tz
    if item.end_local is not None and end_tz != item.start_tz:
        lines.append(f"Local times: starts in {item.start_tz}, ends in {end_tz}.")
    return "\n".join(lines)


def render_ics(
    plan: TripPlan,
    items: Sequence[Item],
    *,
    agency_id: int,
    agency_name: str | None,
    version: int,
    now: datetime | None = None,
) -> bytes:
    """The calendar of ``items`` (the itinerary's, in order) of ``plan``'s trip."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    cal = Calendar()
    _set(cal, "prodid", "-//TravelOps//Documents 1.0//EN")
    _set(cal, "version", "2.0")
    _set(cal, "calscale", "GREGORIAN")
    _set(cal, "method", "PUBLISH")
    _set(cal, "x-wr-calname", f"{plan.trip.name} ({agency_name})" if agency_name else plan.trip.name)
    first: date | None = None
    last: date | None = None
    for item in items:
        if item.start_local is None or item.start_tz is None:
            continue
        start = item.start_local.replace(tzinfo=ZoneInfo(item.start_tz))
        event = Event()
        _set(event, "uid", item_uid(item, agency_id))
        _set(event, "dtstamp", stamp)
        _set(event, "sequence", version)
        _set(event, "summary", item.title)
        _set(event, "dtstart", start)
        end_day = start.date()
        if item.end_local is not None:
            end = item.end_local.replace(tzinfo=ZoneInfo(item.end_tz or item.start_tz))
            _set(event, "dtend", end)
            end_day = end.date()
        if item.place_name:
            _set(event, "location", item.place_name)
        description = _description(item, plan.suppliers)
        if description:
            _set(event, "description", description)
        _set(event, "status", _STATUS.get(item.status, "TENTATIVE"))
        _set(event, "categories", [item.kind.upper()])
        if item.kind == "hotel":
            _set(event, "transp", "TRANSPARENT")  # a stay does not make the traveller busy
        if item.updated_at is not None:
            _set(event, "last-modified", item.updated_at.astimezone(UTC).replace(microsecond=0))
        cal.add_component(event)
        first = min(first or start.date(), start.date())
        last = max(last or end_day, end_day)
    if first is not None and last is not None:
        # Transitions around the trip only: the whole 1970-2038 default makes large files for nothing.
        cal.add_missing_timezones(
            first_date=first - timedelta(days=400), last_date=last + timedelta(days=400)
        )
    return cal.to_ical()
