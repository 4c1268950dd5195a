"""Which items a document shows and in what order: time order within a merged day, the invoice's lines
(booked, or in the accepted plan), and no calendar events for unscheduled items."""

from __future__ import annotations

from datetime import date

from documents_helpers import TODAY, DocTrip, build_doc_trip

from core.documents import invoiceable, render
from core.security import Principal
from core.travel import Item, TravelService

DAY1 = date(2027, 5, 2)


def shared_day(service: TravelService, p: Principal, trip_id: int, d: date) -> int:
    plan = service.get_trip_plan(p, trip_id)
    [day_id] = [x.day.id for x in plan.days if x.day.option_id is None and x.day.date == d]
    assert day_id
    return day_id


def add(service: TravelService, p: Principal, trip_id: int, **fields: object) -> Item:
    [item] = service.add_items(p, trip_id, [dict(currency="EUR") | fields])
    return item


def html(service: TravelService, p: Principal, trip_id: int, kind: str) -> str:
    return render(service, p, trip_id, kind=kind, fmt="html", today=TODAY).bytes.decode("utf-8")


def test_within_a_day_shared_and_tier_items_print_in_time_order_and_untimed_keep_their_place(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    day = shared_day(service, admin, doc_trip.trip_id, DAY1)
    add(service, admin, doc_trip.trip_id, day_id=day, kind="note", title="Welcome pack at the desk")
    add(
        service, admin, doc_trip.trip_id, day_id=day, kind="transfer", title="Late transfer to the bar",
        start_local="2027-05-02T23:15", start_tz="Europe/Lisbon", status="booked", sell_cents=5_000,
    )  # fmt: skip

    for kind in ("itinerary", "proposal"):
        page = html(service, admin, doc_trip.trip_id, kind)
        first_day = page.split("Sun 2 May 2027", 2)[-1].split("Mon 3 May 2027")[0]
        order = [
            first_day.index(t)
            for t in ("TP 202 JFK", "Welcome pack", "Avenida Palace", "Late transfer to the bar")
        ]
        assert order == sorted(order), kind  # flight 08:00 NY, note, hotel 21:30 (tier day), transfer 23:15


def test_the_invoice_lists_booked_items_but_not_proposed_ones_while_no_option_is_accepted(
    service: TravelService, admin: Principal
) -> None:
    trip = build_doc_trip(service, admin, accepted_tier=None)
    day = shared_day(service, admin, trip.trip_id, date(2027, 5, 3))
    add(service, admin, trip.trip_id, day_id=day, kind="activity", title="Fado dinner", sell_cents=9_000)

    page = html(service, admin, trip.trip_id, "invoice")

    assert "TP 202 JFK" in page  # booked
    assert "Fado dinner" not in page  # proposed, and the client has chosen nothing yet
    assert not any(h in page for h in ("Memmo Alfama", "Avenida Palace", "Four Seasons Ritz"))


def test_once_an_option_is_accepted_the_invoice_lists_its_proposed_items_and_no_other_tier(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    day = shared_day(service, admin, doc_trip.trip_id, date(2027, 5, 3))
    add(service, admin, doc_trip.trip_id, day_id=day, kind="activity", title="Fado dinner", sell_cents=9_000)

    page = html(service, admin, doc_trip.trip_id, "invoice")

    assert "Fado dinner" in page and "Avenida Palace" in page  # tier 2 is accepted
    assert "Memmo Alfama" not in page and "Four Seasons Ritz" not in page
    assert "Sunset at Miradouro" not in page  # optional
    assert "Cancelled Tagus cruise" not in page


def test_invoiceable_is_booked_or_proposed_in_an_accepted_plan_never_optional_cancelled_or_a_note() -> None:
    def item(**kw: object) -> Item:
        return Item.model_validate(dict(trip_id=1, kind="activity", title="x", currency="EUR") | kw)

    assert invoiceable(item(status="booked"), accepted_option_id=None)
    assert not invoiceable(item(status="proposed"), accepted_option_id=None)
    assert invoiceable(item(status="proposed"), accepted_option_id=3)
    for status in ("optional", "cancelled"):
        assert not invoiceable(item(status=status), accepted_option_id=3)
    assert not invoiceable(item(kind="note", status="booked"), accepted_option_id=3)


def test_an_unscheduled_item_with_a_time_is_no_calendar_event(
    service: TravelService, admin: Principal, doc_trip: DocTrip
) -> None:
    add(
        service, admin, doc_trip.trip_id, kind="activity", title="Maybe: cooking class",
        start_local="2027-05-05T10:00", start_tz="Europe/Lisbon", status="booked",
    )  # fmt: skip

    ics = render(service, admin, doc_trip.trip_id, kind="itinerary", fmt="ics", today=TODAY).bytes.decode()
    page = html(service, admin, doc_trip.trip_id, "itinerary")

    assert "cooking class" not in ics
    assert "Maybe: cooking class" in page  # still listed, under the extras


def test_the_invoice_total_is_the_sum_of_its_lines_and_the_planning_fee(
    service: TravelService, admin: Principal
) -> None:
    from core.travel import format_money

    trip = build_doc_trip(service, admin, accepted_tier=None)
    day = shared_day(service, admin, trip.trip_id, date(2027, 5, 3))
    add(service, admin, trip.trip_id, day_id=day, kind="activity", title="Fado dinner", sell_cents=9_000)
    plan = service.get_trip_plan(admin, trip.trip_id)
    billed = [i for i in plan.items() if invoiceable(i, accepted_option_id=None) and i.currency == "EUR"]

    page = html(service, admin, trip.trip_id, "invoice")

    billed_total = sum(i.sell_cents for i in billed) + plan.trip.planning_fee_cents
    assert billed_total < plan.totals.client_total_cents  # the proposed dinner is not billed yet
    assert format_money(billed_total, "EUR") in page
    assert format_money(plan.totals.client_total_cents, "EUR") not in page
