"""The Itinerary page's editor: the item form (add and edit, every kind), and the card and day actions
(duplicate, delete, move to a day, add/remove/reorder days).

The kind is picked outside the form (``kind_picker``), since the fields depend on it. Every widget key is
stable per record (``itinerary.item.new.*`` or ``itinerary.item.<id>.*``), so saving does not remount the form
and the keyboard focus stays where it was; the form saves in its submit callback, so a saved "new" form can be
emptied before it is drawn again. Field errors show under their control.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import date, time, timedelta
from functools import cache
from typing import Any, cast

import streamlit as st

from app import deps
from app.components.feedback import action, problem
from app.components.formatting import when
from core.travel import DETAIL_FIELDS, Item, RecordInvalid, TripPlan, city_timezone, to_cents
from core.travel._schedule import at

KINDS = ["flight", "hotel", "activity", "transfer", "rail", "car", "cruise", "note"]
KIND_LABEL = {
    "flight": "Flight", "hotel": "Hotel", "activity": "Activity", "transfer": "Transfer", "rail": "Rail",
    "car": "Car", "cruise": "Cruise", "note": "Note",
}  # fmt: skip
STATUSES = ["proposed", "optional", "booked", "cancelled"]
COMMISSION_STATUSES = ["none", "expected", "received"]
DETAIL_LABEL = {
    "carrier": "Carrier (airline, operator, company, line)", "number": "Flight or train number",
    "from_code": "From (airport or station)", "to_code": "To (airport or station)", "cabin": "Cabin or class",
    "seat": "Seat", "room": "Room", "board": "Board (e.g. B&B)", "ship": "Ship", "car_class": "Car class",
    "pickup": "Pick-up", "dropoff": "Drop-off", "vehicle": "Vehicle", "meeting_point": "Meeting point",
}  # fmt: skip
UNSCHEDULED = 0  # the day selectbox's "Unscheduled"
ALL_TIERS = 0  # the tier selectbox's "All tiers"

NEW = "itinerary.item.new"  # the add form's key prefix; an item's is f"itinerary.item.{id}"
KIND_KEY = "itinerary.item.kind"  # the kind picker of the add form
EDITING = "itinerary.item.editing"  # the id of the item whose edit form is open


@cache
def zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def slots(plan: TripPlan) -> dict[int, date]:
    """Day number -> date: the trip's dates, or the dates of its days when it has none."""
    trip = plan.trip
    if trip.start_date and trip.end_date:
        count = (trip.end_date - trip.start_date).days + 1
        return {n: trip.start_date + timedelta(days=n - 1) for n in range(1, count + 1)}
    dates = sorted({d.day.date for d in plan.days})
    return {n: x for n, x in enumerate(dates, start=1)}


def slot_of(plan: TripPlan, item: Item | None) -> int:
    if item is None or item.day_id is None:
        return 1 if slots(plan) else UNSCHEDULED
    day = next((d.day for d in plan.days if d.day.id == item.day_id), None)
    return next((n for n, x in slots(plan).items() if day and x == day.date), UNSCHEDULED)


def tier_of(plan: TripPlan, item: Item | None) -> int:
    if item is None or item.day_id is None:
        return ALL_TIERS
    day = next((d.day for d in plan.days if d.day.id == item.day_id), None)
    return (day.option_id if day else None) or ALL_TIERS


def default_zone(plan: TripPlan, item: Item | None) -> str | None:
    if item is not None and item.start_tz:
        return item.start_tz
    for place in [item.place_name if item else None, *plan.trip.destinations]:
        zone = city_timezone(place or "")
        if zone:
            return zone
    return None


def kind_picker() -> str:
    """The add form's kind, picked outside the form so the form can show that kind's fields."""
    picked = st.segmented_control(
        "Kind of item", KINDS, format_func=lambda k: KIND_LABEL[k], key=KIND_KEY, default="activity"
    )
    return picked or "activity"


def _cents(value: float | None) -> int | None:
    return None if value is None else to_cents(f"{value:.2f}")


def fields_from(values: Mapping[str, Any], kind: str, on: date | None) -> dict[str, Any]:
    """The item fields of the form's ``values`` (by short name), with times on the date ``on``."""
    start, end = cast(time | None, values.get("start")), cast(time | None, values.get("end"))
    base = on or date.today()
    fields: dict[str, Any] = {
        "title": (values.get("title") or "").strip(),
        "place_name": (values.get("place") or "").strip() or None,
        "start_local": at(base, start) if start is not None else None,
        "end_local": at(base + timedelta(days=int(values.get("end_day") or 0)), end)
        if end is not None
        else None,
        "start_tz": values.get("tz") if start is not None else None,
        "end_tz": (values.get("end_tz") or values.get("tz")) if end is not None else None,
        "supplier_id": values.get("supplier") or None,
        "confirmation_numbers": [
            c.strip() for c in str(values.get("confirmations") or "").split(",") if c.strip()
        ],
        "status": values.get("status") or "proposed",
        "cost_cents": _cents(values.get("cost")) or 0,
        "sell_cents": _cents(values.get("sell")) or 0,
        "commission_rate": None if values.get("rate") is None else round(float(values["rate"]) / 100, 4),
        "commission_cents": _cents(values.get("commission")),
        "commission_status": values.get("commission_status") or "none",
        "deposit_due": values.get("deposit_due"),
        "final_payment_due": values.get("final_due"),
        "client_notes": values.get("client_notes") or "",
        "internal_notes": values.get("internal_notes") or "",
        "details": {f: (values.get(f) or "").strip() or None for f in DETAIL_FIELDS.get(kind, ())},
    }
    if fields["commission_status"] == "none" and (fields["commission_rate"] or fields["commission_cents"]):
        fields["commission_status"] = "expected"
    return fields


def _day_for(plan: TripPlan, slot: int, tier: int) -> int | None:
    """The day id of day ``slot`` in the plan of ``tier`` (shared when All tiers), creating the days."""
    if slot == UNSCHEDULED:
        return None
    on = slots(plan)[slot]
    option_id = tier or None
    for d in plan.days:
        if d.day.date == on and d.day.option_id == option_id:
            return d.day.id
    assert plan.trip.id is not None
    svc, me = deps.travel(), deps.principal()
    if plan.trip.start_date and plan.trip.end_date:
        days = svc.ensure_days(me, plan.trip.id, option_id=option_id)
        found = next((d.id for d in days if d.date == on), None)
        if found is not None:
            return found
    return svc.add_day(me, plan.trip.id, date=on, option_id=option_id, title=f"Day {slot}").id


def _values(prefix: str) -> dict[str, Any]:
    n = len(prefix) + 1
    return {
        k[n:]: v for k, v in st.session_state.items() if isinstance(k, str) and k.startswith(prefix + ".")
    }


def _save(plan: TripPlan, item: Item | None, kind: str, prefix: str) -> None:
    """The form's submit callback: add or update the item; field errors go under their controls."""
    values = _values(prefix)
    st.session_state[f"{prefix}:problems"] = {}
    if not (values.get("title") or "").strip():
        st.session_state[f"{prefix}:problems"] = {"title": "Give the item a title, e.g. 'TP 202 JFK → LIS'."}
        return
    slot, tier = int(values.get("slot") or 0), int(values.get("tier") or 0)
    on = slots(plan).get(slot) or (
        item.start_local.date() if item and item.start_local else plan.trip.start_date
    )

    def run() -> str:
        svc, me = deps.travel(), deps.principal()
        assert plan.trip.id is not None
        try:
            fields = fields_from(values, kind, on)
            with svc.atomic():
                day_id = _day_for(plan, slot, tier)
                if item is None or item.id is None:
                    saved = svc.add_item(me, plan.trip.id, day_id=day_id, kind=kind, **fields)
                else:
                    if day_id != item.day_id:
                        svc.move_item(me, item.id, day_id=day_id)
                    saved = svc.update_item(me, item.id, **fields)
        except RecordInvalid as e:
            short = {k.split(".")[0]: v for k, v in e.problems.items()}
            st.session_state[f"{prefix}:problems"] = short
            raise
        if item is None:
            blank_new_form(plan, prefix)
        else:
            st.session_state.pop(EDITING, None)
        return f"{'Added' if item is None else 'Saved'} '{saved.title}'."

    action("saving the item", run)


def blank_new_form(plan: TripPlan, prefix: str) -> None:
    """An empty add form for the next item, under the same keys; the day stays, the zones go back to the trip's.
    Each field is set to its empty value rather than deleted: a deleted key leaves the browser showing (and
    sending back) the last item's values, which then leaked into the next item (a transfer got the flight's
    carrier)."""
    blank: dict[str, object] = {
        "title": "", "place": "", "confirmations": "", "client_notes": "", "internal_notes": "",
        "start": None, "end": None, "end_day": 0, "cost": 0.0, "sell": 0.0, "rate": None, "commission": None,
        "deposit_due": None, "final_due": None, "tier": ALL_TIERS, "end_tz": None,
        "tz": default_zone(plan, None) if default_zone(plan, None) in zones() else None,
    } | dict.fromkeys(DETAIL_LABEL, "")  # fmt: skip
    for name, value in blank.items():
        if f"{prefix}.{name}" in st.session_state:
            st.session_state[f"{prefix}.{name}"] = value


def item_form(plan: TripPlan, kind: str, item: Item | None = None) -> None:
    """The add form (``item`` None, of ``kind``) or the edit form of ``item``."""
    prefix = NEW if item is None or item.id is None else f"itinerary.item.{item.id}"
    errors: dict[str, str] = st.session_state.get(f"{prefix}:problems", {})
    k = lambda name: f"{prefix}.{name}"  # noqa: E731 - the widget key of a field
    days = slots(plan)
    day_options = [*days, UNSCHEDULED]
    tiers = {ALL_TIERS: "All tiers"} | {o.id: o.label for o in plan.options if o.id is not None}
    suppliers = {s.id: s.name for s in plan.suppliers.values() if s.id is not None}
    with st.form(f"{prefix}.form", border=True, enter_to_submit=False):
        st.text_input(
            "Title", value=item.title if item else "", key=k("title"), placeholder="e.g. TP 202 JFK → LIS"
        )
        problem(errors, "title")
        c = st.columns(3)
        c[0].selectbox(
            "Day", day_options, index=day_options.index(slot_of(plan, item)) if day_options else 0,
            format_func=lambda n: "Unscheduled" if n == UNSCHEDULED else f"Day {n} · {when(days[n])}",
            key=k("slot"),
        )  # fmt: skip
        c[1].selectbox(
            "Tier", list(tiers), index=list(tiers).index(tier_of(plan, item)) if tier_of(plan, item) in tiers else 0,
            format_func=lambda t: tiers[t], key=k("tier"),
        )  # fmt: skip
        c[2].selectbox("Status", STATUSES, index=STATUSES.index(item.status) if item else 0, key=k("status"))
        problem(errors, "status")
        c = st.columns(3)
        start = item.start_local.time() if item and item.start_local else None
        end = item.end_local.time() if item and item.end_local else None
        c[0].time_input("Start (local)", value=start, key=k("start"), step=300)
        c[1].time_input("End (local)", value=end, key=k("end"), step=300)
        end_day = (
            (item.end_local.date() - item.start_local.date()).days
            if item and item.end_local and item.start_local
            else 0
        )
        c[2].number_input(
            "Ends … days later" if kind != "hotel" else "Nights", min_value=0, max_value=60, value=end_day,
            key=k("end_day"), help="0: the same day. A hotel's nights; 1 for an overnight flight.",
        )  # fmt: skip
        problem(errors, "start_local")
        problem(errors, "end_local")
        c = st.columns(2)
        zone = default_zone(plan, item)
        all_zones = zones()
        c[0].selectbox(
            "Start zone", all_zones, index=all_zones.index(zone) if zone in all_zones else None, key=k("tz"),
            placeholder="Time zone…",
        )  # fmt: skip
        end_zone = item.end_tz if item and item.end_tz else None
        c[1].selectbox(
            "End zone (if different)", all_zones, index=all_zones.index(end_zone) if end_zone in all_zones else None,
            key=k("end_tz"), placeholder="Same as the start",
        )  # fmt: skip
        problem(errors, "start_tz")
        problem(errors, "end_tz")
        c = st.columns(2)
        c[0].text_input("Place", value=(item.place_name or "") if item else "", key=k("place"))
        c[1].selectbox(
            "Supplier", [None, *suppliers], format_func=lambda s: "No supplier" if s is None else suppliers[s],
            index=[None, *suppliers].index(item.supplier_id) if item and item.supplier_id in suppliers else 0,
            key=k("supplier"),
        )  # fmt: skip
        fits = DETAIL_FIELDS.get(kind, ())
        if fits:
            c = st.columns(min(3, len(fits)))
            for n, f in enumerate(fits):
                got = getattr(item.details, f) if item else None
                c[n % len(c)].text_input(DETAIL_LABEL[f], value=got or "", key=k(f))
            problem(errors, "details")
        st.text_input(
            "Confirmation numbers", value=", ".join(item.confirmation_numbers) if item else "",
            key=k("confirmations"), help="Separate several with commas.",
        )  # fmt: skip
        c = st.columns(2)
        c[0].number_input(
            f"Cost ({plan.trip.currency})", min_value=0.0, step=10.0, format="%.2f",
            value=(item.cost_cents / 100) if item else 0.0, key=k("cost"),
        )  # fmt: skip
        c[1].number_input(
            f"Sell ({plan.trip.currency})", min_value=0.0, step=10.0, format="%.2f",
            value=(item.sell_cents / 100) if item else 0.0, key=k("sell"),
        )  # fmt: skip
        problem(errors, "cost_cents")
        problem(errors, "sell_cents")
        c = st.columns(3)
        rate = item.commission_rate * 100 if item and item.commission_rate is not None else None
        c[0].number_input("Commission rate (%)", min_value=0.0, max_value=100.0, value=rate, key=k("rate"))
        commission = item.commission_cents / 100 if item and item.commission_cents is not None else None
        c[1].number_input(
            f"Commission amount ({plan.trip.currency})", min_value=0.0, value=commission, format="%.2f",
            key=k("commission"), help="Leave empty to use the rate × the sell price.",
        )  # fmt: skip
        c[2].selectbox(
            "Commission status", COMMISSION_STATUSES,
            index=COMMISSION_STATUSES.index(item.commission_status) if item else 0, key=k("commission_status"),
        )  # fmt: skip
        problem(errors, "commission_rate")
        c = st.columns(2)
        c[0].date_input("Deposit due", value=item.deposit_due if item else None, key=k("deposit_due"))
        c[1].date_input(
            "Final payment due", value=item.final_payment_due if item else None, key=k("final_due")
        )
        st.text_area("Notes for the client", value=item.client_notes if item else "", key=k("client_notes"))
        st.text_area("Internal notes", value=item.internal_notes if item else "", key=k("internal_notes"))
        st.form_submit_button(
            "Add item" if item is None else "Save changes", type="primary", on_click=_save,
            args=(plan, item, kind, prefix),
        )  # fmt: skip


# -- card and day actions (widget callbacks) -------------------------------------------------------------


def duplicate(item: Item) -> None:
    def run() -> str:
        assert item.id is not None
        copy = deps.travel().duplicate_item(deps.principal(), item.id)
        return (
            f"Duplicated '{item.title}' (the copy is proposed, without confirmation numbers; id {copy.id})."
        )

    action("duplicating an item", run)


def delete(item: Item) -> None:
    def run() -> str:
        assert item.id is not None
        deps.travel().remove_item(deps.principal(), item.id)
        return f"Deleted '{item.title}'."

    action("deleting an item", run)


def move_to(item: Item, day_id: int | None, name: str) -> None:
    def run() -> str:
        assert item.id is not None
        moved = deps.travel().move_item(deps.principal(), item.id, day_id=day_id)
        at_time = f" at {moved.start_local:%H:%M}" if moved.start_local else ""
        return f"Moved '{item.title}' to {name}{at_time}."

    action("moving an item", run)


def add_day(trip_id: int) -> None:
    def run() -> str:
        day = deps.travel().insert_day(deps.principal(), trip_id)
        return f"Added {day.title} ({when(day.date)})."

    action("adding a day", run)


def delete_day(trip_id: int, number: int) -> None:
    def run() -> str:
        gone = deps.travel().delete_day(deps.principal(), trip_id, number)
        return (
            f"Removed day {number}; the later days moved a day earlier ({len(gone)} item(s) now unscheduled)."
        )

    action("removing a day", run)


def move_day(trip_id: int, number: int, to: int) -> None:
    def run() -> str:
        deps.travel().move_day(deps.principal(), trip_id, number, to)
        return f"Moved day {number} to day {to}; its items kept their times."

    action("moving a day", run)


def start_editing(item_id: int) -> None:
    st.session_state[EDITING] = None if st.session_state.get(EDITING) == item_id else item_id


def item_actions(plan: TripPlan, item: Item, day_names: Mapping[int, str], up: Any, down: Any) -> None:
    """A card's controls in one row, each as wide as its label: ↑ ↓ (``up``/``down``: (callback, args) or
    None when disabled), Move to… (a popover of one button per day), Edit, Duplicate, Delete (confirmed)."""
    assert item.id is not None
    with st.container(horizontal=True, gap="small"):
        for label, key, spec, helptext in (("↑", "up", up, "Move up"), ("↓", "down", down, "Move down")):
            st.button(
                label, key=f"itinerary.{key}.{item.id}", disabled=spec is None, help=helptext, width="content",
                on_click=spec[0] if spec else None, args=spec[1] if spec else None,
            )  # fmt: skip
        with st.popover("Move to…", width="content"):
            for day_id, name in day_names.items():
                if day_id != (item.day_id or UNSCHEDULED):
                    st.button(
                        name, key=f"itinerary.move.{item.id}.{day_id}", width="stretch",
                        on_click=move_to, args=(item, day_id or None, name),
                    )  # fmt: skip
        st.button(
            "Edit", key=f"itinerary.edit.{item.id}", width="content", on_click=start_editing, args=(item.id,),
            icon=":material/edit:",
        )  # fmt: skip
        st.button(
            "Duplicate", key=f"itinerary.duplicate.{item.id}", width="content", on_click=duplicate, args=(item,),
            icon=":material/content_copy:",
        )  # fmt: skip
        with st.popover("Delete", icon=":material/delete:", width="content"):
            st.write("Delete this item? This cannot be undone.")
            st.button(
                "Delete it", key=f"itinerary.delete.{item.id}", type="primary", on_click=delete, args=(item,),
            )  # fmt: skip
    if st.session_state.get(EDITING) == item.id:
        item_form(plan, item.kind, item)


def day_actions(plan: TripPlan, number: int, count: int) -> None:
    """A day header's controls: ↑ ↓ (reorder days; items keep their times) and Remove day (confirmed)."""
    trip_id = plan.trip.id
    assert trip_id is not None
    with st.container(horizontal=True, gap="small"):
        st.button(
            "↑", key=f"itinerary.day.up.{number}", disabled=number == 1, help="Move this day earlier",
            width="content", on_click=move_day, args=(trip_id, number, number - 1),
        )  # fmt: skip
        st.button(
            "↓", key=f"itinerary.day.down.{number}", disabled=number == count, help="Move this day later",
            width="content", on_click=move_day, args=(trip_id, number, number + 1),
        )  # fmt: skip
        with st.popover("Remove day", icon=":material/delete:", width="content"):
            st.write(
                f"Remove day {number}? Its items become unscheduled and the later days move a day earlier."
            )
            st.button(
                "Remove it", key=f"itinerary.day.remove.{number}", type="primary", on_click=delete_day,
                args=(trip_id, number),
            )  # fmt: skip


def day_number(plan: TripPlan, on: date) -> int | None:
    """The day number of a date of the trip (None without a start date)."""
    start = plan.trip.start_date
    return None if start is None else (on - start).days + 1
