"""Import from the original system: a D1 dump built in the tests (see ``d1_dumps``) into a real travel store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from d1_dumps import (
    OLD_SCHEMA,
    TODAY,
    V2_SCHEMA,
    build_database,
    dump_text,
    mixed_dump,
    old_dump,
    v2_dump,
    v2_tables,
    write_dump,
)

from core.errors import PermissionDenied
from core.security import Principal
from core.travel import Item, RecordInvalid, Traveler, TravelService, Trip
from core.travel.d1 import D1DumpError, ImportReport, import_d1
from core.travel.d1.values import Unreadable, read_cents, read_date, read_times, split_name

ROOT = Path(__file__).parents[4]


# ------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------


def run(service: TravelService, admin: Principal, dump: Path) -> ImportReport:
    return import_d1(service, admin, dump, today=TODAY)


def trip(service: TravelService, admin: Principal, external_id: str) -> Trip:
    trip_id = service.find_by_external_id(admin, "trip", external_id)
    assert trip_id is not None, f"{external_id} was not imported"
    return service.get_trip(admin, trip_id)


def traveler(service: TravelService, admin: Principal, client_external_id: str) -> Traveler:
    client_id = service.find_by_external_id(admin, "client", client_external_id)
    assert client_id is not None, f"{client_external_id} was not imported"
    (only,) = service.list_travelers(admin, client_id)
    return only


def items_by_title(service: TravelService, admin: Principal, trip_id: int) -> dict[str, Item]:
    return {i.title: i for i in service.list_items(admin, trip_id)}


def reasons(report: ImportReport, table: str, key: str) -> str:
    return " | ".join(f"{i.action}: {i.reason}" for i in report.issues_for(table, key))


def store_snapshot(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def v2(service: TravelService, admin: Principal, tmp_path: Path) -> ImportReport:
    return run(service, admin, v2_dump(tmp_path))


# ------------------------------------------------------------------------------------------------------------
# Reading the original's values (the rules the module docstring states)
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-07", date(2025, 3, 7)),
        ("2025-03-07T22:30:00Z", date(2025, 3, 7)),
        ("03/07/2025", date(2025, 3, 7)),  # month first, as the original wrote dates
        ("25/12/2025", date(2025, 12, 25)),  # ... unless the first number cannot be a month
        ("07.03.2025", date(2025, 3, 7)),  # dots: day first
        ("2025/03/07", date(2025, 3, 7)),
        ("7 Mar 2025", date(2025, 3, 7)),
        ("March 7, 2025", date(2025, 3, 7)),
        ("Friday, 7 March 2025", date(2025, 3, 7)),
        ("", None),
        ("  ", None),
        ("n/a", None),
        (None, None),
    ],
)
def test_dates_are_read_from_the_formats_the_original_wrote(raw: str | None, expected: date | None) -> None:
    assert read_date(raw) == expected


@pytest.mark.parametrize("raw", ["2025-02-30", "13/13/2025", "soon", "7 Smarch 2025"])
def test_unreadable_dates_say_why(raw: str) -> None:
    with pytest.raises(Unreadable, match=raw):
        read_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09:00", ("09:00", None)),
        ("9:30 PM", ("21:30", None)),
        ("9am", ("09:00", None)),
        ("21h30", ("21:30", None)),
        ("noon", ("12:00", None)),
        ("10:00-12:30", ("10:00", "12:30")),
        ("9am to 1pm", ("09:00", "13:00")),
    ],
)
def test_times_and_time_ranges_are_read(raw: str, expected: tuple[str, str | None]) -> None:
    start, end = read_times(raw)
    assert (start and start.strftime("%H:%M"), end and end.strftime("%H:%M")) == expected


@pytest.mark.parametrize("raw", ["morning", "after lunch", "3 attendees", "25:00"])
def test_words_are_not_times(raw: str) -> None:
    with pytest.raises(Unreadable):
        read_times(raw)


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        (1200, 120000),
        (12.5, 1250),
        ("1,200.50", 120050),
        ("1.200,50", 120050),
        ("EUR 90.00", 9000),
        ("$1,200", 120000),
        ("12,5", 1250),
        ("free", 0),
        ("", None),
        ("TBD", None),
    ],
)
def test_amounts_become_cents(raw: object, cents: int | None) -> None:
    assert read_cents(raw) == cents


@pytest.mark.parametrize("raw", [-50, "-50", "(100)", "two hundred", "about 300", True])
def test_negative_and_text_amounts_are_refused(raw: object) -> None:
    with pytest.raises(Unreadable):
        read_cents(raw)


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("Ana Silva", ("Ana", "Silva")),
        ("Mary Ann Smith", ("Mary Ann", "Smith")),
        ("Maria de la Cruz", ("Maria", "de la Cruz")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("Smith, Dana", ("Dana", "Smith")),
        ("Dr. Eve Adams", ("Eve", "Adams")),
        ("John Smith Jr.", ("John", "Smith Jr.")),
        ("Cher", None),
        ("Mr. Bean", None),
    ],
)
def test_full_names_split_into_legal_first_and_last_names(
    full: str, expected: tuple[str, str] | None
) -> None:
    assert split_name(full) == expected


# ------------------------------------------------------------------------------------------------------------
# Counts and the report
# ------------------------------------------------------------------------------------------------------------


def test_counts_per_table_add_up_to_the_rows_of_the_dump(v2: ImportReport) -> None:
    tables = v2_tables()
    for name in ("clients_v2", "trips_v2", "trip_client_assignments", "ActivityLog"):
        c = v2.counts(name)
        assert c.read == len(tables[name])
        assert c.read == c.imported + c.merged + c.unchanged + c.skipped
    assert (v2.counts("clients_v2").imported, v2.counts("clients_v2").merged) == (7, 1)
    assert v2.counts("clients_v2").skipped == 1
    assert v2.counts("trips_v2").imported == 5
    assert (v2.counts("trip_client_assignments").imported, v2.counts("trip_client_assignments").skipped) == (
        2,
        1,
    )
    assert v2.created == {"clients": 8, "travelers": 7, "trips": 5, "days": 26, "items": 8, "payments": 3}


def test_internal_d1_tables_are_ignored_and_unknown_tables_are_listed(v2: ImportReport) -> None:
    names = {t.table for t in v2.tables}
    assert "_cf_KV" not in names and "d1_migrations" not in names
    assert v2.ignored_tables == ["Settings"]


def test_report_renders_counts_and_grouped_reasons_and_dumps_to_json(v2: ImportReport) -> None:
    text = v2.render()
    assert "clients_v2" in text and "read" in text and "merged" in text
    assert "Created: 8 clients, 7 travelers, 5 trips, 26 days, 8 items, 3 payments." in text
    assert "ActivityLog #1, #2, #3: held back" in text  # one line for rows with the same reason
    data = json.loads(json.dumps(v2.model_dump(mode="json")))
    assert data["layout"] == "v2" and data["tables"][0]["table"] == "clients_v2"
    assert {"table", "row_key", "action", "reason"} <= set(data["issues"][0])


# ------------------------------------------------------------------------------------------------------------
# Clients and travelers
# ------------------------------------------------------------------------------------------------------------


def test_a_clean_client_becomes_a_household_with_its_traveler(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    client = service.get_client(admin, service.find_by_external_id(admin, "client", "d1:clients_v2:1") or 0)
    assert (client.name, client.email, client.phone) == (
        "Ana Silva",
        "ana.silva@example.com",
        "+351 912 345 678",
    )
    assert client.address == "Rua Augusta 1, Lisboa, PT"
    assert "VIP: anniversary in May" in client.notes and "Emergency contact: name: Rui Silva" in client.notes
    ana = traveler(service, admin, "d1:clients_v2:1")
    assert (ana.first_name, ana.last_name, ana.date_of_birth) == ("Ana", "Silva", date(1984, 3, 12))
    assert ana.preferences.seat == "aisle" and ana.preferences.meal == "vegetarian"
    assert ana.preferences.hotel_tier == "luxury" and ana.preferences.interests == ["wine", "history"]
    assert "pillow: firm" in ana.notes  # not a preference we model: kept as text
    assert ("TAP Miles&Go", "TP123456") in [(lp.program, lp.number) for lp in ana.loyalty_programs]


def test_passport_and_visa_are_stored_encrypted_and_shown_masked(
    v2: ImportReport, service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    ana = traveler(service, admin, "d1:clients_v2:1")
    passport = ana.passport()
    assert passport is not None
    assert (passport.country, passport.expiry, passport.masked) == ("PT", date(2031, 3, 7), "••••4567")
    assert [d.kind for d in ana.documents] == ["passport", "visa"]
    assert ana.id is not None and service.reveal_document_number(admin, ana.id, 0) == "P1234567"
    raw = (tmp_path / "travel.db").read_bytes() + (tmp_path / "travel.db-wal").read_bytes()
    assert b"P1234567" not in raw and b"ESTA998877" not in raw
    assert "POL123456789" not in ana.notes and "••••6789" in ana.notes  # insurance policy masked in notes
    assert "P1234567" not in json.dumps(v2.model_dump(mode="json"))


def test_the_same_email_in_another_case_is_merged_into_the_same_traveler(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    assert service.find_by_external_id(admin, "client", "d1:clients_v2:2") is None
    assert "merged: into client 'Ana Silva'" in reasons(v2, "clients_v2", "2")
    assert "same email" in reasons(v2, "clients_v2", "2")
    ana = traveler(service, admin, "d1:clients_v2:1")  # still one traveler in the household
    assert ("Marriott Bonvoy", "MB555000") in [(lp.program, lp.number) for lp in ana.loyalty_programs]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("3", "fixed: contact_info is not valid JSON"),
        ("3", "imported: no email"),
        ("4", "fixed: name 'Cher' is a single word: imported as a client without a traveler"),
        ("5", "skipped: the name and the email are empty"),
        ("6", "fixed: travel_docs is not valid JSON"),
        ("7", "fixed: email 'dana at example' dropped"),
        ("7", "fixed: passport ••••4332 not imported: country 'Narnia' is not one we know"),
        ("8", "fixed: date_of_birth '1990-13-45' is not a real date"),
    ],
)
def test_each_dirty_client_row_gets_its_reason(v2: ImportReport, key: str, expected: str) -> None:
    assert expected in reasons(v2, "clients_v2", key)


def test_dirty_clients_keep_what_can_be_kept(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    bob_id = service.find_by_external_id(admin, "client", "d1:clients_v2:3")
    assert bob_id is not None
    assert '{"phone": "+1 212 555 0100",' in service.get_client(admin, bob_id).notes  # as written
    cher_id = service.find_by_external_id(admin, "client", "d1:clients_v2:4")
    assert cher_id is not None and service.list_travelers(admin, cher_id) == []
    carlos = traveler(service, admin, "d1:clients_v2:6")
    assert (carlos.first_name, carlos.last_name, carlos.date_of_birth) == (
        "Carlos",
        "de la Cruz",
        date(1975, 3, 7),
    )
    dana = traveler(service, admin, "d1:clients_v2:7")
    assert (dana.first_name, dana.last_name, dana.email, dana.documents) == ("Dana", "Smith", None, [])
    assert "dana at example" in service.get_client(admin, dana.client_id).notes
    eve = traveler(service, admin, "d1:clients_v2:8")
    assert (eve.first_name, eve.last_name) == ("Eve", "Adams")  # "Dr." is not part of the legal name
    assert (eve.preferences.seat, eve.preferences.meal) == ("window", "gluten-free")
    assert "loves jazz" in eve.notes


def test_a_broken_travel_docs_value_is_not_copied_anywhere(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    carlos = traveler(service, admin, "d1:clients_v2:6")
    client = service.get_client(admin, carlos.client_id)
    assert carlos.documents == [] and "X998" not in carlos.notes + client.notes
    assert "X998" not in v2.render()


# ------------------------------------------------------------------------------------------------------------
# Trips: days, items, money, party
# ------------------------------------------------------------------------------------------------------------


def test_schedule_becomes_days_with_activities_at_their_local_times(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    lisbon = trip(service, admin, "d1:trips_v2:101")
    assert (lisbon.status, lisbon.currency) == ("confirmed", "EUR")
    assert (lisbon.start_date, lisbon.end_date) == (date(2027, 5, 2), date(2027, 5, 7))
    assert lisbon.destinations == ["Lisbon", "Porto"]
    assert lisbon.id is not None
    days = {d.date: d for d in service.list_days(admin, lisbon.id)}
    assert sorted(days) == [date(2027, 5, n) for n in range(1, 8)]  # the trip's dates + the outbound flight
    assert days[date(2027, 5, 2)].title == "Arrival"
    assert "Meals: dinner" in days[date(2027, 5, 2)].notes
    items = items_by_title(service, admin, lisbon.id)
    dinner, sintra, fado = items["Welcome dinner"], items["Sintra day trip"], items["Fado night"]
    assert (dinner.start_local, dinner.start_tz) == (datetime(2027, 5, 2, 19, 30), "Europe/Lisbon")
    assert dinner.day_id == days[date(2027, 5, 2)].id and dinner.client_notes == "Tasting menu"
    assert sintra.start_local == datetime(2027, 5, 3, 9, 30)  # "05/03/2027" is 3 May; "9:30 AM"
    assert fado.start_local == datetime(2027, 5, 4, 21, 0)  # blank date: day 3 of the trip; "21h00"
    assert (fado.sell_cents, fado.status, fado.confirmation_numbers) == (9000, "booked", ["FADO42"])
    pasteis = items["Pastéis tasting"]
    assert pasteis.start_local is None and pasteis.client_notes == "Time: morning"
    assert pasteis.day_id == days[date(2027, 5, 3)].id


def test_accommodations_and_transportation_become_hotel_flight_and_rail_items(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    lisbon = trip(service, admin, "d1:trips_v2:101")
    assert lisbon.id is not None
    items = items_by_title(service, admin, lisbon.id)
    hotel = items["Avenida Palace"]
    assert (hotel.kind, hotel.start_local, hotel.end_local) == (
        "hotel",
        datetime(2027, 5, 2, 15, 0),
        datetime(2027, 5, 5, 11, 0),
    )
    assert (hotel.sell_cents, hotel.cost_cents, hotel.confirmation_numbers) == (230000, 230000, ["H-778899"])
    porto = items["Pestana Vintage Porto"]
    assert (porto.sell_cents, porto.start_local) == (125050, None)  # "1.250,50"; a date without a time
    flight = items["TAP TP202 New York → Lisbon"]
    assert (flight.kind, flight.start_local, flight.start_tz) == (
        "flight",
        datetime(2027, 5, 1, 18, 0),
        "America/New_York",
    )
    assert (flight.end_local, flight.end_tz, flight.status) == (
        datetime(2027, 5, 2, 6, 30),
        "Europe/Lisbon",
        "booked",
    )
    train = items["Train Lisbon → Porto"]
    assert (train.kind, train.start_local, train.end_local, train.sell_cents) == (
        "rail",
        datetime(2027, 5, 5, 10, 0),
        datetime(2027, 5, 5, 12, 50),
        6000,
    )
    assert service.check_trip(admin, lisbon.id, today=TODAY) is not None  # the imported trip reads back whole


def test_payment_history_becomes_paid_payments_and_bad_amounts_are_reported(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    lisbon = trip(service, admin, "d1:trips_v2:101")
    assert lisbon.id is not None
    payments = service.list_payments(admin, lisbon.id)
    assert [(p.due_date, p.amount_cents, p.paid, p.paid_on, p.description) for p in payments] == [
        (date(2027, 1, 10), 100000, True, date(2027, 1, 10), "card"),
        (date(2027, 2, 15), 50000, True, date(2027, 2, 15), "transfer"),
    ]
    why = reasons(v2, "trips_v2", "101")
    assert "payment #3 amount -50 is negative: not imported" in why
    assert "payment #4 amount 'two hundred' is not an amount" in why
    assert "Original financials: quoted EUR 5,000.00; paid EUR 1,500.00" in lisbon.notes
    totals = service.trip_totals(admin, lisbon.id, today=TODAY)
    assert (totals.paid_cents, totals.sell_cents) == (150000, 490050)


def test_a_paid_amount_without_history_becomes_one_paid_payment_dated_the_import_day(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    seoul = trip(service, admin, "d1:trips_v2:106")
    assert seoul.id is not None
    (payment,) = service.list_payments(admin, seoul.id)
    assert (payment.amount_cents, payment.paid, payment.due_date) == (25000, True, TODAY)
    assert "date unknown" in payment.description


@pytest.mark.parametrize(
    ("key", "status", "why"),
    [
        ("101", "confirmed", ""),  # "booked"
        ("102", "planning", "status 'active' became planning"),
        ("103", "in_progress", "status 'active' became in_progress: today is within its dates"),
        ("104", "planning", "status 'On Hold' is not one of ours: imported as planning"),
        ("106", "cancelled", ""),  # "canceled"
    ],
)
def test_statuses_map_to_ours_with_a_stated_rule(
    v2: ImportReport, service: TravelService, admin: Principal, key: str, status: str, why: str
) -> None:
    assert trip(service, admin, f"d1:trips_v2:{key}").status == status
    assert why in reasons(v2, "trips_v2", key)


def test_end_before_start_keeps_the_start_and_drops_the_end(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    paris = trip(service, admin, "d1:trips_v2:102")
    assert (paris.start_date, paris.end_date) == (date(2026, 12, 20), None)
    assert "end_date 2026-12-18 is before start_date 2026-12-20: imported without an end date" in reasons(
        v2, "trips_v2", "102"
    )


def test_dates_in_odd_formats_are_read(v2: ImportReport, service: TravelService, admin: Principal) -> None:
    rome = trip(service, admin, "d1:trips_v2:103")  # "20 Nov 2026" .. "2026-11-30T00:00:00Z"
    assert (rome.start_date, rome.end_date) == (date(2026, 11, 20), date(2026, 11, 30))
    seoul = trip(service, admin, "d1:trips_v2:106")  # "03/07/2027" .. "2027/03/14"
    assert (seoul.start_date, seoul.end_date) == (date(2027, 3, 7), date(2027, 3, 14))


def test_a_trip_without_name_and_with_a_broken_schedule_is_still_imported(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    jones = trip(service, admin, "d1:trips_v2:104")
    assert jones.name == "Jones family" and jones.id is not None
    assert service.list_days(admin, jones.id) == []
    why = reasons(v2, "trips_v2", "104")
    assert "trip_name is empty: named 'Jones family'" in why and "schedule is not valid JSON" in why


def test_party_comes_from_the_clients_list_the_primary_email_and_assignments(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    ana = traveler(service, admin, "d1:clients_v2:1")
    rui = traveler(service, admin, "d1:clients_v2:9")
    eve = traveler(service, admin, "d1:clients_v2:8")
    bob = traveler(service, admin, "d1:clients_v2:3")
    lisbon = trip(service, admin, "d1:trips_v2:101")
    assert lisbon.party == [ana.id, rui.id] and lisbon.client_id == ana.client_id
    assert "Roles: Rui Silva (companion)." in lisbon.notes and "Rui Silva: prefers trains" in lisbon.notes
    assert trip(service, admin, "d1:trips_v2:104").party == [bob.id, eve.id]  # Eve from an assignment
    assert "skipped: no trip 999 in trips_v2" in reasons(
        v2, "trip_client_assignments", "999/ana.silva@example.com"
    )


def test_someone_the_trip_names_who_is_not_a_client_is_created_or_noted(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    seoul = trip(service, admin, "d1:trips_v2:106")
    (zoe_id,) = seoul.party
    assert service.get_traveler(admin, zoe_id).full_name == "Zoe Park"
    assert "Also travelling (not found among the clients): Joe (child)" in seoul.notes
    why = reasons(v2, "trips_v2", "106")
    assert "Zoe Park (zoe@example.com) is not among the clients: created client" in why
    assert "party member Joe (child) is not among the clients" in why


def test_activity_log_rows_are_counted_and_held_back(
    v2: ImportReport, service: TravelService, admin: Principal
) -> None:
    counts = v2.counts("ActivityLog")
    assert (counts.read, counts.skipped) == (3, 3)
    assert all("held back" in i.reason for i in v2.issues_for("ActivityLog"))
    assert not any(e.action.startswith("activity") for e in service.recent_activity(admin, limit=500))


# ------------------------------------------------------------------------------------------------------------
# Idempotence and atomicity
# ------------------------------------------------------------------------------------------------------------


def test_a_second_run_imports_nothing_and_leaves_the_store_unchanged(
    service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    dump = mixed_dump(tmp_path)
    first = run(service, admin, dump)
    assert first.changed
    before = store_snapshot(tmp_path / "travel.db")
    second = run(service, admin, dump)
    assert store_snapshot(tmp_path / "travel.db") == before
    assert not second.changed
    assert second.total("imported") == second.total("merged") == second.total("fixed") == 0
    assert set(second.created.values()) == {0}
    for counts in second.tables:  # what was imported or merged is now unchanged; the rejects stay rejected
        was = first.counts(counts.table)
        assert counts.unchanged == was.imported + was.merged + was.unchanged
        assert counts.skipped == was.skipped


def test_a_newer_export_adds_only_what_is_new(
    service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    run(service, admin, v2_dump(tmp_path))
    newer = v2_tables()
    newer["trip_client_assignments"] = [
        *newer["trip_client_assignments"],
        {"trip_id": 101, "client_email": "carlos@example.com", "client_role": "friend"},
    ]
    newer["clients_v2"] = [
        *newer["clients_v2"],
        {"client_id": 10, "email": "li@example.com", "full_name": "Li Wei"},
    ]
    report = run(service, admin, write_dump(tmp_path / "newer.sql", V2_SCHEMA, newer))
    assert report.counts("clients_v2").imported == 1 and report.counts("trips_v2").unchanged == 5
    assert report.counts("trip_client_assignments").imported == 1
    carlos = traveler(service, admin, "d1:clients_v2:6")
    assert trip(service, admin, "d1:trips_v2:101").party[-1] == carlos.id


def test_a_failure_inside_a_trip_leaves_no_half_trip(
    service: TravelService, admin: Principal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = v2_dump(tmp_path)
    real_add_payment = service.add_payment

    def failing_add_payment(p: Principal, trip_id: int, **fields: Any) -> Any:
        if service.get_trip(p, trip_id).external_id == "d1:trips_v2:101":
            raise RecordInvalid("Invalid payment: the bank said no.", problems={"amount_cents": "refused"})
        return real_add_payment(p, trip_id, **fields)

    monkeypatch.setattr(service, "add_payment", failing_add_payment)
    report = run(service, admin, dump)
    assert service.find_by_external_id(admin, "trip", "d1:trips_v2:101") is None
    conn = service.store.connection()
    assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0  # Lisbon had all the items
    assert conn.execute("SELECT COUNT(*) FROM trips").fetchone()[0] == 4
    assert "skipped: not imported (nothing of it was written): Invalid payment" in reasons(
        report, "trips_v2", "101"
    )
    assert report.created["items"] == 0 and report.created["trips"] == 4
    assert report.counts("trip_client_assignments").skipped == 2  # its assignment went with it

    monkeypatch.undo()
    again = run(service, admin, dump)  # the next run imports what failed, and only that
    assert again.counts("trips_v2").imported == 1 and again.counts("trips_v2").unchanged == 4
    assert again.created["items"] == 8


def test_a_viewer_cannot_import(service: TravelService, viewer: Principal, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied, match="import data"):
        import_d1(service, viewer, v2_dump(tmp_path))


# ------------------------------------------------------------------------------------------------------------
# The older schema, and both together
# ------------------------------------------------------------------------------------------------------------


def test_an_old_schema_dump_imports_groups_trips_days_activities_stays_and_costs(
    service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    report = run(service, admin, old_dump(tmp_path))
    assert report.layout == "old"
    assert (report.counts("ClientGroups").imported, report.counts("ClientGroups").skipped) == (1, 1)
    assert (report.counts("Clients").imported, report.counts("Clients").merged) == (3, 1)  # Tom twice
    family = service.find_by_external_id(admin, "client", "d1:ClientGroups:1")
    assert family is not None
    members = service.list_travelers(admin, family)
    assert [t.full_name for t in members] == ["Maria Garcia", "Pablo Garcia"]
    passport = members[0].passport()
    assert passport is not None and (passport.country, passport.expiry) == ("ES", date(2030, 1, 15))
    tom = traveler(service, admin, "d1:Clients:3")
    assert tom.phone == "+1 617 555 0101" and tom.passport() is not None  # filled in by the duplicate

    madrid = trip(service, admin, "d1:Trips:10")
    assert madrid.id is not None
    assert (madrid.status, madrid.currency, madrid.planning_fee_cents) == ("confirmed", "EUR", 15000)
    assert madrid.party == [m.id for m in members] and madrid.client_id == family
    days = {d.date: d.title for d in service.list_days(admin, madrid.id)}
    assert days[date(2027, 4, 1)] == "Madrid arrival" and days[date(2027, 4, 2)] == "Prado"
    items = items_by_title(service, admin, madrid.id)
    assert items["Prado Museum"].start_local == datetime(2027, 4, 2, 10, 0)
    assert items["Prado Museum"].start_tz == "Europe/Madrid" and items["Prado Museum"].sell_cents == 2500
    assert items["Flamenco show"].start_local == datetime(2027, 4, 1, 20, 0)  # "8pm"
    assert items["Hotel Urban, Madrid"].start_local == datetime(2027, 4, 1, 14, 0)
    (deposit,) = service.list_payments(admin, madrid.id)
    assert (deposit.amount_cents, deposit.paid_on) == (60000, date(2027, 1, 5))
    assert "skipped: no trip 77 in Trips" in reasons(report, "TripParticipants", "77/3")
    assert "cost 'Discount' -100.0 is negative" in reasons(report, "TripCosts", "3")
    assert "'Flamenco show' price 'abc' is not an amount" in reasons(report, "TripActivities", "2")
    assert report.counts("BookingHistory").skipped == 2
    broken = trip(service, admin, "d1:Trips:11")
    assert (broken.start_date, broken.end_date, broken.status) == (date(2027, 4, 10), None, "planning")


def test_the_same_person_in_old_and_new_tables_becomes_one_traveler(
    service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    report = run(service, admin, mixed_dump(tmp_path))
    assert report.layout == "v2+old"
    assert "merged: into client 'Ana Silva'" in reasons(report, "Clients", "5")
    ana = traveler(service, admin, "d1:clients_v2:1")
    assert [d.kind for d in ana.documents] == ["passport", "visa"]  # the same passport is not added twice
    matches = service.find_duplicates(admin, {"email": "ana.silva@example.com"})
    assert len(matches) == 1


# ------------------------------------------------------------------------------------------------------------
# Dumps that are not dumps
# ------------------------------------------------------------------------------------------------------------


def test_a_file_that_is_not_sql_gives_a_clear_error_naming_the_line(
    service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "notes.sql"
    path.write_text('CREATE TABLE clients_v2 (client_id INTEGER);\n{"clients": [1, 2]};\n', encoding="utf-8")
    with pytest.raises(D1DumpError, match=r"line 2: unrecognized token.*wrangler d1 export") as e:
        run(service, admin, path)
    assert '`{"clients": [1, 2]};`' in str(e.value)


def test_a_truncated_dump_names_the_statement_it_ends_in(
    service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    text = v2_dump(tmp_path).read_text(encoding="utf-8")
    cut = tmp_path / "cut.sql"
    cut.write_text(text[: text.index('INSERT INTO "trips_v2"') + 40], encoding="utf-8")
    with pytest.raises(D1DumpError, match="ends in the middle of this statement"):
        run(service, admin, cut)
    assert service.list_clients(admin) == []  # nothing was imported


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "is a SQLite database file, not a SQL dump"),
        (b"\x1f\x8b\x08\x00", "is gzip-compressed"),
        (b"CREATE TABLE t (a);\n\xff\xfe", "is not a text SQL dump"),
        (b"CREATE TABLE recipes (id INTEGER);\n", "has none of the original system's tables"),
    ],
)
def test_files_that_are_not_d1_dumps_say_what_to_do(
    service: TravelService, admin: Principal, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "dump.sql"
    path.write_bytes(content)
    with pytest.raises(D1DumpError, match=message):
        run(service, admin, path)


def test_a_missing_file_is_named(service: TravelService, admin: Principal, tmp_path: Path) -> None:
    with pytest.raises(D1DumpError, match=r"No dump file at .*missing\.sql"):
        run(service, admin, tmp_path / "missing.sql")


def test_a_dump_cannot_write_files_with_attach(
    service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    target = tmp_path / "escaped.db"
    path = tmp_path / "evil.sql"
    path.write_text(f"ATTACH DATABASE '{target}' AS x;\nCREATE TABLE x.t (a);\n", encoding="utf-8")
    with pytest.raises(D1DumpError, match="line 1"):
        run(service, admin, path)
    assert not target.exists()


def test_an_iterdump_with_its_transaction_and_the_d1_header_both_load(
    service: TravelService, admin: Principal, tmp_path: Path
) -> None:
    conn = build_database(OLD_SCHEMA, {"Clients": [{"client_id": 1, "first_name": "Li", "last_name": "Wei"}]})
    with_transaction = "PRAGMA defer_foreign_keys=TRUE;\n" + "\n".join(conn.iterdump())
    conn.close()
    path = tmp_path / "tx.sql"
    path.write_text(with_transaction, encoding="utf-8")
    assert run(service, admin, path).counts("Clients").imported == 1
    assert "BEGIN" not in dump_text(build_database(V2_SCHEMA, {}))  # what the other tests use


# ------------------------------------------------------------------------------------------------------------
# The CLI, once across the process boundary
# ------------------------------------------------------------------------------------------------------------


def test_the_cli_imports_a_dump_end_to_end(tmp_path: Path) -> None:
    dump = write_dump(tmp_path / "dump.sql", V2_SCHEMA, v2_tables())
    config = tmp_path / "travelops.yml"
    config.write_text("data_dir: ./data\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAVELOPS_")}
    command = [sys.executable, "-m", "core.cli", "--config", str(config), "import", "d1", str(dump), "--json"]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    counts = {t["table"]: t for t in report["tables"]}
    assert counts["clients_v2"]["imported"] == 7 and counts["trips_v2"]["imported"] == 5
    assert (tmp_path / "data" / "travel.db").is_file() and (tmp_path / "data" / "secret.key").is_file()

    again = subprocess.run(
        command[:-1], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert again.returncode == 0, again.stderr
    assert "Created: nothing" in again.stdout

    broken = tmp_path / "broken.sql"
    broken.write_text("this is not sql;\n", encoding="utf-8")
    failed = subprocess.run(
        [*command[:-2], str(broken)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert failed.returncode != 0 and "Traceback" not in failed.stderr
    assert failed.stderr.startswith("Error: ") and "line 1" in failed.stderr
