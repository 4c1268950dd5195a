"""Services: clients, travelers, trips, items, options, payments, documents, totals, duplicates, roles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from travel_helpers import ANCHOR, CleanTrip

from core.errors import PermissionDenied, ValidationError
from core.security import Principal
from core.travel import DUPLICATE_CLIENT_SCORE, NotFound, RecordInvalid, TravelService


def dense(service: TravelService, admin: Principal, trip_id: int, day_id: int | None) -> list[int]:
    """Item ids of one list in position order, asserting positions are exactly 0..n-1."""
    items = [i for i in service.list_items(admin, trip_id) if i.day_id == day_id]
    items.sort(key=lambda i: i.position)
    assert [i.position for i in items] == list(range(len(items)))
    return [i.id for i in items if i.id is not None]


# ----------------------------------------------------------------------------------------------------------
# Clients, travelers, trips
# ----------------------------------------------------------------------------------------------------------


def test_a_client_is_created_updated_archived_and_restored(service: TravelService, admin: Principal) -> None:
    client = service.create_client(
        admin, name="Ana Silva", email="ana@example.com", tags=["vip", " vip ", ""]
    )
    assert client.id and client.agency_id == 1 and client.tags == ["vip"] and client.created_at
    updated = service.update_client(admin, client.id, phone="+351 912 345 678", notes="Prefers aisle seats")
    assert (updated.phone, updated.notes, updated.email) == (
        "+351 912 345 678",
        "Prefers aisle seats",
        "ana@example.com",
    )
    assert service.archive_client(admin, client.id).archived
    assert service.list_clients(admin) == [] and len(service.list_clients(admin, include_archived=True)) == 1
    assert not service.archive_client(admin, client.id, archived=False).archived


def test_archiving_goes_through_archive_not_update(service: TravelService, admin: Principal) -> None:
    client = service.create_client(admin, name="Ana")
    assert client.id
    with pytest.raises(RecordInvalid, match="archived cannot be changed this way"):
        service.update_client(admin, client.id, archived=True)


def test_an_update_with_a_bad_value_names_the_field_and_changes_nothing(
    service: TravelService, admin: Principal
) -> None:
    client = service.create_client(admin, name="Ana", email="ana@example.com")
    assert client.id
    with pytest.raises(RecordInvalid, match="email = 'ana@'"):
        service.update_client(admin, client.id, email="ana@", notes="changed")
    assert service.get_client(admin, client.id) == client


def test_travelers_keep_their_documents_unless_documents_are_given(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    ana_id = clean_trip.traveler_ids[0]
    ana = service.update_traveler(admin, ana_id, preferences={"seat": "aisle", "meal": "vegetarian"})
    assert ana.preferences.seat == "aisle" and ana.documents[0].masked == "••••4567"
    renewed = {"kind": "passport", "number": "N9990001", "country": "PT", "expiry": "2036-01-01"}
    ana = service.update_traveler(admin, ana_id, documents=[*ana.documents, renewed])
    assert [d.masked for d in ana.documents] == ["••••4567", "••••0001"]
    passport = ana.passport()
    assert passport is not None and passport.expiry == date(2036, 1, 1)


def test_revealing_a_document_number_is_for_writers_and_is_logged(
    service: TravelService, admin: Principal, viewer: Principal, clean_trip: CleanTrip
) -> None:
    assert service.reveal_document_number(admin, clean_trip.traveler_ids[0]) == "P1234567"
    assert "Revealed Ana Silva's passport number ••••4567" in service.recent_activity(admin)[0].summary
    with pytest.raises(PermissionDenied, match="see a travel document number"):
        service.reveal_document_number(viewer, clean_trip.traveler_ids[0])


def test_a_trip_refers_only_to_existing_clients_and_travelers_naming_the_field(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    with pytest.raises(RecordInvalid, match="client_id = 999: no client 999"):
        service.create_trip(admin, name="x", client_id=999)
    with pytest.raises(RecordInvalid, match=r"party.1 = 999: no traveler 999"):
        service.create_trip(admin, name="x", party=[clean_trip.traveler_ids[0], 999])
    with pytest.raises(RecordInvalid, match=r"party = .*lists a traveler twice"):
        service.create_trip(admin, name="x", party=[clean_trip.traveler_ids[0]] * 2)


def test_trips_are_listed_by_start_date_and_filtered(service: TravelService, admin: Principal) -> None:
    later = service.create_trip(admin, name="Later", start_date="2027-09-01", status="confirmed")
    sooner = service.create_trip(admin, name="Sooner", start_date="2027-03-01")
    undated = service.create_trip(admin, name="Someday")
    assert [t.name for t in service.list_trips(admin)] == ["Sooner", "Later", "Someday"]
    assert [t.id for t in service.list_trips(admin, status="confirmed")] == [later.id]
    assert sooner.agent_id == admin.user_id
    assert undated.id
    service.archive_trip(admin, undated.id)
    assert [t.name for t in service.list_trips(admin)] == ["Sooner", "Later"]


def test_a_trip_with_its_client_and_travelers_is_created_in_one_go(
    service: TravelService, admin: Principal
) -> None:
    client, travelers, trip = service.create_trip_with_client(
        admin,
        client={"name": "The Costa Family", "email": "costa@example.com"},
        travelers=[
            {"first_name": "Zoë", "last_name": "Costa"},
            {"first_name": "Tomás", "last_name": "Costa"},
        ],
        trip={"name": "Porto weekend", "start_date": "2027-06-01", "end_date": "2027-06-03"},
    )
    assert trip.client_id == client.id and trip.party == [t.id for t in travelers]


def test_unknown_ids_say_what_was_not_found(service: TravelService, admin: Principal) -> None:
    with pytest.raises(NotFound, match="No trip 42 in your agency"):
        service.get_trip(admin, 42)
    with pytest.raises(NotFound, match="No item 7 in your agency"):
        service.update_item(admin, 7, title="x")


def test_imported_records_are_found_by_external_id_and_not_imported_twice(
    service: TravelService, admin: Principal
) -> None:
    client = service.create_client(admin, name="Ana", external_id="d1:client:17")
    assert service.find_by_external_id(admin, "client", "d1:client:17") == client.id
    assert service.find_by_external_id(admin, "trip", "d1:trip:1") is None
    with pytest.raises(RecordInvalid, match="external_id = 'd1:client:17' is already imported"):
        service.create_client(admin, name="Ana again", external_id="d1:client:17")


# ----------------------------------------------------------------------------------------------------------
# Roles and agencies
# ----------------------------------------------------------------------------------------------------------

WRITES: list[tuple[str, Callable[[TravelService, Principal, CleanTrip], Any]]] = [
    ("create a client", lambda s, p, t: s.create_client(p, name="x")),
    ("update a trip", lambda s, p, t: s.update_trip(p, t.trip_id, name="x")),
    ("add items", lambda s, p, t: s.add_item(p, t.trip_id, kind="note", title="x")),
    ("move an item", lambda s, p, t: s.move_item(p, t.fado, day_id=None)),
    ("add a payment", lambda s, p, t: s.add_payment(p, t.trip_id, due_date="2027-01-01", amount_cents=1)),
    (
        "record a document",
        lambda s, p, t: s.record_document(p, t.trip_id, kind="proposal", format="pdf", path="x"),
    ),
    ("archive a trip", lambda s, p, t: s.archive_trip(p, t.trip_id)),
]


@pytest.mark.parametrize(("action", "call"), WRITES, ids=[w[0] for w in WRITES])
def test_a_viewer_reads_but_every_write_is_refused_naming_the_action(
    service: TravelService, viewer: Principal, clean_trip: CleanTrip, action: str, call: Any
) -> None:
    assert service.get_trip(viewer, clean_trip.trip_id).name == "Lisbon in May"
    with pytest.raises(PermissionDenied, match=f"may not {action}"):
        call(service, viewer, clean_trip)


def test_agents_may_not_add_users_or_edit_instructions(service: TravelService, admin: Principal) -> None:
    agent = service.create_user(admin, display_name="Ana Agent", email="ana@agency.example").principal()
    assert agent.role == "agent"
    with pytest.raises(PermissionDenied, match="add users"):
        service.create_user(agent, display_name="x")
    with pytest.raises(PermissionDenied, match="edit the assistant's instructions"):
        service.save_instruction(agent, "verify_trip", text="x")


def test_another_agency_sees_none_of_our_records(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    _, other_admin = service.create_agency(admin, name="Other Travel", default_currency="EUR")
    other = other_admin.principal()
    with pytest.raises(NotFound):
        service.get_trip(other, clean_trip.trip_id)
    with pytest.raises(NotFound):
        service.get_traveler(other, clean_trip.traveler_ids[0])
    assert service.list_clients(other) == [] and service.get_anything(other, "Silva") == []
    assert service.recent_activity(other) == []  # the agency's creation is logged in ours
    with pytest.raises(RecordInvalid, match=r"party.0"):
        service.create_trip(other, name="x", party=[clean_trip.traveler_ids[0]])


def test_every_write_is_in_the_activity_log_with_who_and_what(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.update_trip(admin, clean_trip.trip_id, status="confirmed", notes="Deposit in")
    entry = service.recent_activity(admin, trip_id=clean_trip.trip_id, limit=1)[0]
    assert (entry.action, entry.user_id, entry.user_name) == ("trip.update", 1, "Administrator")
    assert entry.details == {"changed": ["notes", "status"]} and "Lisbon in May" in entry.summary
    actions = {e.action for e in service.recent_activity(admin, limit=100)}
    assert {
        "client.create",
        "traveler.create",
        "trip.create",
        "day.create",
        "item.create",
        "payment.create",
    } <= actions
    assert service.recent_activity(admin, client_id=clean_trip.client_id)[-1].action == "client.create"


# ----------------------------------------------------------------------------------------------------------
# Items: positions stay dense
# ----------------------------------------------------------------------------------------------------------


def test_an_item_inserted_at_a_position_shifts_the_others(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    day = clean_trip.day_ids[0]
    assert dense(service, admin, clean_trip.trip_id, day) == [clean_trip.outbound, clean_trip.hotel]
    transfer = service.add_item(
        admin, clean_trip.trip_id, day_id=day, position=1, kind="transfer", title="Taxi"
    )
    assert dense(service, admin, clean_trip.trip_id, day) == [
        clean_trip.outbound,
        transfer.id,
        clean_trip.hotel,
    ]
    assert transfer.currency == "EUR"  # the trip's currency by default


def test_reordering_a_day_sets_exactly_that_order(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    day = clean_trip.day_ids[0]
    note = service.add_item(admin, clean_trip.trip_id, day_id=day, kind="note", title="Call the hotel").id
    assert note
    service.reorder_items(admin, clean_trip.trip_id, day, [note, clean_trip.outbound, clean_trip.hotel])
    assert dense(service, admin, clean_trip.trip_id, day) == [note, clean_trip.outbound, clean_trip.hotel]
    # Timed items cannot be put out of time order: they snap back, the untimed note keeps its slot.
    final = service.reorder_items(
        admin, clean_trip.trip_id, day, [clean_trip.hotel, note, clean_trip.outbound]
    )
    assert [i.id for i in final] == [clean_trip.outbound, note, clean_trip.hotel]
    assert dense(service, admin, clean_trip.trip_id, day) == [clean_trip.outbound, note, clean_trip.hotel]
    with pytest.raises(ValidationError, match=r"must list each item of day .* exactly once"):
        service.reorder_items(admin, clean_trip.trip_id, day, [clean_trip.hotel, note])


def test_moving_between_days_and_to_unscheduled_keeps_both_lists_dense(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, d = clean_trip.trip_id, clean_trip.day_ids
    service.move_item(admin, clean_trip.outbound, day_id=d[1], position=0)
    assert dense(service, admin, t, d[0]) == [clean_trip.hotel]
    # Re-dated to day 2, the 08:00 New York flight (12:00 UTC) comes after the 09:00 Lisbon tour (08:00 UTC).
    assert dense(service, admin, t, d[1]) == [clean_trip.sintra, clean_trip.outbound]
    service.move_item(admin, clean_trip.sintra, day_id=None, position=0)
    assert dense(service, admin, t, None) == [clean_trip.sintra, clean_trip.idea]
    assert dense(service, admin, t, d[1]) == [clean_trip.outbound]
    service.move_item(
        admin, clean_trip.sintra, day_id=None, position=5
    )  # within its list, clamped to the end
    assert dense(service, admin, t, None) == [clean_trip.idea, clean_trip.sintra]
    moved = service.move_item(admin, clean_trip.idea, day_id=d[0])
    assert moved.day_id == d[0] and dense(service, admin, t, d[0]) == [clean_trip.hotel, clean_trip.idea]


def test_an_item_cannot_move_to_another_trips_day(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    other = service.create_trip(admin, name="Other", start_date="2027-01-01", end_date="2027-01-01")
    assert other.id
    foreign_day = service.ensure_days(admin, other.id)[0]
    with pytest.raises(
        RecordInvalid, match=f"day_id = {foreign_day.id} is not a day of trip {clean_trip.trip_id}"
    ):
        service.move_item(admin, clean_trip.fado, day_id=foreign_day.id)


def test_removing_an_item_or_a_day_compacts_positions(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t, d = clean_trip.trip_id, clean_trip.day_ids
    service.remove_item(admin, clean_trip.outbound)
    assert dense(service, admin, t, d[0]) == [clean_trip.hotel]
    service.remove_day(admin, d[0])
    assert dense(service, admin, t, None) == [clean_trip.idea, clean_trip.hotel]
    assert len(service.list_days(admin, t)) == 7


def test_item_fields_are_edited_but_day_and_position_only_move_with_move_item(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    item = service.update_item(admin, clean_trip.sintra, status="booked", confirmation_numbers=["SIN-1"])
    assert item.status == "booked" and item.confirmation_numbers == ["SIN-1"]
    with pytest.raises(RecordInvalid, match="day_id, position cannot be changed this way"):
        service.update_item(admin, clean_trip.sintra, day_id=None, position=0)


# ----------------------------------------------------------------------------------------------------------
# Options, payments, documents
# ----------------------------------------------------------------------------------------------------------


def test_options_get_tier_labels_and_only_one_may_be_accepted(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    options = [service.add_option(admin, clean_trip.trip_id, tier=t) for t in (1, 2, 3)]
    assert [o.label for o in options] == ["Essential", "Signature", "Ultimate"]
    assert options[1].id and options[2].id
    service.update_option(admin, options[1].id, status="accepted")
    with pytest.raises(RecordInvalid, match=f"option {options[1].id} \\('Signature'\\) is already accepted"):
        service.update_option(admin, options[2].id, status="accepted")
    assert service.add_option(admin, clean_trip.trip_id, tier=4).label == "Bespoke"  # up to four tiers
    with pytest.raises(RecordInvalid, match="tier = 5"):
        service.add_option(admin, clean_trip.trip_id, tier=5)


def test_marking_a_payment_paid_records_the_day(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    paid = service.mark_paid(admin, clean_trip.balance, paid_on=date(2027, 3, 18))
    assert paid.paid and paid.paid_on == date(2027, 3, 18)
    with pytest.raises(RecordInvalid, match=r"paid_on .* is set but paid is false"):
        service.update_payment(admin, clean_trip.balance, paid=False)


def test_documents_get_the_next_version_per_trip_and_kind_and_who_made_them(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    first = service.record_document(admin, t, kind="proposal", format="html", path="out/p1.html")
    same = service.record_document(
        admin, t, kind="proposal", format="pdf", path="out/p1.pdf", version=first.version
    )
    second = service.record_document(admin, t, kind="proposal", format="pdf", path="out/p2.pdf")
    itinerary = service.record_document(admin, t, kind="itinerary", format="ics", path="out/i.ics")
    assert (first.version, same.version, second.version, itinerary.version) == (1, 1, 2, 1)
    assert first.created_by == admin.user_id and first.created_at is not None
    assert [d.version for d in service.list_documents(admin, t, kind="proposal")] == [2, 1, 1]
    with pytest.raises(RecordInvalid, match=r"proposal v2 \(pdf\) of trip .* is already recorded"):
        service.record_document(admin, t, kind="proposal", format="pdf", path="x", version=2)
    with pytest.raises(RecordInvalid, match="kind = 'brochure'"):
        service.record_document(admin, t, kind="brochure", format="pdf", path="x")


# ----------------------------------------------------------------------------------------------------------
# Totals
# ----------------------------------------------------------------------------------------------------------


def test_trip_totals_match_the_hand_computed_figures(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    totals = service.trip_totals(admin, clean_trip.trip_id, today=ANCHOR)
    # counted: flights 120000/120000 + 0/0, hotel 200000/230000, Sintra 30000/36000, fado 15000/18000;
    # not counted: the optional walk and the cancelled boat trip.
    assert (totals.cost_cents, totals.sell_cents, totals.margin_cents) == (365_000, 404_000, 39_000)
    assert totals.margin_pct == 9.7 and totals.items_counted == 5
    assert totals.commission_expected_cents == 23_000  # 10% of the hotel's 230000
    assert totals.commission_received_cents == 2_700  # 15% of the fado's 18000
    assert totals.client_total_cents == 429_000  # sell + planning fee 25000
    assert (totals.scheduled_cents, totals.paid_cents, totals.balance_due_cents) == (
        429_000,
        100_000,
        329_000,
    )
    assert (totals.next_payment_date, totals.next_payment_cents) == (date(2027, 3, 20), 329_000)
    assert totals.next_supplier_due == date(2027, 3, 1) and totals.unscheduled_balance_cents == 0


def test_totals_follow_the_chosen_option_and_leave_other_currencies_out(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    t = clean_trip.trip_id
    essential, ultimate = (service.add_option(admin, t, tier=n) for n in (1, 3))
    assert essential.id and ultimate.id
    e_day = service.add_day(admin, t, date="2027-05-05", option_id=essential.id)
    u_day = service.add_day(admin, t, date="2027-05-05", option_id=ultimate.id)
    service.add_item(
        admin, t, day_id=e_day.id, kind="activity", title="Tram ride", cost_cents=1_000, sell_cents=1_500
    )
    service.add_item(
        admin, t, day_id=u_day.id, kind="activity", title="Yacht", cost_cents=90_000, sell_cents=99_000
    )
    service.add_item(admin, t, kind="activity", title="Gift", sell_cents=5_000, currency="USD")
    assert service.trip_totals(admin, t).sell_cents == 404_000  # no option chosen: only the shared plan
    assert service.trip_totals(admin, t, option_id=ultimate.id).sell_cents == 404_000 + 99_000
    service.update_option(admin, essential.id, status="accepted")
    totals = service.trip_totals(admin, t)
    assert (totals.option_id, totals.sell_cents) == (essential.id, 404_000 + 1_500)
    assert len(totals.other_currency_item_ids) == 1


def test_the_trip_plan_holds_everything_in_day_order(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    plan = service.get_trip_plan(admin, clean_trip.trip_id)
    assert plan.client is not None and plan.client.name == "Ana & Rui Silva"
    assert [t.first_name for t in plan.travelers] == ["Ana", "Rui"]
    assert [d.day.date.day for d in plan.days] == list(range(2, 10))
    assert [i.id for i in plan.days[0].items] == [clean_trip.outbound, clean_trip.hotel]
    assert [i.id for i in plan.unscheduled] == [clean_trip.idea]
    assert len(plan.items()) == 8 and len(plan.payments) == 2


# ----------------------------------------------------------------------------------------------------------
# Duplicates
# ----------------------------------------------------------------------------------------------------------


def test_a_new_client_with_a_known_email_is_a_certain_duplicate(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    matches = service.find_duplicates(admin, {"name": "Someone Else", "email": "ANA.SILVA@example.com"})
    assert [(m.client.id, m.score) for m in matches] == [(clean_trip.client_id, 1.0)]
    assert matches[0].why == "same email (ana.silva@example.com)"


def test_a_similar_name_with_the_same_phone_is_a_likely_duplicate(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    matches = service.find_duplicates(admin, {"name": "Ana Silv", "phone": "912-345-678"})
    assert [m.client.id for m in matches] == [clean_trip.client_id]
    assert 0.6 < matches[0].score < 1.0 and "same phone" in matches[0].why


def test_a_similar_name_with_a_travelers_birth_date_is_a_likely_duplicate(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    matches = service.find_duplicates(admin, {"name": "Rui Silva", "date_of_birth": "1982-07-30"})
    assert [m.client.id for m in matches] == [clean_trip.client_id]
    assert "same date of birth" in matches[0].why


def test_a_same_phone_or_birth_date_with_a_different_name_is_not_a_duplicate(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    assert service.find_duplicates(admin, {"name": "Kwame Mensah", "phone": "+351 912 345 678"}) == []
    assert service.find_duplicates(admin, {"name": "Kwame Mensah", "date_of_birth": "1982-07-30"}) == []
    assert service.find_duplicates(admin, {"name": "Ana Silva"}) == []  # a name alone proves nothing


def test_an_archived_duplicate_is_still_found_and_said_to_be_archived(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    service.archive_client(admin, clean_trip.client_id)
    matches = service.find_duplicates(admin, {"email": "ana.silva@example.com"})
    assert matches and matches[0].why.endswith("(archived)")


def test_the_duplicate_policy_calls_a_match_at_the_threshold_a_duplicate_and_one_below_not(
    service: TravelService, admin: Principal, clean_trip: CleanTrip
) -> None:
    """The Clients page asks, the MCP tool refuses and the importer merges on ``likely_duplicates``."""
    # Rui's exact name and birth date score the threshold itself; a near name with it scores just below.
    same = service.find_duplicates(admin, {"name": "Rui Silva", "date_of_birth": "1982-07-30"})
    near = service.find_duplicates(admin, {"name": "Rui Silvas", "date_of_birth": "1982-07-30"})
    assert [m.score for m in same] == [DUPLICATE_CLIENT_SCORE] and same[0].is_duplicate
    assert len(near) == 1 and near[0].client.id == clean_trip.client_id
    assert "similar name (9" in near[0].why and near[0].score < DUPLICATE_CLIENT_SCORE
    assert not near[0].is_duplicate
    assert service.likely_duplicates(admin, {"name": "Rui Silva", "date_of_birth": "1982-07-30"}) == same
    assert service.likely_duplicates(admin, {"name": "Rui Silvas", "date_of_birth": "1982-07-30"}) == []
