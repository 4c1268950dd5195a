"""Clients (households) and their travelers, whose travel-document numbers are stored encrypted."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from core.errors import ValidationError
from core.security import Principal
from core.travel._models import Client, RecordInvalid, TravelDocument, Traveler, merge, parse_record
from core.travel._search import set_archived
from core.travel._services._base import ServiceBase
from core.travel._services._index import index_client, index_traveler, index_trip
from core.travel._services._mapper import CLIENTS, DOCUMENTS, TRAVELERS, check_limit, email_key, phone_key

__all__ = ["ClientsMixin"]


class ClientsMixin(ServiceBase):
    """Create, read, list, update and archive clients and their travelers; find imported records by external
    id; reveal a document number (logged)."""

    def create_client(self, p: Principal, **fields: Any) -> Client:
        """A new household. Fields: name, email, phone, address, notes, tags, external_id (see ``Client``)."""
        p.require_write("create a client")
        self._reject_system(fields, "client", also=["archived"])
        record = parse_record(Client, fields | {"agency_id": p.agency_id}, what="client")
        with self.store.transaction() as conn:
            client_id = self._insert_client(conn, p, record)
        return self.get_client(p, client_id)

    def _insert_client(self, conn: sqlite3.Connection, p: Principal, record: Client) -> int:
        if (
            record.external_id
            and conn.execute(
                "SELECT 1 FROM clients WHERE agency_id = ? AND external_id = ?",
                (p.agency_id, record.external_id),
            ).fetchone()
        ):
            raise RecordInvalid(
                f"Invalid client: external_id = '{record.external_id}' is already imported.",
                problems={"external_id": "already used"},
                hint="Fix: update that client instead (find it with find_by_external_id).",
            )
        client_id = self._insert(
            conn, CLIENTS, record, email_key=email_key(record.email), phone_key=phone_key(record.phone)
        )
        index_client(conn, client_id, record)
        self._log(
            conn,
            p,
            "client.create",
            "client",
            client_id,
            f"Created client '{record.name}'",
            client_id=client_id,
        )
        return client_id

    def get_client(self, p: Principal, client_id: int) -> Client:
        return self._client(self.store.connection(), p, client_id)

    def list_clients(
        self, p: Principal, *, include_archived: bool = False, limit: int = 100, offset: int = 0
    ) -> list[Client]:
        """Clients by name."""
        rows = self.store.query(
            "SELECT * FROM clients WHERE agency_id = ? AND (? OR archived = 0) ORDER BY name COLLATE "
            "NOCASE, id LIMIT ? OFFSET ?",
            (p.agency_id, include_archived, check_limit(limit), max(0, offset)),
        )
        return [self._model(CLIENTS, r) for r in rows]

    def update_client(self, p: Principal, client_id: int, **changes: Any) -> Client:
        p.require_write("update a client")
        with self.store.transaction() as conn:
            current = self._client(conn, p, client_id)
            record = parse_record(
                Client, merge(current, changes, what="client", frozen=["archived"]), what="client"
            )
            self._update(
                conn,
                CLIENTS,
                client_id,
                record,
                email_key=email_key(record.email),
                phone_key=phone_key(record.phone),
            )
            index_client(conn, client_id, record)
            if record.name != current.name:
                for (trip_id,) in conn.execute(
                    "SELECT id FROM trips WHERE client_id = ?", (client_id,)
                ).fetchall():
                    index_trip(conn, trip_id)
            self._log(
                conn,
                p,
                "client.update",
                "client",
                client_id,
                f"Updated client '{record.name}'",
                client_id=client_id,
                details={"changed": sorted(changes)},
            )
        return self.get_client(p, client_id)

    def archive_client(self, p: Principal, client_id: int, *, archived: bool = True) -> Client:
        """Hide a client (and, in search, its travelers) from lists and search; ``archived=False`` restores.
        Its trips are untouched."""
        p.require_write("archive a client")
        with self.store.transaction() as conn:
            row = self._client_row(conn, p, client_id)
            self._mark_archived(conn, "clients", "client", client_id, archived)
            for traveler_id, own in conn.execute(
                "SELECT id, archived FROM travelers WHERE client_id = ?", (client_id,)
            ).fetchall():
                set_archived(conn, "traveler", traveler_id, archived or bool(own))
            verb = "Archived" if archived else "Restored"
            self._log(
                conn,
                p,
                "client.archive",
                "client",
                client_id,
                f"{verb} client '{row['name']}'",
                client_id=client_id,
            )
        return self.get_client(p, client_id)

    def find_by_external_id(self, p: Principal, kind: str, external_id: str) -> int | None:
        """The id of the client, trip or supplier imported with ``external_id`` (for idempotent imports)."""
        tables = {"client": "clients", "trip": "trips", "supplier": "suppliers"}
        if kind not in tables:
            raise ValidationError(
                f"Unknown kind {kind!r} for find_by_external_id.", hint=f"Fix: use one of {sorted(tables)}."
            )
        row = self.store.query_one(
            f"SELECT id FROM {tables[kind]} WHERE agency_id = ? AND external_id = ?",
            (p.agency_id, external_id),
        )
        return int(row[0]) if row else None

    # -- travelers -------------------------------------------------------------------------------------------

    def add_traveler(self, p: Principal, client_id: int, **fields: Any) -> Traveler:
        """A person of the household. Fields: first_name, last_name (legal), date_of_birth, email, phone,
        preferences, loyalty_programs, documents ([{kind, number, country, expiry}]: numbers stored
        encrypted)."""
        p.require_write("add a traveler")
        self._reject_system(fields, "traveler", also=["client_id", "archived"])
        record = parse_record(Traveler, fields | {"client_id": client_id}, what="traveler")
        with self.store.transaction() as conn:
            self._client_row(conn, p, client_id)
            traveler_id = self._insert_traveler(conn, p, record)
        return self.get_traveler(p, traveler_id)

    def _insert_traveler(self, conn: sqlite3.Connection, p: Principal, record: Traveler) -> int:
        traveler_id = self._insert(
            conn, TRAVELERS, record, email_key=email_key(record.email), phone_key=phone_key(record.phone)
        )
        self._write_documents(conn, traveler_id, record.documents)
        index_traveler(conn, p.agency_id, traveler_id, record)
        self._log(
            conn,
            p,
            "traveler.create",
            "traveler",
            traveler_id,
            f"Added traveler '{record.full_name}'",
            client_id=record.client_id,
        )
        return traveler_id

    def _write_documents(
        self, conn: sqlite3.Connection, traveler_id: int, documents: Sequence[TravelDocument]
    ) -> None:
        conn.execute("DELETE FROM travel_documents WHERE traveler_id = ?", (traveler_id,))
        conn.executemany(
            "INSERT INTO travel_documents (traveler_id, position, kind, number_enc, number_last4, country, "
            "expiry) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    traveler_id,
                    i,
                    doc.kind,
                    self.cipher.encrypt(doc.number.get_secret_value()),
                    doc.number.get_secret_value()[-4:],
                    doc.country,
                    doc.expiry.isoformat() if doc.expiry else None,
                )
                for i, doc in enumerate(documents)
            ],
        )

    def get_traveler(self, p: Principal, traveler_id: int) -> Traveler:
        return self._traveler(self.store.connection(), p, traveler_id)

    def list_travelers(
        self, p: Principal, client_id: int, *, include_archived: bool = False
    ) -> list[Traveler]:
        conn = self.store.connection()
        self._client_row(conn, p, client_id)
        rows = conn.execute(
            "SELECT * FROM travelers WHERE client_id = ? AND (? OR archived = 0) ORDER BY id",
            (client_id, include_archived),
        ).fetchall()
        return self._travelers(conn, rows)

    def update_traveler(self, p: Principal, traveler_id: int, **changes: Any) -> Traveler:
        """Change fields; ``documents`` replaces the whole list (pass the current ones back to keep them)."""
        p.require_write("update a traveler")
        with self.store.transaction() as conn:
            current = self._traveler(conn, p, traveler_id)
            record = parse_record(
                Traveler,
                merge(current, changes, what="traveler", frozen=["client_id", "archived"]),
                what="traveler",
            )
            self._update(
                conn,
                TRAVELERS,
                traveler_id,
                record,
                email_key=email_key(record.email),
                phone_key=phone_key(record.phone),
            )
            if DOCUMENTS in changes:
                self._write_documents(conn, traveler_id, record.documents)
            index_traveler(conn, p.agency_id, traveler_id, record)
            self._log(
                conn,
                p,
                "traveler.update",
                "traveler",
                traveler_id,
                f"Updated traveler '{record.full_name}'",
                client_id=record.client_id,
                details={"changed": sorted(changes)},
            )
        return self.get_traveler(p, traveler_id)

    def archive_traveler(self, p: Principal, traveler_id: int, *, archived: bool = True) -> Traveler:
        p.require_write("archive a traveler")
        with self.store.transaction() as conn:
            row = self._traveler_row(conn, p, traveler_id)
            self._mark_archived(conn, "travelers", "traveler", traveler_id, archived)
            self._log(
                conn,
                p,
                "traveler.archive",
                "traveler",
                traveler_id,
                f"{'Archived' if archived else 'Restored'} traveler '{row['first_name']} {row['last_name']}'",
                client_id=row["client_id"],
            )
        return self.get_traveler(p, traveler_id)

    def reveal_document_number(self, p: Principal, traveler_id: int, index: int = 0) -> str:
        """The clear number of a traveler's document (agents and admins only; the reveal is logged)."""
        p.require_write("see a travel document number")
        traveler = self.get_traveler(p, traveler_id)
        if not 0 <= index < len(traveler.documents):
            raise ValidationError(
                f"Traveler {traveler_id} has {len(traveler.documents)} document(s); there is no document "
                f"#{index}.",
                hint="Fix: use an index from 0 to the number of documents minus one.",
            )
        doc = traveler.documents[index]
        with self.store.transaction() as conn:
            self._log(
                conn,
                p,
                "traveler.reveal_document",
                "traveler",
                traveler_id,
                f"Revealed {traveler.full_name}'s {doc.kind} number {doc.masked}",
                client_id=traveler.client_id,
            )
        return doc.number.get_secret_value()
