"""Reading the parts of a trip that both schemas share: name, dates, status, currency, and the bookings
(activities, stays, transport legs), their prices, payments and cost lines, as ``ItemDraft``s."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from core.travel._codes import city_timezone
from core.travel._models import Item, RecordInvalid, format_money
from core.travel.d1._drafts import ItemDraft, Row, TripDraft
from core.travel.d1._fixes import fit
from core.travel.d1._mappers import plain
from core.travel.d1._run import Part
from core.travel.d1.values import (
    Unreadable,
    clean_text,
    is_blank,
    is_fee,
    is_list,
    is_object,
    item_kind,
    pick,
    read_cents,
    read_currency,
    read_date,
    read_datetime,
    read_json,
    read_time,
    read_times,
)

__all__ = ["TripReader", "day_title"]

_STATUS: dict[str, str] = {}
for _status, _names in {
    "planning": "planning plan planned draft inquiry enquiry new lead quote quoted proposal proposed pending "
    "researching research open tentative",
    "confirmed": "confirmed booked deposit_paid deposit paid fully_paid ready finalized finalised ticketed",
    "in_progress": "in_progress inprogress traveling travelling on_trip ongoing underway departed",
    "completed": "completed complete done finished past returned closed",
    "cancelled": "cancelled canceled cancel lost declined void",
}.items():
    for _name in _names.split():
        _STATUS[_name] = _status


def day_title(draft: TripDraft, on: date, title: str | None) -> str:
    """``title``, else "Day n" counted from the trip's start."""
    if title:
        return title
    start = draft.start()
    return f"Day {(on - start).days + 1}" if start and on >= start else ""


class TripReader(Part):
    """Turns the values of one original trip into its draft: fields, items and payments, fixes noted."""

    def basics(self, draft: TripDraft, row: Mapping[str, Any], *, destinations: Any) -> None:
        name = clean_text(pick(row, "trip_name", "name", "title"))
        if name is None:
            name = clean_text(pick(row, "group_name")) or f"Trip {draft.key}"
            draft.fixes.append(f"trip_name is empty: named '{name}'")
        try:
            places = (
                read_json(destinations, list) if str(destinations or "").lstrip().startswith("[") else None
            )
        except Unreadable:
            places = None
        if places is None:
            places = [d for d in re.split(r"[,;/|]| - ", str(destinations or "")) if d.strip()]
        places = [clean_text(d.get("name") if is_object(d) else d) for d in places]
        draft.fields.update(name=name, destinations=[d for d in places if d], external_id=draft.external_id)
        draft.zone = next((z for d in draft.fields["destinations"] if (z := city_timezone(d))), None)
        start = end = None
        for column, target in (("start_date", "start"), ("end_date", "end")):
            try:
                value = read_date(row.get(column))
            except Unreadable as e:
                draft.fixes.append(f"{column} {e}: left empty")
                value = None
            if target == "start":
                start = value
            else:
                end = value
        if start and end and end < start:
            draft.fixes.append(
                f"end_date {end} is before start_date {start}: imported without an end date (check it)"
            )
            end = None
        draft.fields.update(start_date=start, end_date=end)
        draft.fields["status"] = self._status(draft, clean_text(row.get("status")), start, end)
        group = clean_text(row.get("group_name"))
        created_by = clean_text(row.get("created_by"))
        if created_by and created_by.lower() in self.run.users:
            draft.fields["agent_id"] = self.run.users[created_by.lower()]
        origin = [f"Imported from the original system ({draft.table} #{draft.key})"]
        if group and group != name:
            origin.append(f"group: {group}")
        created = clean_text(row.get("created_at"))
        if created or created_by:
            origin.append("created " + " by ".join(x for x in (created, created_by) if x))
        draft.notes.insert(0, "; ".join(origin) + ".")

    def _status(self, draft: TripDraft, raw: str | None, start: date | None, end: date | None) -> str:
        if raw is None:
            return "planning"
        key = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if key == "active":
            live = start is not None and end is not None and start <= self.today <= end
            status = "in_progress" if live else "planning"
            rule = "today is within its dates" if live else "today is not within its dates"
            draft.fixes.append(f"status 'active' became {status}: {rule}")
            return status
        if key in _STATUS:
            return _STATUS[key]
        if key.replace("_", "") in _STATUS:
            return _STATUS[key.replace("_", "")]
        draft.fixes.append(f"status '{raw}' is not one of ours: imported as planning (check it)")
        return "planning"

    def currency(self, draft: TripDraft, raw: Any) -> None:
        code = read_currency(raw)
        if code is None:
            code = self.run.default_currency
            if not is_blank(raw):
                draft.fixes.append(f"currency '{raw}' is not one we accept: imported in {code} (check it)")
        draft.fields["currency"] = code

    def activity(self, draft: TripDraft, row: Row, activity: Mapping[str, Any], on: date | None) -> None:
        title = clean_text(
            pick(activity, "title", "name", "activity", "description", "type", "activity_type")
        )
        if title is None:
            row.fixes.append(f"an activity on {on or 'an unknown day'} has no title: not imported")
            return
        place = clean_text(pick(activity, "location", "place", "venue", "address"))
        kind = item_kind(pick(activity, "type", "activity_type", "category") or "", default="activity")
        zone = (city_timezone(place) if place else None) or draft.zone
        fields: dict[str, Any] = {"kind": kind, "title": title[:300], "place_name": place}
        notes: list[str] = []
        description = clean_text(activity.get("description"))
        if description and description != title:
            notes.append(description)
        when = pick(activity, "time", "start_time", "start")
        day_of = pick(activity, "date")
        try:
            if day_of is not None:
                on = read_date(day_of) or on
        except Unreadable as e:
            row.fixes.append(f"activity '{title}' date {e}: placed on its schedule day")
        start_time = end_time = None
        if when is not None:
            try:
                if isinstance(when, str) and re.match(r"^\d{4}-\d{2}-\d{2}", when):
                    on2, start_time = read_datetime(when, zone)
                    on = on2 or on
                else:
                    start_time, end_time = read_times(when)
            except Unreadable:
                notes.append(f"Time: {clean_text(when)}")
                row.fixes.append(
                    f"activity '{title}' time '{clean_text(when)}' is not a time: kept in its notes"
                )
        ending = pick(activity, "end_time", "end")
        if ending is not None and end_time is None:
            try:
                end_time = (
                    read_time(ending)
                    if not re.match(r"^\d{4}-", str(ending))
                    else read_datetime(ending, zone)[1]
                )
            except Unreadable:
                notes.append(f"Ends: {clean_text(ending)}")
        if on is not None and start_time is not None:
            fields.update(start_local=datetime.combine(on, start_time), start_tz=zone)
            if end_time is not None:
                end_day = on if end_time >= start_time else on + timedelta(days=1)
                fields["end_local"] = datetime.combine(end_day, end_time)
        elif start_time is not None:
            notes.append(f"Time: {start_time.strftime('%H:%M')} (day unknown)")
        self._prices(row, fields, activity, title)
        self._status_and_confirmation(fields, activity)
        fields["client_notes"] = "\n".join(notes)
        self.add_item(draft, on, fields, row=row)

    def stay(self, draft: TripDraft, row: Row, stay: Mapping[str, Any]) -> None:
        name = clean_text(
            pick(stay, "name", "hotel", "hotel_name", "property", "accommodation_name", "title")
        )
        if name is None:
            row.fixes.append("an accommodation has no name: not imported")
            return
        place = clean_text(pick(stay, "address", "location", "city"))
        zone = city_timezone(" ".join(x for x in (place, name) if x)) or draft.zone
        fields: dict[str, Any] = {"kind": "hotel", "title": name[:300], "place_name": place or name}
        notes: list[str] = []
        on = None
        for column, names in (
            ("check_in", ("check_in", "checkin", "check_in_date", "arrival", "start_date", "from")),
            ("check_out", ("check_out", "checkout", "check_out_date", "departure", "end_date", "to")),
        ):
            raw = pick(stay, *names)
            try:
                day, at = read_datetime(raw, zone)
            except Unreadable as e:
                row.fixes.append(f"accommodation '{name}' {column} {e}: left empty")
                continue
            if day is None:
                continue
            if column == "check_in":
                on = day
                if at is not None:
                    fields.update(start_local=datetime.combine(day, at), start_tz=zone)
            else:
                notes.append(f"Check-out: {day.isoformat()}{' ' + at.strftime('%H:%M') if at else ''}")
                if at is not None and "start_local" in fields:
                    fields["end_local"] = datetime.combine(day, at)
        for label, names in (("Room", ("room", "room_type")), ("Notes", ("notes", "description"))):
            value = pick(stay, *names)
            if value is not None:
                notes.append(f"{label}: {plain(value)}")
        self._prices(row, fields, stay, name)
        self._status_and_confirmation(fields, stay)
        fields["client_notes"] = "\n".join(notes)
        self.add_item(draft, on, fields, row=row)

    def leg(self, draft: TripDraft, leg: Mapping[str, Any]) -> None:
        origin = clean_text(
            pick(leg, "from", "origin", "departure_airport", "departure_city", "from_location")
        )
        to = clean_text(pick(leg, "to", "destination", "arrival_airport", "arrival_city", "to_location"))
        carrier = clean_text(pick(leg, "carrier", "airline", "company", "operator", "provider"))
        number = clean_text(pick(leg, "number", "flight_number", "flight", "train_number", "service"))
        mode = clean_text(pick(leg, "type", "mode", "kind", "transport_type")) or ""
        default = "flight" if number and re.match(r"^[A-Z0-9]{2}\s?\d{1,4}$", number) else "transfer"
        kind = item_kind(mode, carrier or "", default=default)
        if kind in ("hotel", "activity", "note"):
            kind = "transfer"
        route = " → ".join(x for x in (origin, to) if x)
        title = " ".join(
            x
            for x in (
                carrier if not (number and carrier and number.startswith(carrier)) else None,
                number,
                route,
            )
            if x
        )
        if not (carrier or number) and mode:
            title = f"{mode.capitalize()} {title}".strip()
        title = title or "Transport"
        start_zone = (city_timezone(origin) if origin else None) or (draft.zone if kind != "flight" else None)
        end_zone = (city_timezone(to) if to else None) or (start_zone if kind != "flight" else None)
        fields: dict[str, Any] = {"kind": kind, "title": title[:300], "place_name": origin}
        notes: list[str] = []
        on = None
        try:
            on, at = read_datetime(
                pick(leg, "departure", "departure_time", "depart", "departure_datetime", "start", "date"),
                start_zone,
            )
            if on and at:
                fields.update(start_local=datetime.combine(on, at), start_tz=start_zone)
        except Unreadable as e:
            draft.fixes.append(f"transport '{title}' departure {e}: left empty")
        try:
            day, at = read_datetime(
                pick(leg, "arrival", "arrival_time", "arrive", "arrival_datetime", "end"), end_zone
            )
            if day and at and "start_local" in fields and end_zone:
                fields.update(end_local=datetime.combine(day, at), end_tz=end_zone)
            elif day or at:  # an arrival we cannot place in a zone stays readable in the notes
                when = " ".join(
                    x for x in (day.isoformat() if day else None, at.strftime("%H:%M") if at else None) if x
                )
                notes.append(f"Arrives: {when} local time{' in ' + to if to else ''}")
        except Unreadable as e:
            draft.fixes.append(f"transport '{title}' arrival {e}: left empty")
        for label, names in (
            ("Seat", ("seat", "seats")),
            ("Class", ("class", "cabin")),
            ("Notes", ("notes",)),
        ):
            value = pick(leg, *names)
            if value is not None:
                notes.append(f"{label}: {plain(value)}")
        self._prices(draft, fields, leg, title)
        self._status_and_confirmation(fields, leg)
        fields["client_notes"] = "\n".join(notes)
        self.add_item(draft, on, fields)

    @staticmethod
    def _prices(row: Row, fields: dict[str, Any], entry: Mapping[str, Any], title: str) -> None:
        raw = pick(entry, "cost", "price", "total", "total_cost", "amount", "rate")
        try:
            cents = read_cents(raw)
        except Unreadable as e:
            row.fixes.append(f"'{title}' price {e}: imported without a price")
            return
        if cents:
            fields.update(cost_cents=cents, sell_cents=cents)

    @staticmethod
    def _status_and_confirmation(fields: dict[str, Any], entry: Mapping[str, Any]) -> None:
        confirmation = pick(
            entry,
            "confirmation",
            "confirmation_number",
            "confirmation_code",
            "conf",
            "pnr",
            "record_locator",
            "booking_ref",
            "booking_reference",
            "reference",
        )
        if confirmation is not None:
            values = confirmation if is_list(confirmation) else re.split(r"[,;]", str(confirmation))
            fields["confirmation_numbers"] = [str(v).strip() for v in values if str(v).strip()]
        status = (clean_text(entry.get("status")) or "").lower()
        if status in ("cancelled", "canceled"):
            fields["status"] = "cancelled"
        elif status == "optional":
            fields["status"] = "optional"
        elif status in ("booked", "confirmed", "paid", "ticketed") or fields.get("confirmation_numbers"):
            fields["status"] = "booked"

    def add_item(
        self, draft: TripDraft, on: date | None, fields: dict[str, Any], *, row: Row | None = None
    ) -> None:
        row = row or draft
        keep = frozenset({"kind", "title", "trip_id", "currency"})
        data = {k: v for k, v in fields.items() if v not in (None, "", [])} | {"trip_id": 1}
        try:
            fitted = fit(Item, data, what=f"item '{fields.get('title')}'", keep=keep, fixes=row.fixes)
        except RecordInvalid as e:
            row.fixes.append(f"item '{fields.get('title')}' not imported: {e}")
            return
        fitted.pop("trip_id")
        draft.items.append(ItemDraft(on, fitted, order=len(draft.items)))

    def payment(self, draft: TripDraft, row: Row, entry: Mapping[str, Any], n: int) -> int:
        label = f"payment #{n}"
        try:
            cents = read_cents(pick(entry, "amount", "paid", "value"))
        except Unreadable as e:
            row.fixes.append(f"{label} amount {e}: not imported")
            return 0
        if not cents:
            row.fixes.append(f"{label} has no amount: not imported")
            return 0
        description = " · ".join(
            plain(v)
            for v in (pick(entry, "description", "note", "notes", "reference"), entry.get("method"))
            if not is_blank(v)
        )
        try:
            on = read_date(pick(entry, "date", "paid_on", "payment_date", "paid_at", "created_at"))
        except Unreadable as e:
            row.fixes.append(f"{label} date {e}: dated {self.today} (the import day)")
            on = None
        if on is None:
            on = self.today
            description = " · ".join(x for x in (description, "date unknown") if x)
        draft.payments.append(
            {"due_date": on, "amount_cents": cents, "description": description, "paid": True, "paid_on": on}
        )
        return cents

    def cost_line(
        self,
        draft: TripDraft,
        row: Row,
        label: str,
        amount: Any,
        *,
        itemise: bool,
        paid: bool = False,
        when: date | None = None,
    ) -> None:
        """One original cost line: a fee adds to the planning fee; other lines become an unscheduled priced
        item when ``itemise`` (no booking carries a price), else a line in the notes; a paid line is also a
        paid payment."""
        try:
            cents = read_cents(amount)
        except Unreadable as e:
            row.fixes.append(f"cost '{label}' {e}: not imported")
            return
        if not cents:
            return
        if is_fee(label):
            draft.fields["planning_fee_cents"] = int(draft.fields.get("planning_fee_cents", 0)) + cents
        elif not itemise:
            money = format_money(cents, str(draft.fields["currency"]))
            draft.notes.append(
                f"Cost line (original, not itemised: the bookings carry prices): {label} {money}"
            )
        else:
            kind = item_kind(label, default="activity")
            kind = "activity" if kind == "note" else kind
            title = f"{label.replace('_', ' ').capitalize()} (original cost line)"
            fields = {"kind": kind, "title": title[:300], "cost_cents": cents, "sell_cents": cents}
            self.add_item(draft, None, fields, row=row)
        if paid:
            on = when or self.today
            description = f"{label} (paid in the original system{'' if when else '; date unknown'})"
            draft.payments.append(
                {
                    "due_date": on,
                    "amount_cents": cents,
                    "description": description,
                    "paid": True,
                    "paid_on": on,
                }
            )
