"""get_anything over 100k clients and 200k trips: latency percentiles against a plain SQL LIKE scan.

Builds a store in a temp dir by bulk insert (100k clients, 150k travelers, 200k trips, 300k items with
confirmation numbers), indexes it with ``TravelService.reindex``, then runs 200 varied queries (exact names,
surnames, prefixes, one-letter typos, confirmation numbers, destinations, email fragments) through
``get_anything`` and, as the baseline, as ``LIKE '%q%'`` over the same columns (a full scan: no ranking, no
typo tolerance). Prints one JSON object. Target: search_p95_ms <= 50.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from core.security import FieldCipher, Principal
from core.travel import TravelService, TravelStore

CLIENTS = 100_000
TRAVELERS_PER_CLIENT = 1.5
TRIPS = 200_000
ITEMS_PER_TRIP = 1.5
QUERIES = 200
TARGET_P95_MS = 50.0
NOW = "2026-11-26T12:00:00.000+00:00"

_FIRST_TEXT = """
Ana Joao Maria Liam Olivia Noah Emma Sofia Mateo Chloe Yuki Hiro Amara Kwame Priya Arjun Elena Luca
Ingrid Sven Fatima Omar Grace Daniel Zoe Siobhan Aoife Ravi Mei Carlos Lucia Hannah Ethan Nadia
Tomas Isabel James Mary Robert Patricia Michael Linda William Barbara David Susan Richard Jessica
Joseph Sarah Thomas Karen Charles Nancy Christopher Lisa Matthew Betty Anthony Margaret Mark Sandra
Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda
Brian Melissa George Deborah Timothy Stephanie
"""
_SYLLABLES_TEXT = """
sil va san tos bri en ngu yen gar ci mul ler ros si kow al ski tan aka oka for pat el jo han sson
had dad mur phy chen du bois fer nan dez no vak and er sen men sah kim cos ta sch midt mo reau lind
qvist by rne ib ra him sa to ro ma no
"""
_DESTINATIONS_TEXT = """
Lisbon, Porto, Rome, Florence, Paris, Barcelona, Kyoto, Tokyo, Reykjavik, Marrakech, Cusco,
Santorini, Cape Town, Venice, Amsterdam, Prague, Vienna, Budapest, Dubrovnik, Istanbul, Cairo,
Bangkok, Singapore, Sydney, Queenstown, Banff, Havana, Cartagena, Buenos Aires, Lima, Seville,
Granada, Edinburgh, Dublin, Copenhagen, Stockholm, Oslo, Helsinki, Zanzibar, Bali
"""
FIRST = _FIRST_TEXT.split()
SYLLABLES = _SYLLABLES_TEXT.split()
DESTINATIONS = [d.strip() for d in _DESTINATIONS_TEXT.split(",")]
TZ = "Europe/Lisbon"
CONF_ALPHABET = string.ascii_uppercase + string.digits


def surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).capitalize()


def insert(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    conn.executemany(sql, rows)


def build(service: TravelService, rng: random.Random) -> dict[str, Any]:
    """Bulk insert straight into the tables (services validate one record at a time; this is a benchmark)."""
    started = time.perf_counter()
    surnames = list({surname(rng) for _ in range(30_000)})
    stamp = {"created_at": NOW, "updated_at": NOW}
    clients: list[dict[str, Any]] = []
    travelers: list[dict[str, Any]] = []
    trips: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    names: list[str] = []
    confirmations: list[str] = []
    dests: list[str] = []
    for c in range(1, CLIENTS + 1):
        first, last = rng.choice(FIRST), rng.choice(surnames)
        names.append(f"{first} {last}")
        email = f"{first.lower()}.{last.lower()}{c}@example.com"
        phone = f"+1 555 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
        notes = rng.choice(
            ("", "", "Prefers aisle seats", "Anniversary in June", "Vegetarian; travels with a dog")
        )
        clients.append(
            {
                "id": c,
                "agency_id": 1,
                "name": f"{first} {last}",
                "email": email,
                "email_key": email,
                "phone": phone,
                "phone_key": phone.replace(" ", "")[-9:],
                "notes": notes,
                "tags": "[]",
                **stamp,
            }
        )
        for _ in range(int(TRAVELERS_PER_CLIENT) + (rng.random() < TRAVELERS_PER_CLIENT % 1)):
            born = f"19{rng.randrange(40, 99)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            travelers.append(
                {
                    "client_id": c,
                    "first_name": rng.choice(FIRST),
                    "last_name": last,
                    "date_of_birth": born,
                    **stamp,
                }
            )
    for t in range(1, TRIPS + 1):
        where = rng.sample(DESTINATIONS, rng.choice((1, 1, 2)))
        dests.extend(where)
        start = f"20{rng.randrange(24, 28)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 20):02d}"
        end = start[:8] + f"{int(start[8:]) + rng.randrange(1, 9):02d}"
        theme = rng.choice(("Spring in", "Honeymoon in", "Family week in", "Food tour of"))
        trips.append(
            {
                "id": t,
                "agency_id": 1,
                "client_id": rng.randrange(1, CLIENTS + 1),
                "agent_id": 1,
                "name": f"{theme} {where[0]}",
                "status": rng.choice(("planning", "confirmed", "completed")),
                "start_date": start,
                "end_date": end,
                "destinations": json.dumps(where),
                "currency": "USD",
                "notes": rng.choice(("", "", "Needs step-free rooms", "Surprise dinner")),
                **stamp,
            }
        )
        for position in range(int(ITEMS_PER_TRIP) + (rng.random() < ITEMS_PER_TRIP % 1)):
            conf = "".join(rng.choice(CONF_ALPHABET) for _ in range(6))
            confirmations.append(conf)
            items.append(
                {
                    "trip_id": t,
                    "position": position,
                    "kind": "hotel",
                    "title": f"Hotel {rng.choice(surnames)} {where[0]}",
                    "place_name": where[0],
                    "start_local": f"{start}T15:00",
                    "start_tz": TZ,
                    "end_local": f"{end}T11:00",
                    "end_tz": TZ,
                    "confirmation_numbers": json.dumps([conf]),
                    "status": "booked",
                    "cost_cents": 100_000,
                    "sell_cents": 120_000,
                    "currency": "USD",
                    "internal_notes": rng.choice(("", "Late check-in", "Sea view requested")),
                    **stamp,
                }
            )
    with service.store.transaction() as conn:
        for table, rows in (
            ("clients", clients),
            ("travelers", travelers),
            ("trips", trips),
            ("items", items),
        ):
            insert(conn, table, rows)
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    docs = service.reindex(Principal.default_admin())
    return {
        "names": names,
        "confirmations": confirmations,
        "destinations": sorted(set(dests)),
        "counts": {
            "clients": len(clients),
            "travelers": len(travelers),
            "trips": len(trips),
            "items": len(items),
        },
        "insert_s": round(inserted, 1),
        "index_s": round(time.perf_counter() - started, 1),
        "docs": docs,
    }


def typo(word: str, rng: random.Random) -> str:
    """One edit (drop, swap or replace a letter) away, never at the first letter."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "swap", "replace"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeiourstln".replace(word[i].lower(), "")) + word[i + 1 :]


def queries(data: dict[str, Any], rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind of query, query, lower-cased text a good answer contains in a hit's title or subtitle)."""
    names, confs = data["names"], data["confirmations"]
    long_dests = [d for d in data["destinations"] if len(d) >= 5]
    out: list[tuple[str, str, str]] = []
    for name in rng.sample(names, 40):
        out.append(("exact", name, name.lower()))
    for name in rng.sample(names, 25):
        last = name.split()[-1]
        out.append(("surname", last, last.lower()))
    for name in rng.sample(names, 25):
        last = name.split()[-1]
        out.append(("prefix", last[: rng.randrange(3, 6)], last[:3].lower()))
    for name in rng.sample([n for n in names if len(n.split()[-1]) >= 6], 25):
        last = name.split()[-1]
        out.append(("typo", typo(last, rng), last.lower()))
    for dest in rng.sample(long_dests, 15):
        out.append(("typo", typo(dest, rng), dest.lower()))
    for conf in rng.sample(confs, 30):
        out.append(("confirmation", rng.choice((conf, conf.lower())), conf.lower()))
    for dest in rng.sample(data["destinations"], 15):
        out.append(("destination", dest, dest.lower()))
    for name in rng.sample(names, 25):
        first = name.split()[0].lower()
        out.append(("email", f"{first}.{name.split()[-1].lower()}", first))
    return out[:QUERIES]


LIKE_SQL = """
SELECT 'client', id, name FROM clients
 WHERE name LIKE :q OR email LIKE :q OR phone LIKE :q OR notes LIKE :q
UNION ALL
SELECT 'traveler', id, first_name || ' ' || last_name FROM travelers
 WHERE first_name || ' ' || last_name LIKE :q OR email LIKE :q
UNION ALL
SELECT 'trip', id, name FROM trips
 WHERE name LIKE :q OR destinations LIKE :q OR notes LIKE :q
UNION ALL
SELECT 'item', id, title FROM items
 WHERE title LIKE :q OR confirmation_numbers LIKE :q OR place_name LIKE :q OR internal_notes LIKE :q
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    rng = random.Random(20261126)
    with tempfile.TemporaryDirectory(prefix="travelops-bench-") as tmp:
        service = TravelService(TravelStore(Path(tmp) / "travel.db"), FieldCipher(Fernet.generate_key()))
        admin = Principal.default_admin()
        data = build(service, rng)
        qs = queries(data, rng)
        started = time.perf_counter()
        service.get_anything(admin, "Lisbn")  # the first typo in a process loads the typo vocabulary
        vocab_load_ms = (time.perf_counter() - started) * 1000
        for _, q, _ in qs[:10]:  # warm the page cache, as a running app would be
            service.get_anything(admin, q)

        search_ms: list[float] = []
        found: dict[str, list[bool]] = {}
        for kind, q, expect in qs:
            started = time.perf_counter()
            hits = service.get_anything(admin, q, limit=20)
            search_ms.append((time.perf_counter() - started) * 1000)
            text = " ".join(f"{h.title} {h.subtitle}" for h in hits).lower()
            found.setdefault(kind, []).append(expect in text)

        conn = service.store.connection()
        like_ms: list[float] = []
        like_found: list[bool] = []
        for kind, q, expect in qs:
            started = time.perf_counter()
            rows = conn.execute(LIKE_SQL, {"q": f"%{q}%"}).fetchall()
            like_ms.append((time.perf_counter() - started) * 1000)
            if kind == "typo":
                like_found.append(any(expect in str(r[2]).lower() for r in rows))
        size_mb = sum(p.stat().st_size for p in Path(tmp).glob("travel.db*")) / 1e6
        service.close()

    s50, s95 = statistics.median(search_ms), percentile(search_ms, 95)
    l50, l95 = statistics.median(like_ms), percentile(like_ms, 95)
    print(
        json.dumps(
            {
                "bench": "search",
                **data["counts"],
                "indexed_docs": data["docs"],
                "queries": len(qs),
                "search_p50_ms": round(s50, 2),
                "search_p95_ms": round(s95, 2),
                "search_max_ms": round(max(search_ms), 2),
                "like_p50_ms": round(l50, 2),
                "like_p95_ms": round(l95, 2),
                "ratio_p50": round(l50 / s50, 1),
                "ratio_p95": round(l95 / s95, 1),
                "target_p95_ms": TARGET_P95_MS,
                "meets_target": s95 <= TARGET_P95_MS,
                "found_in_top20": {k: round(sum(v) / len(v), 2) for k, v in found.items()},
                "like_finds_typos": round(sum(like_found) / max(1, len(like_found)), 2),
                "first_typo_ms": round(vocab_load_ms, 1),
                "insert_s": data["insert_s"],
                "index_s": data["index_s"],
                "db_mb": round(size_mb),
                "sqlite": sqlite3.sqlite_version,
                "python": sys.version.split()[0],
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
