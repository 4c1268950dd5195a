"""Trip checks flag what they should (and nothing on a clean trip); they never block a save."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from travel_helpers import ANCHOR, CleanTrip

from core.security import Principal
from core.travel import Flag, TravelService


def codes(flags: list[Flag]) -> list[str]:
    return [f.code for f in flags]


def add(service: TravelService, admin: Principal, trip: CleanTrip, day: int | None, **fields: Any) -> int:
    item = service.add_item(
        admin, trip.trip_id, day_id=trip.day_ids[day] if day is not None else None, **fields
    )
    assert item.id is not None
    return item.id


def test_a_clean_trip_has_no_flags(service: TravelService, admin: Principal, clean_trip: CleanTrip) -> None:
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []


def test_checking_changes_nothing(service: TravelService, admin: Principal, clean_trip: CleanTrip) -> None:
    before = service.recent_activity(admin, limit=500)
    service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert service.recent_activity(admin, limit=500) == before


def test_two_timed_items_that_overlap_are_flagged_on_the_later_one(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    lunch = add(
        service,
        admin,
        clean_trip,
        1,
        kind="activity",
        title="Lunch cruise",
        start_local="2027-05-03T12:00",
        start_tz="Europe/Lisbon",
        end_local="2027-05-03T14:00",
    )
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert codes(flags) == ["overlap"] and flags[0].item_id == lunch
    assert "'Lunch cruise'" in flags[0].message and "'Sintra day trip'" in flags[0].message


def test_two_hotel_stays_that_overlap_are_flagged_but_a_stay_does_not_clash_with_activities(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    add(
        service,
        admin,
        clean_trip,
        3,
        kind="hotel",
        title="Sintra palace hotel",
        place_name="Sintra",
        start_local="2027-05-05T15:00",
        start_tz="Europe/Lisbon",
        end_local="2027-05-06T11:00",
    )
    assert codes(service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)) == ["overlap"]


def test_alternatives_in_different_options_do_not_overlap_each_other(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    days = [
        service.add_day(admin, t, date="2027-05-06", option_id=service.add_option(admin, t, tier=n).id)
        for n in (1, 2)
    ]
    for day, title in zip(days, ("Tuk-tuk tour", "Private yacht"), strict=True):
        service.add_item(
            admin,
            t,
            day_id=day.id,
            kind="activity",
            title=title,
            start_local="2027-05-06T10:00",
            start_tz="Europe/Lisbon",
            end_local="2027-05-06T13:00",
        )
    assert service.check_trip(admin, t, today=ANCHOR) == []


def test_an_item_outside_the_trip_dates_is_flagged_but_an_overnight_return_flight_is_not(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_item(admin, clean_trip.inbound, end_local="2027-05-10T01:00")  # lands the next day: fine
    late = add(
        service,
        admin,
        clean_trip,
        None,
        kind="activity",
        title="Extra day in Porto",
        place_name="Porto",
        start_local="2027-05-11T10:00",
        start_tz="Europe/Lisbon",
        end_local="2027-05-11T12:00",
    )
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(f.code, f.item_id) for f in flags] == [("outside_trip_dates", late)]
    assert "outside the trip dates 2027-05-02 – 2027-05-09" in flags[0].message


def test_a_day_outside_the_trip_and_an_item_in_the_wrong_day_are_flagged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.add_day(admin, clean_trip.trip_id, date="2027-05-20", title="Bonus")
    # Moving an item re-dates it now, so only an import-style write (a date that disagrees with its day) can
    # still put an item on the wrong day.
    service.add_item(
        admin,
        clean_trip.trip_id,
        day_id=clean_trip.day_ids[1],
        kind="activity",
        title="Tram 28",
        start_local="2027-05-04T10:00",
        start_tz="Europe/Lisbon",
    )
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert sorted(codes(flags)) == ["day_outside_trip_dates", "item_day_mismatch"]


def test_a_passport_expiring_within_six_months_of_the_return_is_a_warning(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    rui = clean_trip.traveler_ids[1]
    service.update_traveler(
        admin, rui, documents=[{"number": "P7654321", "country": "PT", "expiry": "2027-11-08"}]
    )
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(f.code, f.severity, f.item_id) for f in flags] == [("passport_expires_soon", "warning", None)]
    assert "Rui Silva's passport (••••4321, PT) expires on 2027-11-08" in flags[0].message
    assert "P7654321" not in flags[0].message


def test_six_months_after_the_return_is_fine(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    rui = clean_trip.traveler_ids[1]
    service.update_traveler(
        admin, rui, documents=[{"number": "P7654321", "country": "PT", "expiry": "2027-11-09"}]
    )
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []


def test_a_passport_expiring_before_the_return_is_an_error_unless_renewed(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    rui = clean_trip.traveler_ids[1]
    old = {"number": "P7654321", "country": "PT", "expiry": "2027-05-05"}
    service.update_traveler(admin, rui, documents=[old])
    assert [(f.code, f.severity) for f in service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)] == [
        ("passport_expired_on_return", "error")
    ]
    renewed = {"number": "N1112223", "country": "PT", "expiry": "2037-01-01"}
    service.update_traveler(admin, rui, documents=[old, renewed])
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []


def test_a_booked_item_without_a_confirmation_number_is_flagged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_item(admin, clean_trip.sintra, status="booked")
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(f.code, f.item_id) for f in flags] == [("missing_confirmation", clean_trip.sintra)]


def test_a_flight_arriving_before_it_departs_in_utc_is_an_error(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    # 08:00 in New York is 12:00 UTC; 10:00 in Lisbon is 09:00 UTC: the arrival zone or date is wrong.
    service.update_item(admin, clean_trip.outbound, end_local="2027-05-02T10:00")
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(f.code, f.severity, f.item_id) for f in flags] == [("tz_order", "error", clean_trip.outbound)]
    assert "once both are converted to UTC" in flags[0].message


def test_a_flight_lasting_more_than_twenty_hours_in_utc_is_flagged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_item(admin, clean_trip.outbound, end_local="2027-05-03T20:00")  # arrival date off by one
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert codes(flags) == ["overlap", "tz_implausible_duration"]  # it now also runs into the Sintra trip
    assert "lasts 31.0 hours in UTC" in flags[1].message


def test_a_local_time_without_a_zone_is_flagged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    item = add(
        service, admin, clean_trip, 4, kind="activity", title="Tile museum", start_local="2027-05-06T10:00"
    )
    assert [(f.code, f.item_id) for f in service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)] == [
        ("tz_missing", item)
    ]


def test_a_time_in_the_daylight_saving_gap_is_flagged(service: TravelService, admin: Principal) -> None:
    trip = service.create_trip(admin, name="Easter", start_date="2027-03-27", end_date="2027-03-29")
    assert trip.id
    day = service.ensure_days(admin, trip.id)[1]
    service.add_item(
        admin,
        trip.id,
        day_id=day.id,
        kind="transfer",
        title="Early taxi",
        place_name="Lisbon",
        start_local="2027-03-28T01:30",
        start_tz="Europe/Lisbon",
        end_local="2027-03-28T03:00",
    )  # Portugal's clocks jump from 01:00 to 02:00 on 28 March 2027
    flags = codes(service.check_trip(admin, trip.id, today=ANCHOR))
    assert flags == ["tz_nonexistent_time", "no_travelers"]  # the trip has no party either


def test_an_item_whose_zone_disagrees_with_its_place_is_flagged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_item(admin, clean_trip.fado, start_tz="Europe/Madrid", end_tz="Europe/Madrid")
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(f.code, f.item_id) for f in flags] == [("tz_place_mismatch", clean_trip.fado)]
    assert (
        "usually Europe/Lisbon (UTC+01:00 then), but its time zone is Europe/Madrid (UTC+02:00)"
        in flags[0].message
    )


def test_a_different_zone_with_the_same_offset_is_not_called_a_mistake(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_item(
        admin, clean_trip.fado, start_tz="Europe/London", end_tz="Europe/London"
    )  # both UTC+1 in May
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []


def test_an_item_in_another_currency_is_noted_as_left_out_of_the_totals(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_item(admin, clean_trip.sintra, currency="USD")
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(f.code, f.severity) for f in flags] == [("currency_mismatch", "info")]


def test_an_unpaid_payment_past_its_due_date_is_flagged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    flags = service.check_trip(admin, clean_trip.trip_id, today=date(2027, 3, 21))
    assert codes(flags) == ["payment_overdue"]
    assert "Payment 'Balance' of EUR 3,290.00 was due on 2027-03-20" in flags[0].message


def test_errors_come_before_warnings_and_information(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_item(admin, clean_trip.sintra, currency="USD", status="booked")
    service.update_item(admin, clean_trip.outbound, end_local="2027-05-02T10:00")
    assert [f.severity for f in service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)] == [
        "error",
        "warning",
        "info",
    ]


@pytest.mark.parametrize("status", ["cancelled", "optional"])
def test_cancelled_items_are_not_checked_for_overlaps_but_optional_ones_are(
    service: TravelService, admin: Principal, clean_trip: CleanTrip, status: str
) -> None:
    add(
        service,
        admin,
        clean_trip,
        1,
        kind="activity",
        title="Palace visit",
        status=status,
        start_local="2027-05-03T12:00",
        start_tz="Europe/Lisbon",
        end_local="2027-05-03T14:00",
    )
    expected = [] if status == "cancelled" else ["overlap"]
    assert codes(service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)) == expected


# -- the money and party checks (issue 13) ---------------------------------------------------------------------


def test_an_item_sold_below_cost_is_flagged_but_not_when_cancelled_or_sold_at_cost(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_item(admin, clean_trip.sintra, cost_cents=20_000, sell_cents=15_000)
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(f.code, f.item_id) for f in flags] == [("sold_below_cost", clean_trip.sintra)]
    assert "the agency loses EUR 50.00" in flags[0].message

    service.update_item(admin, clean_trip.sintra, status="cancelled")
    service.update_item(
        admin, clean_trip.fado, sell_cents=service.get_item(admin, clean_trip.fado).cost_cents
    )
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []


def test_a_confirmed_trip_without_payments_is_flagged_but_a_planning_one_is_not(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    for payment in (clean_trip.deposit, clean_trip.balance):
        service.remove_payment(admin, payment)
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []  # still planning

    service.update_trip(admin, clean_trip.trip_id, status="confirmed")
    flags = service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)
    assert [(f.code, f.item_id) for f in flags] == [("no_payment_schedule", None)]

    service.add_payment(admin, clean_trip.trip_id, due_date="2027-03-01", amount_cents=100_000)
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []


def test_a_trip_without_travelers_is_flagged_unless_it_is_cancelled(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_trip(admin, clean_trip.trip_id, party=[])
    assert codes(service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)) == ["no_travelers"]

    service.update_trip(admin, clean_trip.trip_id, status="cancelled")
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []


def test_items_of_a_tier_the_client_did_not_choose_are_not_checked(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    essential, signature = service.ensure_tiers(admin, clean_trip.trip_id, n=2)
    assert essential.id and signature.id
    service.fork_item(admin, clean_trip.sintra, option_id=signature.id)
    [copy] = [
        i
        for i in service.list_items(admin, clean_trip.trip_id)
        if i.title == service.get_item(admin, clean_trip.sintra).title and i.id != clean_trip.sintra
    ]
    assert copy.id
    service.update_item(admin, copy.id, sell_cents=1)  # Essential's copy sold below cost
    assert codes(service.check_trip(admin, clean_trip.trip_id, today=ANCHOR)) == ["sold_below_cost"]

    service.accept_option(admin, signature.id)  # Essential is archived with its copy
    assert service.check_trip(admin, clean_trip.trip_id, today=ANCHOR) == []
