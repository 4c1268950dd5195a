"""``ServiceBase``: what every aggregate's mixin of ``TravelService`` stands on.

It holds the store, the field cipher and the clock, and the small data mapper over them: insert and update a
record through its ``Table``, find a row in the principal's agency (``NotFound`` otherwise), load clients,
travelers (with their decrypted documents) and trips (with their party), add and update a trip's child
records (``ChildKind``: options, days, items, payments, documents), and write the activity log. Mixins call
these and one another never, except ``TripsMixin`` which builds on ``ClientsMixin``.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, SecretStr

from core._common import utcnow
from core.security import FieldCipher, Principal
from core.travel._models import (
    SYSTEM_FIELDS,
    Client,
    NotFound,
    RecordInvalid,
    TravelDocument,
    Traveler,
    Trip,
    merge,
    parse_record,
)
from core.travel._search import Searcher, set_archived
from core.travel._services._mapper import (
    CLIENTS,
    TRAVELERS,
    TRIPS,
    C,
    ChildKind,
    M,
    Table,
    chunks,
    find_row,
    log_activity,
    not_found,
    stamp,
    trip_row,
)
from core.travel._store import TravelStore

__all__ = ["ServiceBase"]


class ServiceBase:
    """The store, cipher and clock of a ``TravelService``, and the data mapper its mixins share."""

    def __init__(
        self, store: TravelStore, cipher: FieldCipher, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.cipher = cipher
        self._clock = clock
        self._searcher = Searcher()

    @property
    def clock(self) -> Callable[[], datetime]:
        """The service's clock (UTC): what it stamps records and log entries with."""
        return self._clock

    def _now(self) -> str:
        return stamp(self._clock())

    def _insert(self, conn: sqlite3.Connection, table: Table[Any], record: BaseModel, **extra: Any) -> int:
        now = self._now()
        values = table.values(record) | extra
        if "created_at" in values:
            values["created_at"] = now
        if "updated_at" in values:
            values["updated_at"] = now
        cols = ", ".join(values)
        marks = ", ".join("?" * len(values))
        cur = conn.execute(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", list(values.values()))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def _update(
        self, conn: sqlite3.Connection, table: Table[Any], row_id: int, record: BaseModel, **extra: Any
    ) -> None:
        values = table.values(record) | extra
        values.pop("created_at", None)
        if "updated_at" in values:
            values["updated_at"] = self._now()
        sets = ", ".join(f"{c} = ?" for c in values)
        conn.execute(f"UPDATE {table.name} SET {sets} WHERE id = ?", [*values.values(), row_id])

    def _log(
        self,
        conn: sqlite3.Connection,
        p: Principal,
        action: str,
        entity: str,
        entity_id: int | None,
        summary: str,
        *,
        trip_id: int | None = None,
        client_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        log_activity(
            conn,
            p,
            self._now(),
            action,
            entity,
            entity_id,
            summary,
            trip_id=trip_id,
            client_id=client_id,
            details=details,
        )

    @staticmethod
    def _reject_system(fields: Mapping[str, Any], what: str, also: Sequence[str] = ()) -> None:
        blocked = sorted(set(fields) & (SYSTEM_FIELDS | set(also)))
        if blocked:
            raise RecordInvalid(
                f"Invalid {what}: {', '.join(blocked)} cannot be set by the caller.",
                problems={b: "set by the store" for b in blocked},
                hint="Fix: leave it out; the store assigns ids, agencies and timestamps.",
            )

    @staticmethod
    def _not_found(what: str, ident: object, how: str = "") -> NotFound:
        return not_found(what, ident, how)

    @staticmethod
    def _row(
        conn: sqlite3.Connection, sql: str, params: Sequence[Any], what: str, ident: object
    ) -> sqlite3.Row:
        return find_row(conn, sql, params, what, ident)

    def _client_row(self, conn: sqlite3.Connection, p: Principal, client_id: int) -> sqlite3.Row:
        return self._row(
            conn,
            "SELECT * FROM clients WHERE id = ? AND agency_id = ?",
            (client_id, p.agency_id),
            "client",
            client_id,
        )

    def _traveler_row(self, conn: sqlite3.Connection, p: Principal, traveler_id: int) -> sqlite3.Row:
        return self._row(
            conn,
            "SELECT t.* FROM travelers t JOIN clients c ON c.id = t.client_id WHERE t.id = ? AND "
            "c.agency_id = ?",
            (traveler_id, p.agency_id),
            "traveler",
            traveler_id,
        )

    @staticmethod
    def _trip_row(conn: sqlite3.Connection, p: Principal, trip_id: int) -> sqlite3.Row:
        return trip_row(conn, p, trip_id)

    def _supplier_row(self, conn: sqlite3.Connection, p: Principal, supplier_id: int) -> sqlite3.Row:
        return self._row(
            conn,
            "SELECT * FROM suppliers WHERE id = ? AND agency_id = ?",
            (supplier_id, p.agency_id),
            "supplier",
            supplier_id,
        )

    @staticmethod
    def _model(table: Table[M], row: sqlite3.Row, **extra: Any) -> M:
        return table.model.model_validate(table.data(row) | extra)

    def _check_ref(
        self, conn: sqlite3.Connection, p: Principal, field: str, value: int | None, what: str, sql: str
    ) -> None:
        if value is None:
            return
        if conn.execute(sql, (value, p.agency_id)).fetchone() is None:
            raise RecordInvalid(
                f"Invalid {field} = {value}: no {what} {value} in your agency.",
                problems={field: f"no such {what}"},
                hint=f"Fix: use the id of an existing {what}.",
            )

    def _mark_archived(
        self, conn: sqlite3.Connection, table: str, kind: str, row_id: int, archived: bool
    ) -> None:
        """Set a record's archived flag and keep the search index in step (``table`` is one of ours, not input)."""
        conn.execute(
            f"UPDATE {table} SET archived = ?, updated_at = ? WHERE id = ?",
            (int(archived), self._now(), row_id),
        )
        set_archived(conn, kind, row_id, archived)

    # -- clients, travelers and trips, read whole ---------------------------------------------------------

    def _client(self, conn: sqlite3.Connection, p: Principal, client_id: int) -> Client:
        return self._model(CLIENTS, self._client_row(conn, p, client_id))

    def _traveler(self, conn: sqlite3.Connection, p: Principal, traveler_id: int) -> Traveler:
        return self._travelers(conn, [self._traveler_row(conn, p, traveler_id)])[0]

    def _trip(self, conn: sqlite3.Connection, p: Principal, trip_id: int) -> Trip:
        return self._trips(conn, [self._trip_row(conn, p, trip_id)])[0]

    def _travelers(self, conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[Traveler]:
        ids = [r["id"] for r in rows]
        docs: dict[int, list[TravelDocument]] = defaultdict(list)
        for chunk in chunks(ids):
            for d in conn.execute(
                f"SELECT * FROM travel_documents WHERE traveler_id IN ({', '.join('?' * len(chunk))}) ORDER "
                "BY traveler_id, position",
                chunk,
            ):
                docs[d["traveler_id"]].append(
                    TravelDocument(
                        kind=d["kind"],
                        number=SecretStr(self.cipher.decrypt(d["number_enc"])),
                        country=d["country"],
                        expiry=date.fromisoformat(d["expiry"]) if d["expiry"] else None,
                    )
                )
        return [self._model(TRAVELERS, r, documents=docs.get(r["id"], [])) for r in rows]

    def _trips(self, conn: sqlite3.Connection, rows: Sequence[sqlite3.Row]) -> list[Trip]:
        party: dict[int, list[int]] = defaultdict(list)
        ids = [r["id"] for r in rows]
        for chunk in chunks(ids):
            for r in conn.execute(
                "SELECT trip_id, traveler_id FROM trip_party WHERE trip_id IN "
                f"({', '.join('?' * len(chunk))}) ORDER BY trip_id, position",
                chunk,
            ):
                party[r[0]].append(r[1])
        return [self._model(TRIPS, r, party=party.get(r["id"], [])) for r in rows]

    # -- a trip's child records ------------------------------------------------------------------------------

    def _child(self, conn: sqlite3.Connection, p: Principal, kind: ChildKind[C], row_id: int) -> C:
        """Record ``row_id`` of a trip's child ``kind`` (option, day, item, ...), if the trip is the
        principal's agency's; ``NotFound`` naming ``kind.what`` otherwise."""
        row = self._row(
            conn,
            f"SELECT x.* FROM {kind.table.name} x JOIN trips t ON t.id = x.trip_id WHERE x.id = ? AND "
            "t.agency_id = ?",
            (row_id, p.agency_id),
            kind.what,
            row_id,
        )
        return self._model(kind.table, row)

    @classmethod
    def _children(cls, conn: sqlite3.Connection, table: Table[M], trip_id: int, order_by: str) -> list[M]:
        """Every record of a trip's child ``table``, ordered by ``order_by`` (one of ours, not input)."""
        rows = conn.execute(f"SELECT * FROM {table.name} WHERE trip_id = ? ORDER BY {order_by}", (trip_id,))
        return [cls._model(table, r) for r in rows.fetchall()]

    def _list_children(self, p: Principal, trip_id: int, table: Table[M], order_by: str) -> list[M]:
        """``_children`` of a trip the principal can see (``NotFound`` otherwise)."""
        conn = self.store.connection()
        self._trip_row(conn, p, trip_id)
        return self._children(conn, table, trip_id, order_by)

    def _add_child(
        self,
        p: Principal,
        kind: ChildKind[C],
        trip_id: int,
        fields: Mapping[str, Any],
        *,
        summary: Callable[[C], str],
        check: Callable[[sqlite3.Connection, C], None] | None = None,
    ) -> C:
        """Add a child record to a trip in one transaction: validate ``fields``, ``check`` the record, write it
        and log ``<entity>.create`` with ``summary(record)``. Returns the record as stored."""
        what, entity = kind.what, kind.entity
        self._reject_system(fields, what, also=["trip_id"])
        record = parse_record(kind.table.model, dict(fields) | {"trip_id": trip_id}, what=what)
        with self.store.transaction() as conn:
            self._trip_row(conn, p, trip_id)
            if check is not None:
                check(conn, record)
            row_id = self._insert(conn, kind.table, record)
            self._log(conn, p, f"{entity}.create", entity, row_id, summary(record), trip_id=trip_id)
        return self._child(self.store.connection(), p, kind, row_id)

    def _update_child(
        self,
        p: Principal,
        kind: ChildKind[C],
        row_id: int,
        changes: Mapping[str, Any],
        *,
        summary: Callable[[C], str],
        check: Callable[[sqlite3.Connection, C], None] | None = None,
    ) -> C:
        """Apply ``changes`` to a trip's child record in one transaction (its ``trip_id`` cannot change):
        validate, ``check`` the result, write it and log ``<entity>.update`` with ``summary(record)``. Returns
        the record as stored."""
        what, entity = kind.what, kind.entity
        with self.store.transaction() as conn:
            current = self._child(conn, p, kind, row_id)
            record = parse_record(
                kind.table.model, merge(current, changes, what=what, frozen=["trip_id"]), what=what
            )
            if check is not None:
                check(conn, record)
            self._update(conn, kind.table, row_id, record)
            self._log(
                conn,
                p,
                f"{entity}.update",
                entity,
                row_id,
                summary(record),
                trip_id=record.trip_id,
                details={"changed": sorted(changes)},
            )
        return self._child(self.store.connection(), p, kind, row_id)
