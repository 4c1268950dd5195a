"""Trips: trips_v2 (+ trip_client_assignments, JSON columns for the schedule, stays, transport and money)
and the older Trips (+ TripParticipants, TripDays, TripActivities, Accommodations, TripCosts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from core.travel._models import format_money
from core.travel._search import normalize
from core.travel.d1._drafts import PartyRef, Row, TripDraft
from core.travel.d1._mappers import cost_lines, json_field, plain, row_key
from core.travel.d1._report import Outcome
from core.travel.d1._run import ImportRun, Part
from core.travel.d1._trip_reader import TripReader, day_title
from core.travel.d1._trip_writer import TripWriter
from core.travel.d1.values import (
    Unreadable,
    clean_text,
    is_blank,
    is_fee,
    is_list,
    is_object,
    json_or_text,
    pick,
    read_cents,
    read_date,
)

__all__ = ["TripsOld", "TripsV2"]


class TripsV2(Part):
    """The newer schema: one trips_v2 row holds the whole trip, its parts in JSON columns."""

    def __init__(self, run: ImportRun, reader: TripReader, writer: TripWriter) -> None:
        super().__init__(run)
        self.reader = reader
        self.writer = writer

    def import_trips(self) -> None:
        if not self.dump.has("trips_v2") and not self.dump.has("trip_client_assignments"):
            return
        table = self.run.table("trips_v2") if self.dump.has("trips_v2") else "trips_v2"
        assignments: dict[str, list[tuple[Row, dict[str, Any]]]] = defaultdict(list)
        assign_table = self.dump.name("trip_client_assignments")
        for n, row in enumerate(self.dump.rows("trip_client_assignments"), start=1):
            trip_key = clean_text(row.get("trip_id")) or ""
            key = (
                clean_text(pick(row, "assignment_id", "id"))
                or f"{trip_key}/{clean_text(row.get('client_email')) or n}"
            )
            assignments[trip_key].append((Row(assign_table, key), row))
        seen: set[str] = set()
        for n, row in enumerate(self.dump.rows("trips_v2"), start=1):
            key = clean_text(pick(row, "trip_id", "id")) or f"row {n}"
            seen.add(key)
            draft = TripDraft(table, key, external_id=f"d1:{table}:{key}")
            for child, assignment in assignments.get(key, []):
                draft.children.append(child)
                draft.party.append(
                    PartyRef(
                        child,
                        email=clean_text(pick(assignment, "client_email", "email")),
                        role=clean_text(pick(assignment, "client_role", "role")),
                    )
                )
            self._read_trip(draft, row)
            trip_id, outcome = self.writer.write_trip(draft)
            if trip_id is not None:
                name = draft.fields.get("name")
                self.run.v2_trips[normalize(str(name)), draft.start()] = (trip_id, outcome)
        for trip_key, rows in assignments.items():
            if trip_key not in seen:
                for child, _ in rows:
                    self.record(child, "skipped", f"no trip {trip_key or '(blank)'} in trips_v2")

    def _read_trip(self, draft: TripDraft, row: Mapping[str, Any]) -> None:
        self.reader.basics(
            draft,
            row,
            destinations=pick(row, "destinations", "destination"),
        )
        financials = json_field(draft, row, "financials", dict, keep_raw=True, notes=draft.notes)
        self.reader.currency(draft, pick(financials, "currency") or pick(row, "currency"))
        # people: the clients JSON, the primary email, then trip_client_assignments (already in draft.party)
        assigned = list(draft.party)
        draft.party = []
        primary = clean_text(pick(row, "primary_client_email"))
        people = json_field(draft, row, "clients", list, keep_raw=True, notes=draft.notes)
        for entry in people:
            if not is_object(entry):
                if clean_text(entry):
                    draft.party.append(PartyRef(draft, name=clean_text(entry)))
                continue
            client_key = clean_text(entry.get("client_id"))
            prefs = entry.get("preferences")
            draft.party.append(
                PartyRef(
                    draft,
                    client_key=("clients_v2", client_key) if client_key else None,
                    email=clean_text(entry.get("email")),
                    name=clean_text(pick(entry, "name", "full_name")),
                    role=clean_text(entry.get("role")),
                    notes=plain(prefs) if not is_blank(prefs) else None,
                )
            )
        if primary and not any(r.email and r.email.lower() == primary.lower() for r in draft.party):
            draft.party.insert(0, PartyRef(draft, email=primary, role="primary"))
        draft.party += assigned
        if primary:  # the primary client's household is the trip's client
            draft.party.sort(key=lambda r: 0 if r.email and r.email.lower() == primary.lower() else 1)

        schedule = json_field(draft, row, "schedule", list, keep_raw=False)
        for n, day in enumerate(schedule, start=1):
            if is_object(day):
                self._schedule_day(draft, day, n)
        for stay in json_field(draft, row, "accommodations", list, keep_raw=True, notes=draft.notes):
            if is_object(stay):
                self.reader.stay(draft, draft, stay)
        for leg in json_field(draft, row, "transportation", list, keep_raw=True, notes=draft.notes):
            if is_object(leg):
                self.reader.leg(draft, leg)
        self._money(draft, row, financials)
        for entry in json_field(draft, row, "documents", list, keep_raw=True, notes=draft.notes):
            draft.notes.append(f"Document in the original system: {plain(entry)}")
        notes = row.get("notes")
        try:
            parsed = json_or_text(notes)
        except Unreadable:
            parsed = clean_text(notes)
        if not is_blank(parsed):
            entries = parsed if is_list(parsed) else [parsed]
            draft.notes.extend(plain(n) for n in entries if not is_blank(n))

    def _schedule_day(self, draft: TripDraft, day: Mapping[str, Any], n: int) -> None:
        number = pick(day, "day_number", "day")
        try:
            on = read_date(pick(day, "date"))
        except Unreadable as e:
            draft.fixes.append(f"schedule day {number or n}: date {e}")
            on = None
        start = draft.start()
        if on is None and start is not None and str(number or "").isdigit():
            on = start + timedelta(days=int(str(number)) - 1)
        notes: list[str] = []
        if not is_blank(day.get("notes")):
            notes.append(plain(day.get("notes")))
        if not is_blank(day.get("meals")):
            notes.append(f"Meals: {plain(day.get('meals'))}")
        if not is_blank(day.get("accommodation")):
            notes.append(f"Overnight: {plain(day.get('accommodation'))}")
        activities: Any = day.get("activities") or []
        if not is_list(activities):
            activities = [activities]
        if on is None:
            if activities or notes:
                draft.fixes.append(
                    f"schedule day {number or n} has no date: its {len(activities)} activities are unscheduled"
                )
        else:
            title = clean_text(pick(day, "day_name", "title", "name"))
            if on in draft.days:
                old_title, old_notes = draft.days[on]
                draft.days[on] = (old_title, old_notes + notes)
            else:
                draft.days[on] = (day_title(draft, on, title), notes)
        for activity in activities:
            if is_object(activity):
                self.reader.activity(draft, draft, activity, on)
            elif clean_text(activity):
                self.reader.add_item(draft, on, {"kind": "activity", "title": clean_text(activity)})

    def _money(self, draft: TripDraft, row: Mapping[str, Any], financials: Mapping[str, Any]) -> None:
        currency = str(draft.fields["currency"])
        summary: list[str] = []
        amounts: dict[str, int] = {}
        for label, value in (
            ("quoted", pick(financials, "quoted_total", "total", "quote") or row.get("total_cost")),
            ("paid", pick(financials, "paid_amount", "paid") or row.get("paid_amount")),
            ("balance due", pick(financials, "balance_due", "balance")),
        ):
            try:
                cents = read_cents(value)
            except Unreadable as e:
                draft.fixes.append(f"financials {label} amount {e}: not used")
                continue
            if cents is not None:
                amounts[label] = cents
                summary.append(f"{label} {format_money(cents, currency)}")
        breakdown = financials.get("breakdown")
        lines = cost_lines(breakdown)
        if lines:
            shown = ", ".join(f"{label} {plain(amount)}" for label, amount in lines)
            summary.append(f"breakdown: {shown}")
        if summary:
            draft.notes.append("Original financials: " + "; ".join(summary) + ".")
        priced = any(i.fields.get("sell_cents") for i in draft.items)
        for label, amount in lines:
            if priced and not is_fee(label):
                continue  # already in the "Original financials" line
            self.reader.cost_line(draft, draft, label, amount, itemise=not priced)

        history: Any = financials.get("payment_history") or []
        if not is_list(history):
            history = [history]
        paid_total = 0
        for n, entry in enumerate(history, start=1):
            if not is_object(entry):
                draft.fixes.append(f"payment #{n} is not a record ({plain(entry)}): not imported")
                continue
            paid_total += self.reader.payment(draft, draft, entry, n)
        if not history and amounts.get("paid"):
            draft.payments.append(
                {
                    "due_date": self.today,
                    "amount_cents": amounts["paid"],
                    "description": "Paid in the original system (no payment history; date unknown)",
                    "paid": True,
                    "paid_on": self.today,
                }
            )
        elif history and "paid" in amounts and paid_total != amounts["paid"]:
            draft.warnings.append(
                f"payment history adds up to {format_money(paid_total, currency)} but paid_amount says "
                f"{format_money(amounts['paid'], currency)}: imported the history"
            )


class TripsOld(Part):
    """The older schema: Trips rows with their days, activities, stays, costs and participants in other tables."""

    def __init__(self, run: ImportRun, reader: TripReader, writer: TripWriter) -> None:
        super().__init__(run)
        self.reader = reader
        self.writer = writer

    def import_trips(self) -> None:
        if not self.dump.has("trips"):
            for key in ("tripparticipants", "tripdays", "tripactivities", "accommodations", "tripcosts"):
                table = self.dump.name(key)
                for n, row in enumerate(self.dump.rows(key), start=1):
                    self.record(Row(table, row_key(key, row, n)), "skipped", "the dump has no Trips table")
            return
        table = self.run.table("trips")
        children: dict[str, dict[str, list[tuple[Row, dict[str, Any]]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        day_dates: dict[str, str] = {}  # TripDays day_id -> trip_id
        for key in ("tripdays", "tripactivities", "accommodations", "tripcosts", "tripparticipants"):
            child_table = self.dump.name(key)
            for n, row in enumerate(self.dump.rows(key), start=1):
                trip_key = clean_text(row.get("trip_id"))
                if trip_key is None and key == "tripactivities":
                    trip_key = day_dates.get(clean_text(row.get("day_id")) or "")
                if key == "tripdays" and trip_key and clean_text(row.get("day_id")):
                    day_dates[str(clean_text(row.get("day_id")))] = trip_key
                children[trip_key or ""][key].append((Row(child_table, row_key(key, row, n)), row))
        seen: set[str] = set()
        for n, row in enumerate(self.dump.rows("trips"), start=1):
            key = clean_text(pick(row, "trip_id", "id")) or f"row {n}"
            seen.add(key)
            draft = TripDraft(table, key, external_id=f"d1:{table}:{key}")
            mine = children.get(key, {})
            for rows in mine.values():
                draft.children.extend(child for child, _ in rows)
            self._read_trip_old(draft, row, mine)
            twin = self.run.v2_trips.get((normalize(str(draft.fields.get("name"))), draft.start()))
            if twin is not None and self.svc.find_by_external_id(self.p, "trip", draft.external_id) is None:
                outcome: Outcome = "merged" if twin[1] == "imported" else "unchanged"
                reason = f"same trip as trips_v2 (trip #{twin[0]}): the newer record was kept"
                self.record(draft, outcome, reason)
                for child in draft.children:
                    self.record(child, outcome, reason)
                continue
            self.writer.write_trip(draft)
        for trip_key, tables in children.items():
            if trip_key not in seen:
                for rows in tables.values():
                    for child, _ in rows:
                        self.record(child, "skipped", f"no trip {trip_key or '(blank)'} in Trips")

    def _read_trip_old(
        self,
        draft: TripDraft,
        row: Mapping[str, Any],
        children: Mapping[str, list[tuple[Row, dict[str, Any]]]],
    ) -> None:
        self.reader.basics(draft, row, destinations=pick(row, "destinations", "destination"))
        self.reader.currency(draft, pick(row, "currency"))
        lead = clean_text(pick(row, "client_id", "primary_client_id", "lead_client_id"))
        if lead:
            draft.party.append(PartyRef(draft, client_key=("clients", lead), role="primary"))
        for child, participant in children.get("tripparticipants", []):
            client_key = clean_text(participant.get("client_id"))
            if client_key is None:
                child.fixes.append("no client_id: nobody was added to the party")
                continue
            if lead and client_key == lead:
                continue
            draft.party.append(
                PartyRef(child, client_key=("clients", client_key), role=clean_text(participant.get("role")))
            )
        dates_by_day: dict[str, date] = {}
        for child, day in children.get("tripdays", []):
            number = pick(day, "day_number", "day")
            try:
                on = read_date(pick(day, "date", "day_date"))
            except Unreadable as e:
                child.fixes.append(f"date {e}")
                on = None
            start = draft.start()
            if on is None and start and str(number or "").isdigit():
                on = start + timedelta(days=int(str(number)) - 1)
            if on is None:
                child.fixes.append("no date: the day was not created (its activities are unscheduled)")
                continue
            day_id = clean_text(day.get("day_id"))
            if day_id:
                dates_by_day[day_id] = on
            notes = [plain(v) for v in (pick(day, "description", "notes"),) if v is not None]
            title = clean_text(pick(day, "title", "day_name", "name"))
            draft.days[on] = (day_title(draft, on, title), notes)
        for child, activity in children.get("tripactivities", []):
            on = dates_by_day.get(clean_text(activity.get("day_id")) or "")
            activity = dict(activity)
            if "time" not in activity:
                activity["time"] = pick(activity, "start_time", "start")
            activity.setdefault("type", activity.get("activity_type"))
            self.reader.activity(draft, child, activity, on)
        for child, stay in children.get("accommodations", []):
            self.reader.stay(draft, child, stay)
        priced = any(i.fields.get("sell_cents") for i in draft.items)
        for child, cost in children.get("tripcosts", []):
            label = clean_text(pick(cost, "description", "category", "name", "item")) or "Cost"
            paid = str(pick(cost, "paid", "is_paid", "status") or "").strip().lower() in (
                "1",
                "true",
                "yes",
                "paid",
                "y",
            )
            try:
                when = read_date(pick(cost, "paid_date", "paid_on", "date", "due_date"))
            except Unreadable as e:
                child.fixes.append(f"date {e}")
                when = None
            amount = pick(cost, "amount", "cost", "price")
            self.reader.cost_line(draft, child, label, amount, itemise=not priced, paid=paid, when=when)
        try:
            total = read_cents(pick(row, "total_cost", "total", "price"))
        except Unreadable as e:
            draft.fixes.append(f"total_cost {e}: not used")
            total = None
        if total:
            draft.notes.append(
                f"Total cost in the original system: {format_money(total, draft.fields['currency'])}."
            )
        notes = clean_text(pick(row, "notes", "description"))
        if notes:
            draft.notes.append(notes)
