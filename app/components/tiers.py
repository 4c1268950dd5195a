"""The proposal-tier bar of a trip: pick a tier (or all), copy, rename, remove it, and "Client chose this tier".

``tier_bar(trip_id)`` draws it and returns the chosen option id (None: "All tiers"), so the caller shows the
shared plan plus that tier's own days. Every write is one call into the travel services.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from app import deps
from app.components.feedback import action
from app.components.formatting import money
from app.components.money import plain
from core.travel import ItineraryOption, RecordInvalid

PREFIX: Final = "tiers."  # session-state keys of this bar start with it
PICK: Final = PREFIX + "pick."  # + trip id: the segmented control (an option id, or ALL)
RENAME: Final = PREFIX + "rename."  # + option id: the rename form
CONFIRM_REMOVE: Final = PREFIX + "confirm_remove."  # + option id
ALL = 0  # the "All tiers" choice


def _ensure(trip_id: int) -> None:
    def run() -> str:
        options = deps.travel().ensure_tiers(deps.principal(), trip_id)
        return f"Added the tiers: {', '.join(plain(o.label) for o in options)}."

    action("adding tiers", run)


def _copy(option: ItineraryOption) -> None:
    def run() -> str:
        assert option.id is not None
        new = deps.travel().copy_option(deps.principal(), option.id)
        st.session_state[f"{PICK}{option.trip_id}"] = new.id
        return f"Copied '{plain(option.label)}' to a new tier, '{plain(new.label)}'."

    action("copying a tier", run)


def _accept(option: ItineraryOption) -> None:
    def run() -> str:
        assert option.id is not None
        deps.travel().accept_option(deps.principal(), option.id)
        return f"The client chose '{plain(option.label)}': the other tiers are archived."

    action("accepting a tier", run)


def _remove(option: ItineraryOption) -> None:
    def run() -> str:
        assert option.id is not None
        if not st.session_state.get(f"{CONFIRM_REMOVE}{option.id}"):
            raise RecordInvalid(
                f"Tick “Yes, remove '{plain(option.label)}'” first: removing a tier deletes its own days and items.",
                problems={"confirm": "not ticked"},
            )
        deps.travel().remove_option(deps.principal(), option.id)
        st.session_state[f"{PICK}{option.trip_id}"] = ALL
        return f"Removed the tier '{plain(option.label)}' with its own days and items."

    action("removing a tier", run)


def _rename_form(option: ItineraryOption) -> None:
    assert option.id is not None
    with st.form(f"{RENAME}{option.id}", border=False):
        label = st.text_input("New name", value=option.label, max_chars=60)
        slot = st.empty()
        if st.form_submit_button("Rename"):
            if not label.strip():
                slot.error("A tier needs a name: type one, e.g. 'Honeymoon'.", icon=":material/error:")
                return
            try:
                deps.travel().update_option(deps.principal(), option.id, label=label.strip())
            except RecordInvalid as e:
                slot.error(str(e), icon=":material/error:")
            else:
                action(
                    "renaming a tier", lambda: f"Renamed '{plain(option.label)}' to '{plain(label.strip())}'."
                )
                st.rerun()


def tier_bar(trip_id: int) -> int | None:
    """The tier picker and its actions; returns the chosen option id, or None for "All tiers"."""
    service, me = deps.travel(), deps.principal()
    options = [o for o in service.list_options(me, trip_id) if o.id is not None]
    if not options:
        st.caption("No proposal tiers yet: every item is in one plan.")
        st.button(
            "Create tiers (Essential, Signature, Ultimate)",
            key=f"{PREFIX}ensure.{trip_id}",
            icon=":material/layers:",
            on_click=_ensure,
            args=(trip_id,),
        )
        return None
    by_id = {o.id: o for o in options if o.id is not None}
    currency = service.get_trip(me, trip_id).currency
    totals = {i: service.trip_totals(me, trip_id, option_id=i).client_total_cents for i in by_id}
    key = f"{PICK}{trip_id}"
    if st.session_state.get(key) not in (ALL, *by_id):
        st.session_state[key] = ALL

    def label(i: int) -> str:
        if i == ALL:
            return "All tiers"
        o = by_id[i]
        mark = {"accepted": " ✓", "archived": " (archived)"}.get(o.status, "")
        return f"{plain(o.label)}{mark} · {money(totals[i], currency)}"

    chosen = st.segmented_control("Tier", [ALL, *by_id], format_func=label, key=key)
    if chosen in (None, ALL):
        st.caption("Showing the shared plan and every tier's own days. Pick a tier to act on it.")
        return None
    option = by_id[chosen]
    with st.container(horizontal=True):
        st.button(
            "Copy tier",
            key=f"{PREFIX}copy.{option.id}",
            icon=":material/content_copy:",
            disabled=len(options) >= 4,
            help="A new tier with a copy of this tier's own days and items (at most four tiers).",
            on_click=_copy,
            args=(option,),
        )
        with st.popover("Rename", icon=":material/edit:"):
            _rename_form(option)
        st.button(
            "Client chose this tier",
            key=f"{PREFIX}accept.{option.id}",
            icon=":material/verified:",
            type="primary",
            disabled=option.status == "accepted",
            help="Accept this tier; every other tier is archived.",
            on_click=_accept,
            args=(option,),
        )
        with st.popover("Remove", icon=":material/delete:"):
            st.checkbox(
                f"Yes, remove '{plain(option.label)}' with its own days and items",
                key=f"{CONFIRM_REMOVE}{option.id}",
            )
            st.button("Remove tier", key=f"{PREFIX}remove.{option.id}", on_click=_remove, args=(option,))
    return option.id
