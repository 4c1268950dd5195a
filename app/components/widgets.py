"""Inputs several pages share: the usage filters and the trip picker."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from app import state
from core.analytics import NO_USER, FilterOptions, UsageFilter
from core.security import Principal
from core.travel import TravelService, Trip

DEFAULT_DAYS = 30


def usage_filters(options: FilterOptions, prefix: str) -> UsageFilter:
    """Date range, task, provider and user filters over the warehouse's own values (last 30 days by default)."""
    last = options.last_day or date.today()
    first = options.first_day or last
    with st.expander("Filters", expanded=False, icon=":material/filter_list:"):
        c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
        picked = c1.date_input(
            "Days (UTC)",
            value=(max(first, last - timedelta(days=DEFAULT_DAYS - 1)), last),
            min_value=first,
            max_value=last,
            key=prefix + "days",
        )
        tasks = c2.multiselect("Tasks", options.tasks, key=prefix + "tasks", placeholder="all tasks")
        providers = c3.multiselect(
            "Providers", options.providers, key=prefix + "providers", placeholder="all"
        )
        users = c4.multiselect(
            "Users", [*options.users, NO_USER], key=prefix + "users", placeholder="all users"
        )
    since, until = _range(picked)
    return UsageFilter(
        since=since, until=until, tasks=tuple(tasks), providers=tuple(providers), users=tuple(users)
    )


def _range(picked: object) -> tuple[date | None, date | None]:
    """``st.date_input`` gives a date, or a tuple of one or two while the range is being picked."""
    if isinstance(picked, date):
        return picked, picked
    if isinstance(picked, tuple | list):
        days = [d for d in picked if isinstance(d, date)]
        if len(days) == 2:
            return days[0], days[1]
        if len(days) == 1:
            return days[0], None
    return None, None


def trip_label(trip: Trip) -> str:
    dates = f"{trip.start_date:%d %b %Y}" if trip.start_date else "no dates"
    return f"{trip.name} · {trip.status.replace('_', ' ')} · {dates}"


def trip_picker(service: TravelService, p: Principal, key: str) -> Trip | None:
    """A trip selectbox that remembers its choice across pages (``state.CURRENT_TRIP``). None: no trips."""
    trips = service.list_trips(p, limit=500)
    if not trips:
        return None
    by_id = {t.id: t for t in trips if t.id is not None}
    ids = list(by_id)
    current = st.session_state.get(state.CURRENT_TRIP)
    index = ids.index(current) if current in by_id else 0
    chosen = st.selectbox(
        "Trip", ids, index=index, format_func=lambda i: trip_label(by_id[i]), key=key, help="Type to search."
    )
    st.session_state[state.CURRENT_TRIP] = chosen
    return by_id.get(chosen) if chosen is not None else None
