"""Writing the search index: one document per client, traveler, trip and item, in the same transaction as the
record (``core.travel._search`` holds the index and the searcher)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from core.travel._models import Client, Item, Traveler
from core.travel._search import DocText, digits, upsert_doc

__all__ = ["all_docs", "index_client", "index_item", "index_traveler", "index_trip"]


def index_client(conn: sqlite3.Connection, client_id: int, c: Client) -> None:
    assert c.agency_id is not None
    upsert_doc(
        conn,
        "client",
        client_id,
        c.agency_id,
        c.archived,
        DocText(
            c.name,
            tags=[c.email or "", c.phone or "", digits(c.phone or ""), *c.tags],
            body=[c.notes, c.address or ""],
        ),
    )


def index_traveler(conn: sqlite3.Connection, agency_id: int, traveler_id: int, t: Traveler) -> None:
    """A traveler is hidden from search when it or its household is archived."""
    household = conn.execute("SELECT archived FROM clients WHERE id = ?", (t.client_id,)).fetchone()
    upsert_doc(
        conn,
        "traveler",
        traveler_id,
        agency_id,
        t.archived or bool(household and household[0]),
        DocText(t.full_name, tags=[t.email or "", t.phone or "", digits(t.phone or "")], body=[t.notes]),
    )


def index_trip(conn: sqlite3.Connection, trip_id: int) -> None:
    """Read from the tables, since a trip's document holds its client's name."""
    row = conn.execute(
        "SELECT t.*, c.name AS client_name FROM trips t LEFT JOIN clients c ON c.id = t.client_id "
        "WHERE t.id = ?",
        (trip_id,),
    ).fetchone()
    upsert_doc(conn, "trip", trip_id, row["agency_id"], bool(row["archived"]), _trip_text(row))


def index_item(conn: sqlite3.Connection, agency_id: int, item_id: int, i: Item, archived: bool) -> None:
    """``archived``: the item's trip's flag."""
    upsert_doc(
        conn,
        "item",
        item_id,
        agency_id,
        archived,
        DocText(
            i.title,
            tags=[*i.confirmation_numbers, i.place_name or ""],
            body=[i.client_notes, i.internal_notes],
        ),
    )


def _trip_text(row: sqlite3.Row) -> DocText:
    destinations = json.loads(row["destinations"])
    return DocText(
        row["name"],
        tags=[*destinations, row["client_name"] or ""],
        body=[row["notes"] or "", row["lead_source"] or ""],
    )


def all_docs(conn: sqlite3.Connection) -> Iterator[tuple[str, int, int, bool, DocText]]:
    """Every searchable record, straight from the tables (for ``reindex`` and bulk loads)."""
    for r in conn.execute(
        "SELECT id, agency_id, archived, name, email, phone, tags, notes, address FROM clients"
    ):
        phone = r["phone"] or ""
        yield (
            "client",
            r["id"],
            r["agency_id"],
            bool(r["archived"]),
            DocText(
                r["name"],
                tags=[r["email"] or "", phone, digits(phone), *json.loads(r["tags"])],
                body=[r["notes"], r["address"] or ""],
            ),
        )
    for r in conn.execute(
        "SELECT t.id, c.agency_id, MAX(t.archived, c.archived) AS archived, t.first_name, t.last_name, "
        "t.email, t.phone, t.notes FROM travelers t JOIN clients c ON c.id = t.client_id"
    ):
        phone = r["phone"] or ""
        yield (
            "traveler",
            r["id"],
            r["agency_id"],
            bool(r["archived"]),
            DocText(
                f"{r['first_name']} {r['last_name']}",
                tags=[r["email"] or "", phone, digits(phone)],
                body=[r["notes"]],
            ),
        )
    for r in conn.execute(
        "SELECT t.*, c.name AS client_name FROM trips t LEFT JOIN clients c ON c.id = t.client_id"
    ):
        yield "trip", r["id"], r["agency_id"], bool(r["archived"]), _trip_text(r)
    for r in conn.execute(
        "SELECT i.id, t.agency_id, t.archived, i.title, i.confirmation_numbers, i.place_name, "
        "i.client_notes, i.internal_notes FROM items i JOIN trips t ON t.id = i.trip_id"
    ):
        yield (
            "item",
            r["id"],
            r["agency_id"],
            bool(r["archived"]),
            DocText(
                r["title"],
                tags=[*json.loads(r["confirmation_numbers"]), r["place_name"] or ""],
                body=[r["client_notes"], r["internal_notes"]],
            ),
        )
