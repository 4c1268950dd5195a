"""Dumps of the original system for the D1 import tests.

Each builder writes a real SQLite database with the original schema (stdlib ``sqlite3``), fills it with clean
and dirty rows, and dumps it with ``iterdump()`` the way Cloudflare D1 exports look: a
``PRAGMA defer_foreign_keys=TRUE;`` header, no transaction around the statements, and D1's internal ``_cf_KV``
table alongside. The rows are data, so tests name them by id (``V2_CLIENTS["ana"]``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2026, 11, 26)  # the import's "today": decides what status "active" means

D1_HEADER = "PRAGMA defer_foreign_keys=TRUE;\n"

V2_SCHEMA = """
CREATE TABLE clients_v2 (
    client_id INTEGER PRIMARY KEY, email TEXT UNIQUE, full_name TEXT, contact_info TEXT, travel_docs TEXT,
    preferences TEXT, loyalty_programs TEXT, notes TEXT, date_of_birth TEXT, created_at TEXT, updated_at TEXT,
    search_text TEXT
);
CREATE TABLE trips_v2 (
    trip_id INTEGER PRIMARY KEY, trip_name TEXT, status TEXT, clients TEXT, primary_client_email TEXT,
    group_name TEXT, schedule TEXT, accommodations TEXT, transportation TEXT, financials TEXT, documents TEXT,
    notes TEXT, start_date TEXT, end_date TEXT, destinations TEXT, total_cost REAL, paid_amount REAL,
    search_text TEXT, created_at TEXT, updated_at TEXT, created_by TEXT, last_modified_by TEXT
);
CREATE TABLE ActivityLog (
    activity_id INTEGER PRIMARY KEY, session_id TEXT, client_id INTEGER, trip_id INTEGER, activity_type TEXT,
    activity_timestamp TEXT, details TEXT
);
CREATE TABLE trip_client_assignments (
    trip_id INTEGER, client_email TEXT, client_role TEXT, PRIMARY KEY (trip_id, client_email)
);
CREATE TABLE _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, applied_at TEXT);
CREATE TABLE Settings (key TEXT PRIMARY KEY, value TEXT);
"""

OLD_SCHEMA = """
CREATE TABLE ClientGroups (group_id INTEGER PRIMARY KEY, group_name TEXT, notes TEXT);
CREATE TABLE Clients (
    client_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, phone TEXT, date_of_birth TEXT,
    passport_number TEXT, passport_expiry TEXT, passport_country TEXT, group_id INTEGER, address TEXT,
    city TEXT, notes TEXT, favourite_colour TEXT
);
CREATE TABLE Trips (
    trip_id INTEGER PRIMARY KEY, trip_name TEXT, start_date TEXT, end_date TEXT, destination TEXT, status TEXT,
    total_cost REAL, client_id INTEGER, currency TEXT, notes TEXT
);
CREATE TABLE TripParticipants (trip_id INTEGER, client_id INTEGER, role TEXT);
CREATE TABLE TripDays (day_id INTEGER PRIMARY KEY, trip_id INTEGER, day_number INTEGER, date TEXT, title TEXT,
    notes TEXT);
CREATE TABLE TripActivities (
    activity_id INTEGER PRIMARY KEY, day_id INTEGER, trip_id INTEGER, start_time TEXT, activity_type TEXT,
    title TEXT, location TEXT, cost TEXT, confirmation TEXT
);
CREATE TABLE Accommodations (
    accommodation_id INTEGER PRIMARY KEY, trip_id INTEGER, name TEXT, check_in TEXT, check_out TEXT,
    confirmation TEXT, cost REAL
);
CREATE TABLE TripCosts (cost_id INTEGER PRIMARY KEY, trip_id INTEGER, description TEXT, amount REAL,
    paid INTEGER, paid_date TEXT);
CREATE TABLE BookingHistory (booking_id INTEGER PRIMARY KEY, trip_id INTEGER, action TEXT, timestamp TEXT,
    details TEXT);
"""


def j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- the new schema ---------------------------------------------------------------------------------------

ANA = {
    "client_id": 1,
    "email": "ana.silva@example.com",
    "full_name": "Ana Silva",
    "contact_info": j(
        {
            "phone": "+351 912 345 678",
            "address": {"street": "Rua Augusta 1", "city": "Lisboa", "country": "PT"},
            "emergency_contact": {"name": "Rui Silva", "phone": "+351 911 111 111"},
        }
    ),
    "travel_docs": j(
        {
            "passport": {"number": "P1234567", "country": "Portugal", "expiry": "7 Mar 2031"},
            "visas": [{"country": "US", "type": "ESTA", "number": "ESTA998877", "expiry": "2027-01-01"}],
            "travel_insurance": {"provider": "Allianz", "policy_number": "POL123456789"},
        }
    ),
    "preferences": j(
        {
            "seat": "aisle",
            "dietary": "vegetarian",
            "hotel": "5-star",
            "interests": ["wine", "history"],
            "pillow": "firm",
        }
    ),
    "loyalty_programs": j([{"program": "TAP Miles&Go", "number": "TP123456"}]),
    "notes": "VIP: anniversary in May",
    "date_of_birth": "03/12/1984",
    "created_at": "2024-01-05T10:00:00Z",
}

V2_CLIENTS: dict[str, dict[str, Any]] = {
    "ana": ANA,
    # the same person again, email in another case: merged, adding a loyalty program
    "ana_again": {
        "client_id": 2,
        "email": "ANA.SILVA@Example.com",
        "full_name": "Ana  Silva",
        "loyalty_programs": j({"Marriott Bonvoy": "MB555000"}),
    },
    # no email, contact_info is broken JSON
    "bob": {
        "client_id": 3,
        "email": None,
        "full_name": "Bob Jones",
        "contact_info": '{"phone": "+1 212 555 0100",',
    },
    # a single-word name: a client without a traveler
    "cher": {"client_id": 4, "email": "cher@example.com", "full_name": "Cher"},
    # nothing to identify: skipped
    "nobody": {"client_id": 5, "email": None, "full_name": "  ", "notes": "call back?"},
    # travel_docs is broken JSON (with a passport number in it that must not leak); a date of birth in words
    "carlos": {
        "client_id": 6,
        "email": "carlos@example.com",
        "full_name": "Carlos de la Cruz",
        "travel_docs": '{"passport": {"number": "X9988776", "country": ',
        "date_of_birth": "7 Mar 1975",
    },
    # a malformed email, a passport of a country we do not know
    "dana": {
        "client_id": 7,
        "email": "dana at example",
        "full_name": "Smith, Dana",
        "travel_docs": j({"passport": {"number": "N5544332", "country": "Narnia", "expiry": "2030-01-01"}}),
    },
    # preferences as text; an impossible date of birth
    "eve": {
        "client_id": 8,
        "email": "eve@example.com",
        "full_name": "Dr. Eve Adams",
        "preferences": "Window seat, gluten-free, loves jazz",
        "date_of_birth": "1990-13-45",
    },
    "rui": {
        "client_id": 9,
        "email": "rui@example.com",
        "full_name": "Rui Silva",
        "contact_info": j({"phone": "+351 913 000 000"}),
    },
}

LISBON = {
    "trip_id": 101,
    "trip_name": "Lisbon & Porto",
    "status": "booked",
    "clients": j(
        [
            {"client_id": 1, "name": "Ana Silva", "email": "ana.silva@example.com", "role": "primary"},
            {
                "client_id": 9,
                "name": "Rui Silva",
                "email": "rui@example.com",
                "role": "companion",
                "preferences": "prefers trains",
            },
        ]
    ),
    "primary_client_email": "ana.silva@example.com",
    "group_name": "Silva anniversary",
    "schedule": j(
        [
            {
                "day_number": 1,
                "date": "2027-05-02",
                "day_name": "Arrival",
                "activities": [
                    {
                        "time": "19:30",
                        "type": "dining",
                        "title": "Welcome dinner",
                        "description": "Tasting menu",
                        "location": "Alfama, Lisbon",
                    }
                ],
                "accommodation": "Avenida Palace",
                "meals": ["dinner"],
                "notes": "Arrive on TP202",
            },
            {
                "day_number": 2,
                "date": "05/03/2027",
                "activities": [
                    {"time": "9:30 AM", "type": "tour", "title": "Sintra day trip", "location": "Sintra"},
                    {"time": "morning", "title": "Pastéis tasting", "location": "Belém, Lisbon"},
                ],
            },
            {
                "day_number": 3,
                "date": "",
                "activities": [
                    {
                        "time": "21h00",
                        "type": "show",
                        "title": "Fado night",
                        "location": "Lisbon",
                        "cost": "EUR 90.00",
                        "confirmation": "FADO42",
                    }
                ],
            },
        ]
    ),
    "accommodations": j(
        [
            {
                "name": "Avenida Palace",
                "check_in": "2027-05-02T15:00",
                "check_out": "2027-05-05T11:00",
                "address": "Rua 1º de Dezembro 123, Lisbon",
                "confirmation_number": "H-778899",
                "cost": 2300,
            },
            {
                "name": "Pestana Vintage Porto",
                "check_in": "2027-05-05",
                "check_out": "7 May 2027",
                "location": "Porto",
                "cost": "1.250,50",
            },
        ]
    ),
    "transportation": j(
        [
            {
                "type": "flight",
                "airline": "TAP",
                "flight_number": "TP202",
                "from": "New York",
                "to": "Lisbon",
                "departure": "2027-05-01T18:00",
                "arrival": "2027-05-02T06:30",
                "pnr": "ABC123",
                "cost": 1200,
            },
            {
                "type": "train",
                "from": "Lisbon",
                "to": "Porto",
                "departure": "2027-05-05 10:00",
                "arrival": "2027-05-05 12:50",
                "cost": "60",
            },
        ]
    ),
    "financials": j(
        {
            "quoted_total": 5000,
            "paid_amount": 1500,
            "balance_due": 3500,
            "currency": "EUR",
            "breakdown": {"flights": 1200, "hotels": 3550.5, "activities": 249.5},
            "payment_history": [
                {"date": "2027-01-10", "amount": 1000, "method": "card"},
                {"date": "02/15/2027", "amount": "500.00", "method": "transfer"},
                {"date": "2027-02-20", "amount": -50, "note": "refund?"},
                {"date": "2027-02-21", "amount": "two hundred"},
            ],
        }
    ),
    "documents": j([{"name": "Passport copies", "url": "https://files.example.com/p.pdf"}]),
    "notes": j(["Anniversary trip", {"note": "Likes port wine"}]),
    "start_date": "2027-05-02",
    "end_date": "2027-05-07",
    "destinations": "Lisbon, Porto",
    "total_cost": 5000,
    "paid_amount": 1500,
    "created_at": "2026-09-01T09:00:00Z",
    "created_by": "agent@example.com",
}

V2_TRIPS: dict[str, dict[str, Any]] = {
    "lisbon": LISBON,
    # end before start; "active" and not running today -> planning
    "paris": {
        "trip_id": 102,
        "trip_name": "Paris weekend",
        "status": "active",
        "start_date": "2026-12-20",
        "end_date": "2026-12-18",
        "destinations": j(["Paris"]),
    },
    # "active" and running today -> in_progress; dates in odd formats
    "rome": {
        "trip_id": 103,
        "trip_name": "Rome now",
        "status": "Active",
        "start_date": "20 Nov 2026",
        "end_date": "2026-11-30T00:00:00Z",
        "destinations": "Rome",
        "clients": j([{"client_id": 8, "name": "Eve Adams", "email": "eve@example.com"}]),
    },
    # no name, a status we do not have, a broken schedule
    "jones": {
        "trip_id": 104,
        "trip_name": "",
        "status": "On Hold",
        "group_name": "Jones family",
        "schedule": '[{"day_number": 1, "activities": [',
        "start_date": "",
        "clients": j([{"client_id": 3, "name": "Bob Jones"}]),
        "financials": j({"currency": "dollars"}),
    },
    # someone not among the clients (created), someone without an email (in the notes), US dates, canceled
    "seoul": {
        "trip_id": 106,
        "trip_name": "Seoul food tour",
        "status": "canceled",
        "start_date": "03/07/2027",
        "end_date": "2027/03/14",
        "destinations": "Seoul",
        "clients": j(
            [
                {"name": "Zoe Park", "email": "zoe@example.com", "role": "friend"},
                {"name": "Joe", "role": "child"},
            ]
        ),
        "financials": j({"currency": "USD", "paid_amount": "250"}),
    },
}

V2_ASSIGNMENTS: list[dict[str, Any]] = [
    {"trip_id": 101, "client_email": "rui@example.com", "client_role": "companion"},  # already in the party
    {"trip_id": 104, "client_email": "eve@example.com", "client_role": "traveler"},  # adds Eve
    {"trip_id": 999, "client_email": "ana.silva@example.com", "client_role": "primary"},  # no such trip
]

V2_ACTIVITY: list[dict[str, Any]] = [
    {
        "activity_id": n,
        "session_id": "s1",
        "client_id": 1,
        "trip_id": 101,
        "activity_type": kind,
        "activity_timestamp": f"2026-09-0{n}T10:00:00Z",
        "details": j({"step": n}),
    }
    for n, kind in enumerate(["trip_created", "proposal_sent", "payment_received"], start=1)
]


def v2_tables() -> dict[str, list[dict[str, Any]]]:
    return {
        "clients_v2": list(V2_CLIENTS.values()),
        "trips_v2": list(V2_TRIPS.values()),
        "trip_client_assignments": V2_ASSIGNMENTS,
        "ActivityLog": V2_ACTIVITY,
        "_cf_KV": [{"key": "schema", "value": b"v2"}],
        "d1_migrations": [{"name": "0001_init.sql", "applied_at": "2024-01-01"}],
        "Settings": [{"key": "agency_name", "value": "Old agency"}],
    }


# -- the older schema ------------------------------------------------------------------------------------

OLD_CLIENTS: dict[str, dict[str, Any]] = {
    "maria": {
        "client_id": 1,
        "first_name": "Maria",
        "last_name": "Garcia",
        "email": "maria@example.com",
        "phone": "+34 600 000 001",
        "date_of_birth": "1980-05-05",
        "passport_number": "ES1234567",
        "passport_expiry": "01/15/2030",
        "passport_country": "ESP",
        "group_id": 1,
        "favourite_colour": "blue",
    },
    "pablo": {
        "client_id": 2,
        "first_name": "Pablo",
        "last_name": "Garcia",
        "email": None,
        "phone": "+34 600 000 002",
        "date_of_birth": "2012-06-06",
        "group_id": 1,
    },
    "tom": {
        "client_id": 3,
        "first_name": "Tom",
        "last_name": "Lee",
        "email": "tom@example.com",
        "address": "1 Main St",
        "city": "Boston",
        "notes": "Prefers morning flights",
    },
    "tom_again": {
        "client_id": 4,
        "first_name": "Tom",
        "last_name": "Lee",
        "email": "tom@example.com",
        "phone": "+1 617 555 0101",
        "passport_number": "US7654321",
        "passport_expiry": "2032-02-02",
        "passport_country": "USA",
    },
}

OLD_GROUPS = [{"group_id": 1, "group_name": "Garcia family"}, {"group_id": 2, "group_name": "Empty group"}]

OLD_TRIPS: dict[str, dict[str, Any]] = {
    "madrid": {
        "trip_id": 10,
        "trip_name": "Madrid & Seville",
        "start_date": "2027-04-01",
        "end_date": "2027-04-05",
        "destination": "Madrid, Seville",
        "status": "booked",
        "total_cost": 3000,
        "client_id": 1,
        "currency": "EUR",
        "notes": "Easter",
    },
    "broken": {
        "trip_id": 11,
        "trip_name": "Broken dates",
        "start_date": "04/10/2027",
        "end_date": "04/01/2027",
        "destination": "Boston",
        "status": "weird",
        "client_id": 3,
    },
}

OLD_CHILDREN: dict[str, list[dict[str, Any]]] = {
    "TripParticipants": [
        {"trip_id": 10, "client_id": 1, "role": "lead"},
        {"trip_id": 10, "client_id": 2, "role": "child"},
        {"trip_id": 77, "client_id": 3, "role": "traveler"},  # no such trip
    ],
    "TripDays": [
        {"day_id": 1, "trip_id": 10, "day_number": 1, "date": "2027-04-01", "title": "Madrid arrival"},
        {"day_id": 2, "trip_id": 10, "day_number": 2, "date": "", "title": "Prado"},
    ],
    "TripActivities": [
        {
            "activity_id": 1,
            "day_id": 2,
            "trip_id": 10,
            "start_time": "10:00",
            "activity_type": "museum",
            "title": "Prado Museum",
            "location": "Madrid",
            "cost": "25",
            "confirmation": "PR-1",
        },
        {
            "activity_id": 2,
            "day_id": 1,
            "trip_id": 10,
            "start_time": "8pm",
            "activity_type": "show",
            "title": "Flamenco show",
            "location": "Madrid",
            "cost": "abc",
        },
    ],
    "Accommodations": [
        {
            "accommodation_id": 1,
            "trip_id": 10,
            "name": "Hotel Urban, Madrid",
            "check_in": "2027-04-01 14:00",
            "check_out": "2027-04-03 12:00",
            "confirmation": "URB1",
            "cost": 800,
        },
    ],
    "TripCosts": [
        {
            "cost_id": 1,
            "trip_id": 10,
            "description": "Deposit",
            "amount": 600,
            "paid": 1,
            "paid_date": "2027-01-05",
        },
        {"cost_id": 2, "trip_id": 10, "description": "Service fee", "amount": 150, "paid": 0},
        {"cost_id": 3, "trip_id": 10, "description": "Discount", "amount": -100, "paid": 0},
    ],
    "BookingHistory": [
        {
            "booking_id": 1,
            "trip_id": 10,
            "action": "created",
            "timestamp": "2026-10-01 10:00",
            "details": "{}",
        },
        {"booking_id": 2, "trip_id": 10, "action": "paid", "timestamp": "2027-01-05 10:00", "details": "{}"},
    ],
}


def old_tables() -> dict[str, list[dict[str, Any]]]:
    return {
        "ClientGroups": OLD_GROUPS,
        "Clients": list(OLD_CLIENTS.values()),
        "Trips": list(OLD_TRIPS.values()),
        **OLD_CHILDREN,
    }


# -- writing dumps ---------------------------------------------------------------------------------------


def build_database(schema: str, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> sqlite3.Connection:
    """An in-memory database with ``schema`` and the rows of ``tables`` (missing columns stay NULL)."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema)
    for table, rows in tables.items():
        for row in rows:
            columns = ", ".join(f'"{c}"' for c in row)
            marks = ", ".join("?" * len(row))
            conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(row.values()))
    conn.commit()
    return conn


def dump_text(conn: sqlite3.Connection) -> str:
    """The database as a D1-style SQL dump: the D1 header, no BEGIN/COMMIT around it."""
    lines = [line for line in conn.iterdump() if line not in ("BEGIN TRANSACTION;", "COMMIT;")]
    return D1_HEADER + "\n".join(lines) + "\n"


def write_dump(path: Path, schema: str, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> Path:
    conn = build_database(schema, tables)
    try:
        path.write_text(dump_text(conn), encoding="utf-8")
    finally:
        conn.close()
    return path


def v2_dump(folder: Path) -> Path:
    """The new schema with every dirty case (see ``V2_CLIENTS`` and ``V2_TRIPS``)."""
    return write_dump(folder / "d1-v2.sql", V2_SCHEMA, v2_tables())


def old_dump(folder: Path) -> Path:
    """The older schema: groups, clients, trips with days, activities, stays, costs and participants."""
    return write_dump(folder / "d1-old.sql", OLD_SCHEMA, old_tables())


def mixed_dump(folder: Path) -> Path:
    """Both schemas in one dump, with Ana Silva in the old Clients table too (same email)."""
    old = old_tables()
    old["Clients"] = [
        *old["Clients"],
        {
            "client_id": 5,
            "first_name": "Ana",
            "last_name": "Silva",
            "email": "ana.silva@example.com",
            "phone": "+351 912 345 678",
            "passport_number": "P1234567",
            "passport_expiry": "2031-03-07",
            "passport_country": "PT",
        },
    ]
    return write_dump(folder / "d1-mixed.sql", V2_SCHEMA + OLD_SCHEMA, {**v2_tables(), **old})
