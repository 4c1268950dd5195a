"""The travel store's schema, as ordered migrations that run on open (``PRAGMA user_version`` is the version).

Rules: never edit a released migration; add a new one. Each runs inside the opener's ``BEGIN IMMEDIATE``
transaction, so two processes opening a fresh file never both migrate it, and a failed migration leaves
nothing. Money columns are integer cents; dates are ISO text (``YYYY-MM-DD``); local times
``YYYY-MM-DDTHH:MM[:SS]``; timestamps ISO UTC.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from core.security import DEFAULT_ADMIN_ID, DEFAULT_AGENCY_ID

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "run_script"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    after: Callable[[sqlite3.Connection], None] | None = None


_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE agencies (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    default_currency TEXT NOT NULL DEFAULT 'USD',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    agency_id    INTEGER NOT NULL REFERENCES agencies(id),
    email        TEXT,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'viewer')),
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (agency_id, email) WHERE email IS NOT NULL;

CREATE TABLE clients (
    id          INTEGER PRIMARY KEY,
    agency_id   INTEGER NOT NULL REFERENCES agencies(id),
    name        TEXT NOT NULL,
    email       TEXT,
    email_key   TEXT,            -- lower-cased email, for duplicate detection
    phone       TEXT,
    phone_key   TEXT,            -- last 9 digits of the phone, for duplicate detection
    address     TEXT,
    notes       TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',
    archived    INTEGER NOT NULL DEFAULT 0,
    external_id TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX clients_email ON clients (agency_id, email_key);
CREATE INDEX clients_phone ON clients (agency_id, phone_key);
CREATE UNIQUE INDEX clients_external ON clients (agency_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE travelers (
    id               INTEGER PRIMARY KEY,
    client_id        INTEGER NOT NULL REFERENCES clients(id),
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    date_of_birth    TEXT,
    email            TEXT,
    email_key        TEXT,
    phone            TEXT,
    phone_key        TEXT,
    preferences      TEXT NOT NULL DEFAULT '{}',
    loyalty_programs TEXT NOT NULL DEFAULT '[]',
    notes            TEXT NOT NULL DEFAULT '',
    archived         INTEGER NOT NULL DEFAULT 0,
    external_id      TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX travelers_client ON travelers (client_id);
CREATE INDEX travelers_birth ON travelers (date_of_birth);
CREATE INDEX travelers_email ON travelers (email_key);
CREATE INDEX travelers_phone ON travelers (phone_key);
CREATE UNIQUE INDEX travelers_external ON travelers (client_id, external_id) WHERE external_id IS NOT NULL;

-- Passport, visa and id numbers: encrypted (Fernet); only the last four characters are kept in clear.
CREATE TABLE travel_documents (
    id           INTEGER PRIMARY KEY,
    traveler_id  INTEGER NOT NULL REFERENCES travelers(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('passport', 'visa', 'id')),
    number_enc   TEXT NOT NULL,
    number_last4 TEXT NOT NULL,
    country      TEXT NOT NULL,
    expiry       TEXT
);
CREATE INDEX travel_documents_traveler ON travel_documents (traveler_id, position);

CREATE TABLE suppliers (
    id              INTEGER PRIMARY KEY,
    agency_id       INTEGER NOT NULL REFERENCES agencies(id),
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'other',
    email           TEXT,
    phone           TEXT,
    website         TEXT,
    commission_rate REAL CHECK (commission_rate IS NULL OR commission_rate BETWEEN 0 AND 1),
    notes           TEXT NOT NULL DEFAULT '',
    archived        INTEGER NOT NULL DEFAULT 0,
    external_id     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX suppliers_agency ON suppliers (agency_id, name);
CREATE UNIQUE INDEX suppliers_external ON suppliers (agency_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE trips (
    id                 INTEGER PRIMARY KEY,
    agency_id          INTEGER NOT NULL REFERENCES agencies(id),
    client_id          INTEGER REFERENCES clients(id),
    agent_id           INTEGER REFERENCES users(id),
    name               TEXT NOT NULL,
    status             TEXT NOT NULL
                       CHECK (status IN ('planning', 'confirmed', 'in_progress', 'completed', 'cancelled')),
    start_date         TEXT,
    end_date           TEXT,
    destinations       TEXT NOT NULL DEFAULT '[]',
    budget_cents       INTEGER CHECK (budget_cents IS NULL OR budget_cents >= 0),
    currency           TEXT NOT NULL,
    lead_source        TEXT,
    planning_fee_cents INTEGER NOT NULL DEFAULT 0 CHECK (planning_fee_cents >= 0),
    notes              TEXT NOT NULL DEFAULT '',
    archived           INTEGER NOT NULL DEFAULT 0,
    external_id        TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE INDEX trips_client ON trips (client_id);
CREATE INDEX trips_agency ON trips (agency_id, status, start_date);
CREATE UNIQUE INDEX trips_external ON trips (agency_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE trip_party (
    trip_id     INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
    traveler_id INTEGER NOT NULL REFERENCES travelers(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (trip_id, traveler_id)
) WITHOUT ROWID;
CREATE INDEX trip_party_traveler ON trip_party (traveler_id);

CREATE TABLE itinerary_options (
    id         INTEGER PRIMARY KEY,
    trip_id    INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
    tier       INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 3),
    label      TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'archived')),
    notes      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX itinerary_options_trip ON itinerary_options (trip_id, tier);

CREATE TABLE days (
    id         INTEGER PRIMARY KEY,
    trip_id    INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
    option_id  INTEGER REFERENCES itinerary_options(id) ON DELETE CASCADE,
    date       TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    notes      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX days_trip ON days (trip_id, date);

CREATE TABLE items (
    id                   INTEGER PRIMARY KEY,
    trip_id              INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
    day_id               INTEGER REFERENCES days(id),
    position             INTEGER NOT NULL,
    kind                 TEXT NOT NULL
                         CHECK (kind IN ('flight', 'hotel', 'activity', 'transfer', 'rail', 'car', 'cruise',
                                         'note')),
    title                TEXT NOT NULL,
    place_name           TEXT,
    lat                  REAL,
    lon                  REAL,
    start_local          TEXT,
    start_tz             TEXT,
    end_local            TEXT,
    end_tz               TEXT,
    supplier_id          INTEGER REFERENCES suppliers(id),
    confirmation_numbers TEXT NOT NULL DEFAULT '[]',
    status               TEXT NOT NULL CHECK (status IN ('proposed', 'optional', 'booked', 'cancelled')),
    cost_cents           INTEGER NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
    sell_cents           INTEGER NOT NULL DEFAULT 0 CHECK (sell_cents >= 0),
    currency             TEXT NOT NULL,
    commission_rate      REAL CHECK (commission_rate IS NULL OR commission_rate BETWEEN 0 AND 1),
    commission_cents     INTEGER CHECK (commission_cents IS NULL OR commission_cents >= 0),
    commission_status    TEXT NOT NULL DEFAULT 'none'
                         CHECK (commission_status IN ('expected', 'received', 'none')),
    deposit_due          TEXT,
    final_payment_due    TEXT,
    client_notes         TEXT NOT NULL DEFAULT '',
    internal_notes       TEXT NOT NULL DEFAULT '',
    external_id          TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
-- Positions are dense per (trip, day); unscheduled items (day_id NULL) form their own list.
CREATE UNIQUE INDEX items_position ON items (trip_id, IFNULL(day_id, 0), position);
CREATE INDEX items_day ON items (day_id);
CREATE INDEX items_supplier ON items (supplier_id);
CREATE UNIQUE INDEX items_external ON items (trip_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY,
    trip_id      INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
    due_date     TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    description  TEXT NOT NULL DEFAULT '',
    paid         INTEGER NOT NULL DEFAULT 0,
    paid_on      TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX payments_trip ON payments (trip_id, due_date);

CREATE TABLE documents (
    id         INTEGER PRIMARY KEY,
    trip_id    INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('proposal', 'itinerary', 'invoice', 'calendar')),
    version    INTEGER NOT NULL CHECK (version >= 1),
    format     TEXT NOT NULL,
    path       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    UNIQUE (trip_id, kind, version, format)
);

CREATE TABLE activity_log (
    id        INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL,
    at        TEXT NOT NULL,
    user_id   INTEGER,
    user_name TEXT,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER,
    trip_id   INTEGER,
    client_id INTEGER,
    summary   TEXT NOT NULL,
    details   TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX activity_agency ON activity_log (agency_id, id);
CREATE INDEX activity_trip ON activity_log (trip_id, id) WHERE trip_id IS NOT NULL;
CREATE INDEX activity_client ON activity_log (client_id, id) WHERE client_id IS NOT NULL;

CREATE TABLE workflow_state (
    trip_id      INTEGER PRIMARY KEY REFERENCES trips(id) ON DELETE CASCADE,
    current_step INTEGER,
    started_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    completed_at TEXT
);

CREATE TABLE workflow_steps (
    trip_id      INTEGER NOT NULL REFERENCES workflow_state(trip_id) ON DELETE CASCADE,
    step         INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('todo', 'current', 'done', 'skipped')),
    ticks        TEXT NOT NULL DEFAULT '[]',
    notes        TEXT NOT NULL DEFAULT '',
    started_at   TEXT,
    completed_at TEXT,
    result       TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (trip_id, step)
) WITHOUT ROWID;

CREATE TABLE instructions (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    category   TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL,
    variants   TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by INTEGER
);

-- Search: one row per searchable record, text normalised (lower case, no accents). The FTS5 index reads it
-- (external content); core.travel._search keeps both in step. search_vocab: the words for typo correction.
CREATE TABLE search_docs (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,
    ref_id    INTEGER NOT NULL,
    agency_id INTEGER NOT NULL,
    archived  INTEGER NOT NULL DEFAULT 0,
    title     TEXT NOT NULL,
    tags      TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_docs_title ON search_docs (title);
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, tags, body, content='search_docs', content_rowid='id', tokenize='trigram'
);
CREATE TABLE search_vocab (
    id    INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE
);
"""


def _seed_v1(conn: sqlite3.Connection) -> None:
    from core.travel._instructions import SEED_INSTRUCTIONS

    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    conn.execute(
        "INSERT INTO agencies (id, name, default_currency, created_at, updated_at) VALUES (?, ?, 'USD', ?, "
        "?)",
        (DEFAULT_AGENCY_ID, "My Agency", now, now),
    )
    conn.execute(
        "INSERT INTO users (id, agency_id, email, display_name, role, active, created_at, updated_at) "
        "VALUES (?, ?, NULL, 'Administrator', 'admin', 1, ?, ?)",
        (DEFAULT_ADMIN_ID, DEFAULT_AGENCY_ID, now, now),
    )
    conn.executemany(
        "INSERT INTO instructions (name, category, title, text, variants, created_at, updated_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?)",
        [
            (i.name, i.category, i.title, i.text, json.dumps(i.variants, ensure_ascii=False), now, now)
            for i in SEED_INSTRUCTIONS
        ],
    )
    conn.execute("INSERT INTO meta (key, value) VALUES ('search_generation', '1')")


# Version 2: the agency's profile, typed item details, payment kinds, and a fourth proposal tier. SQLite cannot
# widen a CHECK, so itinerary_options is rebuilt (its days keep their option ids: same rows, same ids).
_V2 = """
ALTER TABLE agencies ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN phone TEXT;
ALTER TABLE agencies ADD COLUMN email TEXT;
ALTER TABLE agencies ADD COLUMN website TEXT;
ALTER TABLE agencies ADD COLUMN terms TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN logo_path TEXT;

ALTER TABLE items ADD COLUMN details TEXT NOT NULL DEFAULT '{}';

ALTER TABLE payments ADD COLUMN kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN ('deposit', 'final', 'other'));

CREATE TABLE itinerary_options_v2 (
    id         INTEGER PRIMARY KEY,
    trip_id    INTEGER NOT NULL REFERENCES trips(id) ON DELETE CASCADE,
    tier       INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 4),
    label      TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'archived')),
    notes      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO itinerary_options_v2 SELECT id, trip_id, tier, label, status, notes, created_at, updated_at
    FROM itinerary_options;
DROP TABLE itinerary_options;
ALTER TABLE itinerary_options_v2 RENAME TO itinerary_options;
CREATE INDEX itinerary_options_trip ON itinerary_options (trip_id, tier);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema, default agency and admin, instructions", _V1, _seed_v1),
    Migration(2, "agency profile, item details, payment kinds, four tiers", _V2),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Execute a multi-statement script statement by statement (``executescript`` would COMMIT the
    transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                conn.execute(buffer)
            buffer = ""
    if buffer.strip():
        conn.execute(buffer)
