"""Trips: every trip with its client and dates (filter by client and status), and a trip's whole form to create
or edit it, cancel it (after a confirmation) or archive it. ``?trip=ID`` opens a trip; ``?client=ID`` starts a new
trip for that client. The form is ``app.components.trip_form``; the table is ``core.profiles.trip_table``."""

from __future__ import annotations

import streamlit as st

from app import deps
from app.components.feedback import empty, guard
from app.components.formatting import money, plain
from app.components.trip_form import STATUSES, trip_form
from core.profiles import trip_table
from core.travel import RecordInvalid

PREFIX = "trips."
FILTER_CLIENT = PREFIX + "filter.client"
FILTER_STATUS = PREFIX + "filter.status"
FILTER_ARCHIVED = PREFIX + "filter.archived"
TABLE = PREFIX + "table"
PICK = PREFIX + "pick"  # the "Open a trip" selectbox
PENDING = PICK + ".pending"  # a trip to open on the next run (the selectbox is already drawn in this one)
NEW = PREFIX + "new."  # + field: the new-trip form
EDIT = PREFIX + "edit."  # + "<trip id>." + field: a trip's edit form
CANCEL_ASK = PREFIX + "cancel.ask"  # trip id whose cancellation is being confirmed
CANCEL_REASON = PREFIX + "cancel.reason"
CANCEL_YES = PREFIX + "cancel.yes"
CANCEL_NO = PREFIX + "cancel.no"
CANCEL = PREFIX + "cancel"  # the "Cancel this trip…" button
ARCHIVE = PREFIX + "archive"
NOTICE = PREFIX + "notice"  # (where, message): shown once, next to the control that caused it
PARAMS_SEEN = PREFIX + "params_seen"  # the query parameters already applied

st.title("Trips")


def notice(where: str, message: str) -> None:
    st.session_state[NOTICE] = (where, message)


def show_notice(where: str) -> None:
    shown = st.session_state.get(NOTICE)
    if shown and shown[0] == where:
        st.success(shown[1], icon=":material/check_circle:")
        del st.session_state[NOTICE]


def open_trip(trip_id: int | None) -> None:
    st.session_state[PENDING] = trip_id


def pick_from_table() -> None:
    rows = st.session_state[TABLE].selection.rows
    ids = st.session_state.get(TABLE + ".ids", [])
    if rows and rows[0] < len(ids):
        open_trip(ids[rows[0]])


with guard("loading trips"):
    service, me = deps.travel(), deps.principal()
    params = (st.query_params.get("trip"), st.query_params.get("client"))
    if st.session_state.get(PARAMS_SEEN) != params:  # a link was followed: apply it once
        st.session_state[PARAMS_SEEN] = params
        if params[0] and params[0].isdigit():
            open_trip(int(params[0]))
        if params[1] and params[1].isdigit():
            st.session_state[NEW + "for"] = st.session_state[NEW + "client"] = int(params[1])
    clients = {c.id: c.name for c in service.list_clients(me, include_archived=True, limit=500)}
    top = st.columns([3, 2, 1], vertical_alignment="bottom")
    client_filter = top[0].selectbox(
        "Client", [None, *clients], key=FILTER_CLIENT,
        format_func=lambda i: "all clients" if i is None else f"{clients[i]} (#{i})",
    )  # fmt: skip
    status_filter = top[1].selectbox(
        "Status", [None, *STATUSES], key=FILTER_STATUS,
        format_func=lambda s: "all statuses" if s is None else s.replace("_", " "),
    )  # fmt: skip
    archived = top[2].toggle("Archived too", key=FILTER_ARCHIVED)
    table = trip_table(service, me, client_id=client_filter, status=status_filter, include_archived=archived)
    ids = [int(i) for i in table["id"]]
    st.session_state[TABLE + ".ids"] = ids
    if table.empty:
        if client_filter is not None or status_filter is not None:
            st.info("No trip matches these filters.", icon=":material/info:")
        else:
            empty(
                "No trips yet.", "Create the first one below, or run `travelops demo seed` for a demo agency."
            )
    else:
        shown = table.assign(budget=[money(c, cur) if c == c and c is not None else "" for c, cur in
                                     zip(table["budget_cents"], table["currency"], strict=True)])  # fmt: skip
        st.dataframe(
            shown.drop(columns=["budget_cents", *([] if archived else ["archived"])]),
            hide_index=True, key=TABLE, on_select=pick_from_table, selection_mode="single-row",
            column_config={"id": st.column_config.NumberColumn("id", width="small")},
        )  # fmt: skip
    names = dict(zip(ids, table["trip"], strict=True))
    if PENDING in st.session_state:
        st.session_state[PICK] = st.session_state.pop(PENDING)
    chosen = st.session_state.get(PICK)
    if chosen is not None and chosen not in names:
        names[chosen] = service.get_trip(me, chosen).name  # opened by a link, outside the filters
    st.selectbox(
        "Open a trip", [None, *names], key=PICK, help="Or click a row of the table.",
        format_func=lambda i: "Choose a trip…" if i is None else f"{names[i]} (#{i})",
    )  # fmt: skip

with guard("showing the trip"):
    trip_id = st.session_state.get(PICK)
    if trip_id is not None:
        trip = deps.travel().get_trip(deps.principal(), trip_id)
        st.subheader(trip.name + (" (archived)" if trip.archived else ""))
        who = clients.get(trip.client_id, "no client") if trip.client_id else "no client"
        st.markdown(f"{plain(who)} · **{trip.status.replace('_', ' ')}** · {trip.currency}")
        show_notice("trip")
        with st.expander("Edit this trip", icon=":material/edit:", expanded=True):
            form = trip_form(deps.travel(), deps.principal(), f"{EDIT}{trip_id}.", current=trip,
                             submit="Save changes")  # fmt: skip
            if form.values is not None:
                try:
                    if form.values:
                        deps.travel().update_trip(deps.principal(), trip_id, **form.values)
                except RecordInvalid as e:
                    form.refuse(e)
                else:
                    notice("trip", "Saved." if form.values else "Nothing changed.")
                    st.rerun()
        c = st.columns(2)
        if trip.status != "cancelled" and c[0].button("Cancel this trip…", key=CANCEL):
            st.session_state[CANCEL_ASK] = trip_id
        if st.session_state.get(CANCEL_ASK) == trip_id:
            with c[0].container(border=True):
                st.warning("Cancel this trip? Its items and payments stay; the status becomes cancelled.")
                reason = st.text_input("Reason (kept in the activity log)", key=CANCEL_REASON)
                yes, no = st.columns(2)
                if yes.button("Yes, cancel the trip", key=CANCEL_YES, type="primary"):
                    deps.travel().cancel_trip(deps.principal(), trip_id, reason=reason)
                    st.session_state.pop(CANCEL_ASK, None)
                    notice("trip", "Cancelled the trip.")
                    st.rerun()
                if no.button("Keep it", key=CANCEL_NO):
                    st.session_state.pop(CANCEL_ASK, None)
                    st.rerun()
        label = "Restore from the archive" if trip.archived else "Archive this trip"
        if c[1].button(label, key=ARCHIVE, help="Archived trips leave lists and search; nothing is deleted."):
            deps.travel().archive_trip(deps.principal(), trip_id, archived=not trip.archived)
            notice("trip", "Restored the trip." if trip.archived else "Archived the trip.")
            st.rerun()

with guard("creating a trip"):
    for_client = st.session_state.get(NEW + "for")
    with st.expander("New trip", icon=":material/add:", expanded=for_client is not None or table.empty):
        form = trip_form(deps.travel(), deps.principal(), NEW, client_id=for_client)
        if form.values is not None:
            try:
                created = deps.travel().create_trip(deps.principal(), **form.values)
            except RecordInvalid as e:
                form.refuse(e)
            else:
                for key in [k for k in st.session_state if str(k).startswith(NEW)]:
                    del st.session_state[key]  # the next new trip starts blank
                open_trip(created.id)
                notice("trip", f"Created trip '{created.name}'.")
                st.rerun()
