"""Clients: one search box over everything, a sortable table, a profile, and create/edit with validation."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app import deps, state
from app.components.feedback import duplicate_warning, empty, flash, guard, show_flash
from app.components.profile import render_profile
from app.components.traveler_form import add_traveler, traveler_actions
from core.profiles import client_profile, client_table
from core.travel import Client, RecordInvalid, parse_record

FIELDS = (("name", "Name (household)"), ("email", "Email"), ("phone", "Phone"), ("address", "Address"))
IDS_KEY = state.CLIENT_TABLE + ".ids"
PENDING_PICK = state.CLIENT_PICK + ".pending"  # a client to show in the picker on the next run
NONCE = state.CLIENT_FORM_PREFIX + "nonce"
EDIT_SAVED = (
    state.CLIENT_FORM_PREFIX + "edit.saved"
)  # client id whose edit was just saved: "Saved." beside it
EDIT_DUPLICATES = (
    state.CLIENT_FORM_PREFIX + "edit.duplicates"
)  # client id -> the edit waiting for "Save anyway"

st.title("Clients")
show_flash()


def pick_from_table() -> None:
    """Row clicked in the table: open that profile (the selectbox below follows)."""
    rows = st.session_state[state.CLIENT_TABLE].selection.rows
    ids = st.session_state.get(IDS_KEY, [])
    if rows and rows[0] < len(ids):
        st.session_state[state.CLIENT_PICK] = st.session_state[state.CLIENT_SELECTED] = ids[rows[0]]


def pick_from_box() -> None:
    st.session_state[state.CLIENT_SELECTED] = st.session_state[state.CLIENT_PICK]


def form_values(prefix: str, current: Client | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Draw the client fields; return (values, placeholders for each field's message)."""
    values: dict[str, Any] = {}
    slots: dict[str, Any] = {}
    for field, label in FIELDS:
        default = (getattr(current, field) or "") if current else ""
        values[field] = st.text_input(label, value=default, key=prefix + field)
        slots[field] = st.empty()
    tags = ", ".join(current.tags) if current else ""
    values["tags"] = [
        t.strip() for t in st.text_input("Tags (comma separated)", tags, key=prefix + "tags").split(",")
    ]
    slots["tags"] = st.empty()
    values["notes"] = st.text_area("Notes", current.notes if current else "", key=prefix + "notes")
    slots["notes"] = st.empty()
    return values, slots


def show_problems(problems: dict[str, str], slots: dict[str, Any]) -> None:
    for field, message in problems.items():
        slot = slots.get(field.split(".")[0])
        if slot is not None:
            slot.error(message, icon=":material/error:")
        else:
            st.error(f"{field}: {message}")


def save_client(client_id: int, values: dict[str, Any], slots: dict[str, Any]) -> None:
    try:
        deps.travel().update_client(deps.principal(), client_id, **values)
    except RecordInvalid as e:
        show_problems(e.problems, slots)
    else:
        st.session_state.get(EDIT_DUPLICATES, {}).pop(client_id, None)
        st.session_state[EDIT_SAVED] = client_id
        st.rerun()


def create(values: dict[str, Any]) -> None:
    client = deps.travel().create_client(deps.principal(), **values)
    st.session_state.pop(state.CLIENT_DUPLICATES, None)
    st.session_state[NONCE] = st.session_state.get(NONCE, 0) + 1
    st.session_state[state.CLIENT_SELECTED] = st.session_state[PENDING_PICK] = client.id
    flash(f"Created client '{client.name}'.")
    st.rerun()


with guard("loading clients"):
    service, me = deps.travel(), deps.principal()
    top = st.columns([4, 1], vertical_alignment="bottom")
    query = top[0].text_input(
        "Search", key=state.CLIENT_SEARCH, placeholder="Name, email, traveler, trip, destination, confirmation…",
        help="One search over clients, travelers, trips and items; typos are forgiven.",
    )  # fmt: skip
    archived = top[1].toggle("Archived too", key=state.CLIENT_SEARCH + ".archived")
    table = client_table(service, me, query, include_archived=archived)
    st.session_state[IDS_KEY] = [int(i) for i in table["id"]]
    if st.session_state.get(PENDING_PICK) in st.session_state[IDS_KEY]:
        st.session_state[state.CLIENT_PICK] = st.session_state[PENDING_PICK]
    st.session_state.pop(PENDING_PICK, None)
    if table.empty:
        if query:
            st.info(f"No client, traveler, trip or item matches '{query}'.")
        else:
            empty(
                "No clients yet.",
                "Create the first one below, or run `travelops demo seed` for a demo agency.",
            )
    else:
        st.dataframe(
            table.drop(columns=["score"] if not query else []),
            hide_index=True,
            key=state.CLIENT_TABLE,
            on_select=pick_from_table,
            selection_mode="single-row",
            column_config={"id": st.column_config.NumberColumn("id", width="small")},
        )
        names = dict(zip(table["id"].astype(int), table["name"], strict=True))
        st.selectbox(
            "Open a profile",
            [None, *names],
            format_func=lambda i: "Choose a client…" if i is None else f"{names[i]} (#{i})",
            key=state.CLIENT_PICK,
            on_change=pick_from_box,
            help="Or click a row of the table.",
        )

with guard("showing the client's profile"):
    selected = st.session_state.get(state.CLIENT_SELECTED)
    if selected is not None:
        profile = client_profile(deps.travel(), deps.principal(), selected)
        render_profile(
            profile,
            traveler_actions=lambda t: traveler_actions(deps.travel(), deps.principal(), t),
            add_traveler=lambda: add_traveler(deps.travel(), deps.principal(), selected),
        )
        edit = f"{state.CLIENT_FORM_PREFIX}edit.{selected}"
        asking = st.session_state.get(EDIT_DUPLICATES, {}).get(selected)
        if st.session_state.get(EDIT_SAVED) == selected:
            st.success("Saved the client's changes.", icon=":material/check_circle:")
            del st.session_state[EDIT_SAVED]
        with st.expander("Edit this client", icon=":material/edit:", expanded=asking is not None):
            with st.form(edit):
                values, slots = form_values(edit + ".", profile.client)
                submitted = st.form_submit_button("Save changes", type="primary")
            if submitted:
                st.session_state.get(EDIT_DUPLICATES, {}).pop(selected, None)
                asking = None
                try:
                    parse_record(Client, values | {"agency_id": deps.principal().agency_id}, what="client")
                except RecordInvalid as e:
                    show_problems(e.problems, slots)
                else:
                    draft = {k: values[k] for k in ("name", "email", "phone")}
                    matches = deps.travel().duplicates_for_edit(deps.principal(), selected, draft)
                    if matches:
                        asking = {
                            "values": values,
                            "matches": [(m.client.name, m.client.id, m.why) for m in matches],
                        }
                        st.session_state.setdefault(EDIT_DUPLICATES, {})[selected] = asking
                    else:
                        save_client(selected, values, slots)
            if asking is not None:
                duplicate_warning("This looks like an existing client", asking["matches"])
                c1, c2 = st.columns(2)
                if c1.button("Save anyway", key=edit + ".anyway", type="primary"):
                    save_client(selected, asking["values"], {})
                if c2.button("Cancel", key=edit + ".anyway.cancel"):
                    st.session_state[EDIT_DUPLICATES].pop(selected, None)
                    st.rerun()

with guard("creating a client"):
    pending = st.session_state.get(state.CLIENT_DUPLICATES)
    with st.expander("New client", icon=":material/person_add:", expanded=pending is not None):
        prefix = f"{state.CLIENT_FORM_PREFIX}new.{st.session_state.get(NONCE, 0)}."
        with st.form(prefix + "form"):
            values, slots = form_values(prefix, None)
            submitted = st.form_submit_button("Create client", type="primary")
        if submitted:
            st.session_state.pop(state.CLIENT_DUPLICATES, None)
            pending = None
            try:
                parse_record(Client, values | {"agency_id": deps.principal().agency_id}, what="client")
            except RecordInvalid as e:
                show_problems(e.problems, slots)
            else:
                draft = {k: values[k] for k in ("name", "email", "phone")}
                matches = deps.travel().likely_duplicates(deps.principal(), draft)
                if matches:
                    pending = {
                        "values": values,
                        "matches": [(m.client.name, m.client.id, m.why) for m in matches],
                    }
                    st.session_state[state.CLIENT_DUPLICATES] = pending
                else:
                    create(values)
        if pending is not None:
            duplicate_warning("This looks like an existing client", pending["matches"])
            c1, c2 = st.columns(2)
            if c1.button("Create anyway", key=state.CLIENT_CREATE_ANYWAY, type="primary"):
                create(pending["values"])
            if c2.button("Cancel", key=state.CLIENT_CREATE_ANYWAY + ".cancel"):
                st.session_state.pop(state.CLIENT_DUPLICATES, None)
                st.rerun()
