"""Money: a trip's payment schedule (deposit and final), payments received, and commission."""

from __future__ import annotations

from typing import Final

import streamlit as st

from app import deps
from app.components.feedback import empty, guard, show_flash
from app.components.money import money_panel
from app.components.widgets import trip_picker

TRIP: Final = "money.trip"  # the trip picker's key

st.title("Money")
st.caption("What the client owes and when, what came in, and the commission the suppliers owe the agency.")
show_flash()

with guard("loading the trip's money"):
    trip = trip_picker(deps.travel(), deps.principal(), key=TRIP)
    if trip is None or trip.id is None:
        empty("No trips yet.")
        st.stop()
    money_panel(trip.id)
