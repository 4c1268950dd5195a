"""Writing a trip: the trip with its party, days, items and payments in one ``service.atomic()``, and its
outcome recorded for the trip's row and every row folded into it."""

from __future__ import annotations

from datetime import date, timedelta

from core.errors import TravelOpsError
from core.travel._models import PaymentSchedule, Trip
from core.travel.d1._drafts import TripDraft
from core.travel.d1._fixes import fit
from core.travel.d1._party import Party
from core.travel.d1._report import Outcome
from core.travel.d1._run import ImportRun, Part
from core.travel.d1._trip_reader import day_title
from core.travel.d1.values import Unreadable

__all__ = ["MAX_RANGE_DAYS", "TripWriter"]

_PLAIN_ROLES = frozenset({"primary", "lead", "main", "traveler", "traveller", "client"})
MAX_RANGE_DAYS = 120  # longer trips get days only for the dates that have something on them


class TripWriter(Part):
    """Writes trip drafts, all or nothing, and records their rows."""

    def __init__(self, run: ImportRun, party: Party) -> None:
        super().__init__(run)
        self.party = party

    def write_trip(self, draft: TripDraft) -> tuple[int | None, Outcome]:
        """Write the trip with everything in it, all or nothing; record the trip and its child rows."""
        svc, p = self.svc, self.p
        existing = svc.find_by_external_id(p, "trip", draft.external_id)
        if existing is not None:
            self._add_to_existing(draft, existing)
            self.record(draft, "unchanged")
            return existing, "unchanged"
        # the atomic block may roll back: keep what to restore of this run's bookkeeping
        saved = dict(self.run.created), dict(self.run.people), dict(self.run.by_email)
        try:
            with svc.atomic():
                party: list[int] = []
                roles: dict[int, str] = {}
                household: int | None = None
                for ref in draft.party:
                    traveler_id = self.party.traveler_for(ref, draft)
                    if traveler_id is None:
                        continue
                    if household is None:
                        household = svc.get_traveler(p, traveler_id).client_id
                    if traveler_id not in party:
                        party.append(traveler_id)
                    if ref.role and ref.role.lower() not in _PLAIN_ROLES:
                        roles.setdefault(traveler_id, ref.role)
                    if ref.notes:
                        draft.notes.append(f"{svc.get_traveler(p, traveler_id).full_name}: {ref.notes}")
                if roles:
                    named = (f"{svc.get_traveler(p, t).full_name} ({role})" for t, role in roles.items())
                    draft.notes.append(f"Roles: {', '.join(named)}.")
                fields = dict(draft.fields) | {"party": party, "client_id": household}
                fields["notes"] = "\n".join(draft.notes)
                fields = {k: v for k, v in fields.items() if v is not None}
                keep = frozenset({"name", "external_id", "currency", "party", "client_id", "agent_id"})
                fields = fit(Trip, fields, what="trip", keep=keep, fixes=draft.fixes)
                trip = svc.create_trip(p, **fields)
                assert trip.id is not None
                days = self._write_days(draft, trip)
                ordered = sorted(
                    draft.items,
                    key=lambda i: (
                        i.on or date.max,
                        i.fields.get("start_local") or "99",
                        i.order,
                    ),
                )
                if ordered:
                    svc.add_items(
                        p, trip.id, [i.fields | {"day_id": days.get(i.on) if i.on else None} for i in ordered]
                    )
                    self.run.created["items"] += len(ordered)
                for payment in draft.payments:
                    fitted = fit(
                        PaymentSchedule,
                        payment | {"trip_id": trip.id},
                        what="payment",
                        keep=frozenset({"trip_id", "due_date", "amount_cents"}),
                        fixes=draft.fixes,
                    )
                    fitted.pop("trip_id")
                    svc.add_payment(p, trip.id, **fitted)
                    self.run.created["payments"] += 1
                self.run.created["trips"] += 1
        except (TravelOpsError, Unreadable) as e:
            self.run.created, self.run.people, self.run.by_email = saved
            self._finish(draft, "skipped", f"not imported (nothing of it was written): {e}")
            return None, "skipped"
        self._finish(draft, "imported")
        return trip.id, "imported"

    def _write_days(self, draft: TripDraft, trip: Trip) -> dict[date, int]:
        assert trip.id is not None
        dates = set(draft.days) | {i.on for i in draft.items if i.on is not None}
        start, end = trip.start_date, trip.end_date
        if start and end:
            span = (end - start).days + 1
            if span <= MAX_RANGE_DAYS:
                dates |= {start + timedelta(days=n) for n in range(span)}
            else:
                draft.warnings.append(
                    f"the trip spans {span} days: days were created only for dates with something planned"
                )
        ids: dict[date, int] = {}
        for on in sorted(dates):
            title, notes = draft.days.get(on, ("", []))
            title = title or day_title(draft, on, None)
            day = self.svc.add_day(self.p, trip.id, date=on, title=title[:300], notes="\n".join(notes))
            assert day.id is not None
            ids[on] = day.id
            self.run.created["days"] += 1
        return ids

    def _finish(self, draft: TripDraft, outcome: Outcome, reason: str = "") -> None:
        self.record(draft, outcome, reason)
        for child in draft.children:
            if outcome == "skipped":
                self.record(child, "skipped", f"its trip {draft.table} #{draft.key} was not imported")
            else:
                self.record(child, outcome)

    def _add_to_existing(self, draft: TripDraft, trip_id: int) -> None:
        """A trip imported by an earlier run: nothing changes, except party rows naming someone new."""
        party_rows = {id(ref.row): ref for ref in draft.party if ref.row is not draft}
        trip = self.svc.get_trip(self.p, trip_id)
        party = list(trip.party)
        for child in draft.children:
            ref = party_rows.get(id(child))
            if ref is None:
                self.record(child, "unchanged")
                continue
            found = self.party.known(ref)
            if found is None or found[1] is None:
                who = ref.email or (ref.client_key[1] if ref.client_key else "?")
                self.record(child, "skipped", f"no traveler for {who} among the clients")
            elif found[1] in party:
                self.record(child, "unchanged")
            else:
                party.append(found[1])
                self.svc.update_trip(self.p, trip_id, party=party)
                self.record(child, "imported")
