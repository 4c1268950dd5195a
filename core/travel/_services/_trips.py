"""Trips: their client, agent and party, and the whole plan of one trip with its totals and checks."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from core.security import Principal
from core.travel._checks import run_checks
from core.travel._models import Client, Item, RecordInvalid, Traveler, Trip, merge, parse_record
from core.travel._results import DayPlan, Flag, TripPlan, TripTotals
from core.travel._search import set_archived
from core.travel._services._clients import ClientsMixin
from core.travel._services._dayshift import keep_length, reschedule
from core.travel._services._index import index_trip
from core.travel._services._mapper import (
    DAY_ORDER,
    DAYS,
    ITEMS,
    OPTION_ORDER,
    OPTIONS,
    PARTY,
    PAYMENT_ORDER,
    PAYMENTS,
    SUPPLIERS,
    TRIPS,
    check_limit,
)
from core.travel._totals import compute_totals

__all__ = ["TripsMixin"]


class TripsMixin(ClientsMixin):
    """Create, read, list, update and archive trips; a household with its travelers and trip in one go; a
    trip's plan, totals and checks.

    It builds on ``ClientsMixin``: a trip names its client and party, and ``create_trip_with_client`` writes a
    household, its travelers and their trip in one transaction with the client writers."""

    def create_trip(self, p: Principal, **fields: Any) -> Trip:
        """A new trip. Fields: name, client_id, agent_id (default: the principal), status, start_date,
        end_date, destinations, party (traveler ids), budget_cents, currency, lead_source, planning_fee_cents,
        notes. Without a currency, the agency's default currency."""
        p.require_write("create a trip")
        self._reject_system(fields, "trip", also=["archived"])
        fields = {"agent_id": p.user_id, "currency": self._default_currency(p)} | fields
        record = parse_record(Trip, fields | {"agency_id": p.agency_id}, what="trip")
        with self.store.transaction() as conn:
            trip_id = self._insert_trip(conn, p, record)
        return self.get_trip(p, trip_id)

    def _default_currency(self, p: Principal) -> str:
        """The currency a new trip gets when none is given: the agency's default (never a silent USD)."""
        row = (
            self.store.connection()
            .execute("SELECT default_currency FROM agencies WHERE id = ?", (p.agency_id,))
            .fetchone()
        )
        return str(row[0]) if row and row[0] else "USD"

    def _check_trip_refs(self, conn: sqlite3.Connection, p: Principal, record: Trip) -> None:
        self._check_ref(
            conn,
            p,
            "client_id",
            record.client_id,
            "client",
            "SELECT 1 FROM clients WHERE id = ? AND agency_id = ?",
        )
        self._check_ref(
            conn, p, "agent_id", record.agent_id, "user", "SELECT 1 FROM users WHERE id = ? AND agency_id = ?"
        )
        for i, traveler_id in enumerate(record.party):
            self._check_ref(
                conn,
                p,
                f"party.{i}",
                traveler_id,
                "traveler",
                "SELECT 1 FROM travelers t JOIN clients c ON c.id = t.client_id WHERE t.id = ? AND "
                "c.agency_id = ?",
            )

    def _insert_trip(self, conn: sqlite3.Connection, p: Principal, record: Trip) -> int:
        self._check_trip_refs(conn, p, record)
        if record.external_id and self.find_by_external_id(p, "trip", record.external_id) is not None:
            raise RecordInvalid(
                f"Invalid trip: external_id = '{record.external_id}' is already imported.",
                problems={"external_id": "already used"},
                hint="Fix: update that trip instead (find it with find_by_external_id).",
            )
        trip_id = self._insert(conn, TRIPS, record)
        self._write_party(conn, trip_id, record.party)
        index_trip(conn, trip_id)
        self._log(
            conn,
            p,
            "trip.create",
            "trip",
            trip_id,
            f"Created trip '{record.name}'",
            trip_id=trip_id,
            client_id=record.client_id,
        )
        return trip_id

    @staticmethod
    def _write_party(conn: sqlite3.Connection, trip_id: int, party: Sequence[int]) -> None:
        conn.execute("DELETE FROM trip_party WHERE trip_id = ?", (trip_id,))
        conn.executemany(
            "INSERT INTO trip_party (trip_id, traveler_id, position) VALUES (?, ?, ?)",
            [(trip_id, t, i) for i, t in enumerate(party)],
        )

    def get_trip(self, p: Principal, trip_id: int) -> Trip:
        return self._trip(self.store.connection(), p, trip_id)

    def list_trips(
        self,
        p: Principal,
        *,
        client_id: int | None = None,
        status: str | None = None,
        agent_id: int | None = None,
        include_archived: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Trip]:
        """Trips, soonest start first (undated last)."""
        where = ["agency_id = ?"]
        params: list[Any] = [p.agency_id]
        for column, value in (("client_id", client_id), ("status", status), ("agent_id", agent_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if not include_archived:
            where.append("archived = 0")
        conn = self.store.connection()
        rows = conn.execute(
            f"SELECT * FROM trips WHERE {' AND '.join(where)} ORDER BY start_date IS NULL, start_date, id "
            "LIMIT ? OFFSET ?",
            [*params, check_limit(limit), max(0, offset)],
        ).fetchall()
        return self._trips(conn, rows)

    def update_trip(self, p: Principal, trip_id: int, **changes: Any) -> Trip:
        p.require_write("update a trip")
        with self.store.transaction() as conn:
            current = self._trip(conn, p, trip_id)
            changes = keep_length(current, changes)
            record = parse_record(
                Trip, merge(current, changes, what="trip", frozen=["archived"]), what="trip"
            )
            self._check_trip_refs(conn, p, record)
            self._update(conn, TRIPS, trip_id, record)
            if {"start_date", "end_date"} & set(changes):
                reschedule(conn, current, record, self._now())
            if PARTY in changes:
                self._write_party(conn, trip_id, record.party)
            index_trip(conn, trip_id)
            self._log(
                conn,
                p,
                "trip.update",
                "trip",
                trip_id,
                f"Updated trip '{record.name}'",
                trip_id=trip_id,
                client_id=record.client_id,
                details={"changed": sorted(changes)},
            )
        return self.get_trip(p, trip_id)

    def archive_trip(self, p: Principal, trip_id: int, *, archived: bool = True) -> Trip:
        p.require_write("archive a trip")
        with self.store.transaction() as conn:
            row = self._trip_row(conn, p, trip_id)
            self._mark_archived(conn, "trips", "trip", trip_id, archived)
            for (item_id,) in conn.execute("SELECT id FROM items WHERE trip_id = ?", (trip_id,)).fetchall():
                set_archived(conn, "item", item_id, archived)
            verb = "Archived" if archived else "Restored"
            self._log(
                conn,
                p,
                "trip.archive",
                "trip",
                trip_id,
                f"{verb} trip '{row['name']}'",
                trip_id=trip_id,
                client_id=row["client_id"],
            )
        return self.get_trip(p, trip_id)

    def cancel_trip(self, p: Principal, trip_id: int, *, reason: str = "") -> Trip:
        """Set the trip's status to cancelled and say so (with ``reason``) in the activity log. Nothing is
        deleted; ``update_trip(status=...)`` brings it back."""
        p.require_write("cancel a trip")
        reason = " ".join(reason.split())
        with self.store.transaction() as conn:
            current = self._trip(conn, p, trip_id)
            record = current.model_copy(update={"status": "cancelled"})
            self._update(conn, TRIPS, trip_id, record)
            index_trip(conn, trip_id)
            self._log(
                conn,
                p,
                "trip.cancel",
                "trip",
                trip_id,
                f"Cancelled trip '{current.name}'" + (f": {reason}" if reason else ""),
                trip_id=trip_id,
                client_id=current.client_id,
                details={"reason": reason, "was": current.status},
            )
        return self.get_trip(p, trip_id)

    def create_trip_with_client(
        self,
        p: Principal,
        *,
        client: Mapping[str, Any],
        trip: Mapping[str, Any],
        travelers: Sequence[Mapping[str, Any]] = (),
    ) -> tuple[Client, list[Traveler], Trip]:
        """A new household, its travelers and their trip, in one transaction. The trip's party defaults to
        them."""
        p.require_write("create a trip with its client")
        self._reject_system(client, "client", also=["archived"])
        self._reject_system(trip, "trip", also=["archived", "client_id"])
        client_record = parse_record(Client, dict(client) | {"agency_id": p.agency_id}, what="client")
        with self.store.transaction() as conn:
            client_id = self._insert_client(conn, p, client_record)
            traveler_ids: list[int] = []
            for i, fields in enumerate(travelers):
                self._reject_system(fields, f"traveler #{i + 1}", also=["client_id", "archived"])
                record = parse_record(
                    Traveler, dict(fields) | {"client_id": client_id}, what=f"traveler #{i + 1}"
                )
                traveler_ids.append(self._insert_traveler(conn, p, record))
            trip_fields = {
                "agent_id": p.user_id,
                "party": traveler_ids,
                "currency": self._default_currency(p),
            } | dict(trip)
            trip_record = parse_record(
                Trip, trip_fields | {"agency_id": p.agency_id, "client_id": client_id}, what="trip"
            )
            trip_id = self._insert_trip(conn, p, trip_record)
        return (
            self.get_client(p, client_id),
            [self.get_traveler(p, t) for t in traveler_ids],
            self.get_trip(p, trip_id),
        )

    # -- the plan ------------------------------------------------------------------------------------------

    def get_trip_plan(self, p: Principal, trip_id: int, *, today: date | None = None) -> TripPlan:
        """The trip with its client, party, options, days and items, payments, suppliers and totals (one
        snapshot)."""
        with self.store.snapshot() as conn:
            trip = self._trip(conn, p, trip_id)
            client = self._client(conn, p, trip.client_id) if trip.client_id else None
            travelers: list[Traveler] = []
            if trip.party:
                rows = conn.execute(
                    f"SELECT * FROM travelers WHERE id IN ({', '.join('?' * len(trip.party))})", trip.party
                ).fetchall()
                by_id = {t.id: t for t in self._travelers(conn, rows)}
                travelers = [by_id[t] for t in trip.party if t in by_id]
            options = self._children(conn, OPTIONS, trip_id, OPTION_ORDER)
            days = self._children(conn, DAYS, trip_id, DAY_ORDER)
            items = self._children(conn, ITEMS, trip_id, "position")
            payments = self._children(conn, PAYMENTS, trip_id, PAYMENT_ORDER)
            supplier_ids = sorted({i.supplier_id for i in items if i.supplier_id is not None})
            suppliers = {
                s.id: s
                for s in (self._model(SUPPLIERS, self._supplier_row(conn, p, sid)) for sid in supplier_ids)
                if s.id is not None
            }
        by_day: dict[int | None, list[Item]] = defaultdict(list)
        for item in items:
            by_day[item.day_id].append(item)
        return TripPlan(
            trip=trip,
            client=client,
            travelers=travelers,
            options=options,
            days=[DayPlan(day=d, items=by_day.get(d.id, [])) for d in days],
            unscheduled=by_day.get(None, []),
            payments=payments,
            suppliers=suppliers,
            totals=compute_totals(trip, days, items, payments, options, today=today),
        )

    def trip_totals(
        self, p: Principal, trip_id: int, *, option_id: int | None = None, today: date | None = None
    ) -> TripTotals:
        """Cost, sell, margin, commission, paid and balance of a trip (see ``TripTotals``)."""
        plan = self.get_trip_plan(p, trip_id, today=today)
        if option_id is not None and option_id not in {o.id for o in plan.options}:
            raise self._not_found(
                "itinerary option", option_id, f"Fix: use an option of trip {trip_id} (list_options)."
            )
        days = [d.day for d in plan.days]
        return compute_totals(
            plan.trip, days, plan.items(), plan.payments, plan.options, option_id=option_id, today=today
        )

    def check_trip(self, p: Principal, trip_id: int, *, today: date | None = None) -> list[Flag]:
        """Flags for the trip (see ``core.travel._checks`` for the codes). Reads only: nothing is changed."""
        return run_checks(self.get_trip_plan(p, trip_id, today=today), today=today)
