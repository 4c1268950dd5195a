"""Home: what is configured, what the agency holds, what the month has cost, and where to go next."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from app import deps
from app.components.feedback import empty, guard
from app.components.formatting import usd

st.title("TravelOps")
st.caption("Plan trips with any model, see what each call cost and why it was chosen.")

with guard("loading the home page"):
    settings = deps.settings()
    for notice in settings.notices:
        st.info(notice, icon=":material/key_off:")
    enabled = [m for m in deps.registry().models if m.enabled]
    if all(m.is_offline for m in enabled):
        st.warning(
            "Only the offline drafter is enabled: answers are deterministic drafts, not AI output. "
            "Set ANTHROPIC_API_KEY or OPENAI_API_KEY to enable a provider.",
            icon=":material/cloud_off:",
        )

    service, me = deps.travel(), deps.principal()
    clients = service.list_clients(me, limit=500)
    trips = service.list_trips(me, limit=500)
    status, _ = deps.budget(deps.data_key())
    options = deps.filter_options(deps.data_key())
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Clients", len(clients) if len(clients) < 500 else "500+")
    c2.metric("Open trips", sum(1 for t in trips if t.status in ("planning", "confirmed", "in_progress")))
    c3.metric("Spent today", usd(status.spent_today_usd))
    c4.metric(f"Spent in {status.month}", usd(status.spent_month_usd), help="Model spend, UTC days.")
    if not clients and options.empty:
        empty("Nothing here yet: no clients, no trips and no model usage.")

    st.subheader("Go to")
    links = st.columns(3)
    links[0].page_link("../pages/clients.py", label="Clients", icon=":material/group:")
    links[0].page_link("../pages/itinerary.py", label="Itinerary", icon=":material/event_note:")
    links[1].page_link("../pages/documents.py", label="Documents", icon=":material/description:")
    links[1].page_link("../pages/costs.py", label="Costs", icon=":material/payments:")
    links[2].page_link("../pages/quality.py", label="Quality & latency", icon=":material/speed:")
    links[2].page_link("../pages/models.py", label="Models & routing", icon=":material/alt_route:")

    if not options.empty and options.last_day is not None:
        summary = deps.usage_summary(deps.data_key(), options.last_day - timedelta(days=29))
        st.caption(
            f"Last 30 days of usage: {summary.calls:,} calls, {summary.errors:,} errors, "
            f"{summary.cache_hits:,} cache hits, {usd(summary.total_cost_usd)}."
        )
