"""Service methods no page or tool calls yet: the trip builder (the next issue) will, for the agency, days,
options, suppliers, payments and search by kind. Each is shown working and refusing bad input."""

from __future__ import annotations

import pytest
from travel_helpers import CleanTrip

from core.errors import PermissionDenied, ValidationError
from core.security import Principal
from core.travel import NotFound, RecordInvalid, TravelService

# ----------------------------------------------------------------------------------------------------------
# Agency
# ----------------------------------------------------------------------------------------------------------


def test_an_admin_renames_the_agency_and_changes_its_currency_and_it_is_logged(
    service: TravelService, admin: Principal
) -> None:
    agency = service.update_agency(admin, name="Lusitania Travel", default_currency="eur")
    assert (agency.name, agency.default_currency) == ("Lusitania Travel", "EUR")
    assert service.get_agency(admin) == agency
    entry = service.recent_activity(admin, limit=1)[0]
    assert (entry.action, entry.details) == ("agency.update", {"changed": ["default_currency", "name"]})


def test_an_agency_update_with_a_bad_currency_names_it_and_changes_nothing(
    service: TravelService, admin: Principal
) -> None:
    before = service.get_agency(admin)
    with pytest.raises(RecordInvalid, match="default_currency"):
        service.update_agency(admin, default_currency="XYZ")
    with pytest.raises(RecordInvalid, match="id cannot be changed this way"):
        service.update_agency(admin, id=2)
    assert service.get_agency(admin) == before


def test_only_an_admin_may_change_the_agency(service: TravelService, admin: Principal) -> None:
    agent = service.create_user(admin, display_name="Ana Agent").principal()
    with pytest.raises(PermissionDenied, match="change the agency's settings"):
        service.update_agency(agent, name="Mine now")


# ----------------------------------------------------------------------------------------------------------
# Travelers and trips: archive, search by kind
# ----------------------------------------------------------------------------------------------------------


def test_an_archived_traveler_leaves_lists_and_search_and_comes_back_when_restored(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    rui = clean_trip.traveler_ids[1]
    archived = service.archive_traveler(admin, rui)
    assert archived.archived and archived.documents  # the documents stay
    assert [t.id for t in service.list_travelers(admin, clean_trip.client_id)] == [clean_trip.traveler_ids[0]]
    assert len(service.list_travelers(admin, clean_trip.client_id, include_archived=True)) == 2
    assert rui not in [t.id for t in service.search_travelers(admin, "Rui Silva")]  # Ana Silva still is
    assert service.recent_activity(admin, limit=1)[0].summary == "Archived traveler 'Rui Silva'"

    assert not service.archive_traveler(admin, rui, archived=False).archived
    assert service.search_travelers(admin, "Rui Silva")[0].id == rui


def test_archiving_a_traveler_of_another_agency_is_not_found(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    _, other_admin = service.create_agency(admin, name="Other Travel")
    with pytest.raises(NotFound, match=f"No traveler {clean_trip.traveler_ids[0]} in your agency"):
        service.archive_traveler(other_admin.principal(), clean_trip.traveler_ids[0])
    assert not service.get_traveler(admin, clean_trip.traveler_ids[0]).archived


def test_travelers_are_searched_by_name_with_typos_and_come_back_whole(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    found = service.search_travelers(admin, "Ana Silvaa")
    assert [t.id for t in found] == [clean_trip.traveler_ids[0]]
    assert found[0].documents[0].number.get_secret_value() == "P1234567"
    assert service.search_travelers(admin, "Kwame") == []
    with pytest.raises(ValidationError, match="limit = 0 is out of range"):
        service.search_travelers(admin, "Silva", limit=0)


def test_trips_are_searched_by_destination_and_archived_ones_only_on_request(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    assert [t.id for t in service.search_trips(admin, "Sintra")] == [clean_trip.trip_id]
    assert service.search_trips(admin, "Sintra")[0].party == clean_trip.traveler_ids
    service.archive_trip(admin, clean_trip.trip_id)
    assert service.search_trips(admin, "Sintra") == []
    assert [t.id for t in service.search_trips(admin, "Sintra", include_archived=True)] == [
        clean_trip.trip_id
    ]
    with pytest.raises(ValidationError, match="longer than 200 characters"):
        service.search_trips(admin, "Lisbon " * 40)


# ----------------------------------------------------------------------------------------------------------
# Options and days
# ----------------------------------------------------------------------------------------------------------


def test_an_option_is_read_back_by_id_and_another_agencys_is_not_found(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    option = service.add_option(admin, clean_trip.trip_id, tier=2)
    assert option.id
    assert service.get_option(admin, option.id) == option
    assert (option.label, option.status) == ("Signature", "draft")
    _, other_admin = service.create_agency(admin, name="Other Travel")
    with pytest.raises(NotFound, match=f"No itinerary option {option.id} in your agency"):
        service.get_option(other_admin.principal(), option.id)
    with pytest.raises(NotFound, match="No itinerary option 999 in your agency"):
        service.get_option(admin, 999)


def test_a_day_is_read_back_by_id_and_an_unknown_one_is_not_found(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    day = service.get_day(admin, clean_trip.day_ids[1])
    assert (day.trip_id, day.date.isoformat(), day.title, day.option_id) == (
        clean_trip.trip_id,
        "2027-05-03",
        "Day 2",
        None,
    )
    with pytest.raises(NotFound, match="No day 999 in your agency"):
        service.get_day(admin, 999)


def test_a_day_gets_a_title_notes_and_an_option_and_the_change_is_logged(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    option = service.add_option(admin, clean_trip.trip_id, tier=3)
    assert option.id
    day = service.update_day(
        admin, clean_trip.day_ids[1], title="Sintra", notes="Early start", option_id=option.id
    )
    assert (day.title, day.notes, day.option_id) == ("Sintra", "Early start", option.id)
    assert service.get_day(admin, clean_trip.day_ids[1]) == day
    entry = service.recent_activity(admin, limit=1)[0]
    assert (entry.action, entry.details) == ("day.update", {"changed": ["notes", "option_id", "title"]})


def test_a_day_update_refuses_another_trips_option_and_moving_trips(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    other = service.create_trip(admin, name="Porto weekend")
    assert other.id
    foreign = service.add_option(admin, other.id, tier=1)
    before = service.get_day(admin, clean_trip.day_ids[1])
    with pytest.raises(RecordInvalid, match=f"option_id = {foreign.id} is not an option of trip"):
        service.update_day(admin, clean_trip.day_ids[1], option_id=foreign.id)
    with pytest.raises(RecordInvalid, match="trip_id cannot be changed this way"):
        service.update_day(admin, clean_trip.day_ids[1], trip_id=other.id)
    with pytest.raises(RecordInvalid, match="date"):
        service.update_day(admin, clean_trip.day_ids[1], date="the third")
    assert service.get_day(admin, clean_trip.day_ids[1]) == before


# ----------------------------------------------------------------------------------------------------------
# Suppliers and payments
# ----------------------------------------------------------------------------------------------------------


def test_suppliers_are_listed_by_name_without_archived_ones_unless_asked(
    service: TravelService, admin: Principal
) -> None:
    for name in ("avenida Palace", "TAP Air Portugal", "Lisbon Walks"):
        service.create_supplier(admin, name=name)
    assert [s.name for s in service.list_suppliers(admin)] == [
        "avenida Palace",
        "Lisbon Walks",
        "TAP Air Portugal",
    ]
    walks = service.list_suppliers(admin)[1]
    assert walks.id
    service.update_supplier(admin, walks.id, archived=True)
    assert [s.name for s in service.list_suppliers(admin)] == ["avenida Palace", "TAP Air Portugal"]
    assert len(service.list_suppliers(admin, include_archived=True)) == 3
    _, other_admin = service.create_agency(admin, name="Other Travel")
    assert service.list_suppliers(other_admin.principal(), include_archived=True) == []


def test_a_supplier_is_updated_and_a_bad_rate_names_the_field_and_changes_nothing(
    service: TravelService, admin: Principal
) -> None:
    hotel = service.create_supplier(admin, name="Avenida Palace", kind="hotel")
    assert hotel.id
    updated = service.update_supplier(admin, hotel.id, commission_rate=0.1, email="res@avenida.example")
    assert (updated.commission_rate, updated.email, updated.kind) == (0.1, "res@avenida.example", "hotel")
    assert service.recent_activity(admin, limit=1)[0].action == "supplier.update"
    with pytest.raises(RecordInvalid, match="commission_rate"):
        service.update_supplier(admin, hotel.id, commission_rate=1.5, notes="changed")
    assert service.get_supplier(admin, hotel.id) == updated
    with pytest.raises(NotFound, match="No supplier 999 in your agency"):
        service.update_supplier(admin, 999, notes="x")


def test_a_payment_is_read_back_by_id_and_an_unknown_one_is_not_found(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    payment = service.get_payment(admin, clean_trip.balance)
    assert (payment.trip_id, payment.amount_cents, payment.description, payment.paid) == (
        clean_trip.trip_id,
        329_000,
        "Balance",
        False,
    )
    with pytest.raises(NotFound, match="No payment 999 in your agency"):
        service.get_payment(admin, 999)


def test_a_removed_payment_is_gone_from_the_trip_and_logged_and_cannot_be_removed_twice(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.remove_payment(admin, clean_trip.balance)
    assert [p.id for p in service.list_payments(admin, clean_trip.trip_id)] == [clean_trip.deposit]
    entry = service.recent_activity(admin, limit=1)[0]
    assert (entry.action, entry.summary, entry.trip_id) == (
        "payment.remove",
        "Removed payment 'Balance'",
        clean_trip.trip_id,
    )
    with pytest.raises(NotFound, match=f"No payment {clean_trip.balance} in your agency"):
        service.remove_payment(admin, clean_trip.balance)


def test_a_viewer_may_not_remove_a_payment(
    service: TravelService, viewer: Principal, clean_trip: CleanTrip
) -> None:
    with pytest.raises(PermissionDenied, match="remove a payment"):
        service.remove_payment(viewer, clean_trip.deposit)
    assert len(service.list_payments(viewer, clean_trip.trip_id)) == 2
