"""Itinerary: a trip day by day, a drag-and-drop board, items as cards, totals, flags and a map.

Reorder and move items by dragging them on the board (``app.components.itinerary``; the store applies the
whole board in one transaction), or from the keyboard with the cards' ↑ ↓ buttons and "Move to…". An item
moved to another day takes its date and keeps its local time; a day's timed items stay in time order. Add,
edit, duplicate and delete items, and add, remove and reorder days, with ``app.components.item_form``.
"""

from __future__ import annotations

from collections import defaultdict

import streamlit as st

from app import deps, state
from app.components import charts, item_form, itinerary
from app.components.feedback import action, empty, guard, show_flash
from app.components.formatting import amount, money, plain, when
from app.components.tiers import tier_bar
from app.components.widgets import trip_picker
from core.places import map_points
from core.travel import Flag, Item, TripPlan

KIND_ICON = {
    "flight": ":material/flight:", "hotel": ":material/hotel:", "activity": ":material/local_activity:",
    "transfer": ":material/airport_shuttle:", "rail": ":material/train:", "car": ":material/directions_car:",
    "cruise": ":material/directions_boat:", "note": ":material/sticky_note_2:",
}  # fmt: skip
STATUS_COLOR = {"booked": "green", "proposed": "blue", "optional": "gray", "cancelled": "red"}
SEVERITY = {"error": st.error, "warning": st.warning, "info": st.info}
UNSCHEDULED = 0  # the "move to" option for the unscheduled list

st.title("Itinerary")
st.caption(
    "Drag items on the board to move them to another day (they keep their local time), or use “Move to…” on "
    "the cards. Items with a time stay in time order; ↑ ↓ move the ones without a time."
)
show_flash()


def move(item: Item, day_id: int | None, position: int | None, what: str) -> None:
    def run() -> str:
        assert item.id is not None
        deps.travel().move_item(deps.principal(), item.id, day_id=day_id, position=position)
        return f"Moved '{item.title}' {what}."

    action("moving an item", run)


def save_board(trip_id: int, arranged: dict[int | None, list[int]]) -> None:
    """An item was dropped somewhere new: store the whole board, then draw the page afresh."""

    def run() -> str:
        changed = deps.travel().apply_board(deps.principal(), trip_id, arranged)
        return f"Saved the new order ({len(changed)} item(s) changed place; timed items stay in time order)."

    action("saving the board", run)
    itinerary.start_afresh()
    st.rerun()


def time_of(item: Item) -> str:
    if item.start_local is None:
        return "any time"
    text = f"{item.start_local:%H:%M}"
    if item.end_local is not None:
        text += f"–{item.end_local:%H:%M}"
    return text + (f" {item.start_tz}" if item.start_tz else "")


def card(
    plan: TripPlan, item: Item, siblings: list[Item], flags: list[Flag], day_names: dict[int, str]
) -> None:
    """An item: what, when, where, status, prices; its controls in a row below (as wide as their labels)."""
    assert item.id is not None
    index = siblings.index(item)
    with st.container(border=True):
        c = st.columns([5, 2, 2, 3], vertical_alignment="center")
        supplier = plan.suppliers.get(item.supplier_id or 0)
        with c[0].container(horizontal=True, gap="small", vertical_alignment="center"):
            st.markdown(KIND_ICON.get(item.kind, ""), width="content")
            st.text(item.title)  # stored text: shown as text, never as Markdown
        c[0].caption(
            " · ".join(x for x in (time_of(item), item.place_name, supplier.name if supplier else "") if x)
        )
        c[1].markdown(f":{STATUS_COLOR.get(item.status, 'gray')}-badge[{item.status}]")
        c[1].caption(", ".join(item.confirmation_numbers) or "no confirmation")
        c[2].markdown(money(item.sell_cents, item.currency))
        c[2].caption(f"cost {money(item.cost_cents, item.currency)}")
        timed = item.day_id is not None and item.start_local is not None  # its time places it
        up = None if index == 0 or timed else (move, (item, item.day_id, index - 1, "up"))
        down = None if index == len(siblings) - 1 or timed else (move, (item, item.day_id, index + 1, "down"))
        with c[3]:
            st.caption("In time order" if timed else "")
        item_form.item_actions(plan, item, day_names, up, down)
        for flag in flags:
            SEVERITY[flag.severity](flag.message, icon=":material/flag:")


with guard("loading the itinerary"):
    service, me = deps.travel(), deps.principal()
    trip = trip_picker(service, me, key=state.ITINERARY_TRIP)
    if trip is None or trip.id is None:
        empty("No trips yet.")
        st.stop()
    plan = service.get_trip_plan(me, trip.id)
    flags = service.check_trip(me, trip.id)
    by_item: dict[int | None, list[Flag]] = defaultdict(list)
    for flag in flags:
        by_item[flag.item_id].append(flag)
    options = {o.id: o.label for o in plan.options}
    day_names: dict[int, str] = {}
    for d in plan.days:
        assert d.day.id is not None
        tier = f" · {options.get(d.day.option_id, '')}" if d.day.option_id else ""
        day_names[d.day.id] = f"{when(d.day.date)}{tier}" + (f" · {d.day.title}" if d.day.title else "")
    day_names[UNSCHEDULED] = "Unscheduled"

    t = plan.totals
    cur = t.currency
    m = st.columns(5)  # the currency goes in the labels: five amounts with it do not fit their columns
    m[0].metric(
        f"Client total ({cur})", amount(t.client_total_cents), help="Sell prices plus the planning fee."
    )
    m[1].metric(f"Cost ({cur})", amount(t.cost_cents))
    m[2].metric(
        f"Margin ({cur})", amount(t.margin_cents), f"{t.margin_pct}%" if t.margin_pct is not None else None
    )
    m[3].metric(
        f"Commission received ({cur})", amount(t.commission_received_cents),
        f"{amount(t.commission_expected_cents)} still to come", delta_color="off",
    )  # fmt: skip
    m[4].metric(
        f"Balance due ({cur})", amount(t.balance_due_cents), help=f"Paid so far: {money(t.paid_cents, cur)}."
    )
    if t.next_payment_date:
        st.caption(f"Next client payment: {money(t.next_payment_cents, cur)} on {when(t.next_payment_date)}.")
    with st.expander("Proposal tiers", expanded=bool(plan.options), icon=":material/layers:"):
        tier_bar(trip.id)  # copy, rename, remove, "client chose this tier"; items join a tier from their form
    for flag in by_item.get(None, []):
        SEVERITY[flag.severity](flag.message, icon=":material/flag:")
    if not flags:
        st.success("The checks of step 8 found nothing to look at.", icon=":material/verified:")

    board, where = st.tabs(["Days", "Map"])
    with board:
        if not plan.days and not plan.unscheduled:
            empty(
                "This trip has no days or items yet.",
                f"Add an item below, or `travelops items add {trip.id} --kind activity --title … --day 1`.",
            )
        elif st.toggle(
            "Drag-and-drop board", value=True, key=state.BOARD_SHOWN,
            help="Drag a card onto another day (it keeps its local time); the cards below do the same from the "
            "keyboard.",
        ):  # fmt: skip
            arranged = itinerary.drag_board(plan, day_names, UNSCHEDULED)
            if arranged is not None:
                save_board(trip.id, arranged)
        numbers = item_form.slots(plan)
        for d in plan.days:
            items = sorted(d.items, key=lambda i: i.position)
            st.markdown(f"#### {plain(day_names[d.day.id or 0])}")  # tier and day titles are typed by people
            number = item_form.day_number(plan, d.day.date)
            if d.day.option_id is None and number is not None and number in numbers:
                item_form.day_actions(plan, number, len(numbers))
            if not items:
                st.caption("Nothing planned.")
            for item in items:
                card(plan, item, items, by_item.get(item.id, []), day_names)
        if plan.unscheduled:
            st.markdown("#### Unscheduled")
            for item in plan.unscheduled:
                card(plan, item, plan.unscheduled, by_item.get(item.id, []), day_names)
        if trip.start_date and trip.end_date:
            st.button(
                "Add a day at the end", key="itinerary.day.add", icon=":material/add:",
                on_click=item_form.add_day, args=(trip.id,),
            )  # fmt: skip
        else:
            st.caption("Give the trip start and end dates to plan it day by day.")
        st.markdown("#### Add an item")
        item_form.item_form(plan, item_form.kind_picker())
    with where:
        points = map_points(plan)
        if points.empty:
            st.info("No item has coordinates or a place this map knows.")
        else:
            st.plotly_chart(charts.itinerary_map(points.frame()), key="itinerary.map")
            st.caption("Hollow points are placed at their city (the item has no exact coordinates).")
        if points.unplaced:
            st.caption("Not on the map: " + ", ".join(points.unplaced))
