"""A client's profile: household, travelers (document numbers masked), trips and lifetime value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from app.components.formatting import money, plain, when
from core.profiles import ClientProfile
from core.travel import Traveler

_SOON = timedelta(days=183)  # passports: six months of validity are what most countries ask for


TRIPS_PAGE = "../pages/trips.py"  # as app/main.py registers it


def render_profile(
    profile: ClientProfile,
    today: date | None = None,
    *,
    traveler_actions: Callable[[Traveler], None] | None = None,
    add_traveler: Callable[[], None] | None = None,
) -> None:
    """The household. ``traveler_actions`` draws the Edit/Remove controls inside each traveler's card;
    ``add_traveler`` the "Add traveler" form under them."""
    client = profile.client
    day = today or date.today()
    st.subheader(client.name + (" (archived)" if client.archived else ""))
    contact = " · ".join(x for x in (client.email, client.phone, client.address) if x)
    st.caption(contact or "No contact details yet.")
    if client.tags:
        st.markdown(" ".join(f":blue-badge[{t}]" for t in client.tags))
    c1, c2, c3 = st.columns(3)
    c1.metric("Trips", len(profile.trips))
    c2.metric("Open trips", profile.open_trips)
    value = ", ".join(money(cents, cur) for cur, cents in profile.lifetime_value.items()) or "–"
    c3.metric("Lifetime value", value, help="Client totals of confirmed, in-progress and completed trips.")
    if client.notes:
        st.markdown("**Notes:**")
        st.text(client.notes)

    st.markdown("##### Travelers")
    active = [t for t in profile.travelers if not t.archived]
    if not active:
        st.caption(
            "No travelers yet: add one below, or with "
            f"`travelops travelers add {client.id} --name 'First Last'`."
        )
    for traveler in active:
        with st.container(border=True):
            _traveler(traveler, day)
            if traveler_actions is not None:
                traveler_actions(traveler)
    removed = len(profile.travelers) - len(active)
    if removed:
        st.caption(
            f"{removed} removed traveler(s) not shown (`travelops clients show {client.id}` lists them)."
        )
    if add_traveler is not None:
        add_traveler()

    st.markdown("##### Trip history")
    st.page_link(
        TRIPS_PAGE,
        label="New trip for this client",
        icon=":material/add:",
        query_params={"client": client.id},
    )
    if not profile.trips:
        st.caption("No trips yet.")
    else:
        for t in profile.trips:
            dates = f"{when(t.start_date)} – {when(t.end_date)}" if t.start_date else "no dates"
            st.page_link(
                TRIPS_PAGE, label=f"{t.name} · {t.status.replace('_', ' ')} · {dates}",
                icon=":material/luggage:", query_params={"trip": t.id},
            )  # fmt: skip
        rows = [
            {
                "trip": t.name,
                "status": t.status.replace("_", " "),
                "dates": f"{when(t.start_date)} – {when(t.end_date)}" if t.start_date else "no dates",
                "destinations": ", ".join(t.destinations),
                "total": money(t.client_total_cents, t.currency),
                "paid": money(t.paid_cents, t.currency),
                "balance": money(t.balance_due_cents, t.currency),
            }
            for t in profile.trips
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    if profile.activity:
        with st.expander("Recent activity"):
            for entry in profile.activity:
                st.text(f"{entry.at:%d %b %Y %H:%M} · {entry.user_name or 'system'} · {entry.summary}")


def _traveler(t: Traveler, today: date) -> None:
    """A traveler's facts (stored text escaped: a name or a note never becomes a link or an image)."""
    born = f" · born {t.date_of_birth:%d %b %Y}" if t.date_of_birth else ""
    st.markdown(f"**{plain(t.full_name)}**{born}" + (" · archived" if t.archived else ""))
    contact = " · ".join(x for x in (t.email, t.phone) if x)
    if contact:
        st.caption(plain(contact))
    prefs = t.preferences
    likes = [
        f"seat: {prefs.seat}" if prefs.seat else "",
        f"meal: {prefs.meal}" if prefs.meal else "",
        f"accessibility: {prefs.accessibility}" if prefs.accessibility else "",
        f"hotels: {prefs.hotel_tier}" if prefs.hotel_tier else "",
        f"interests: {', '.join(prefs.interests)}" if prefs.interests else "",
    ]
    st.markdown("Preferences: " + (plain("; ".join(x for x in likes if x)) or "none recorded"))
    if t.loyalty_programs:
        st.markdown("Loyalty: " + plain("; ".join(f"{lp.program} {lp.number}" for lp in t.loyalty_programs)))
    for doc in t.documents:
        expiry = doc.expiry
        note = ""
        if expiry is not None and expiry < today:
            note = " :red[expired]"
        elif expiry is not None and expiry < today + _SOON:
            note = " :orange[expires within six months]"
        st.markdown(
            f"{doc.kind.capitalize()} {doc.masked} ({doc.country})"
            + (f", expires {expiry:%d %b %Y}" if expiry else ", no expiry recorded")
            + note
        )
