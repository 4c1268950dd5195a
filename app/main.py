"""Entry: page config and navigation only; pages hold the rest."""

import streamlit as st

st.set_page_config(page_title="TravelOps", page_icon="✈️", layout="wide")
page = st.navigation(
    {
        "Workbench": [
            st.Page("../pages/plan.py", title="Plan", icon=":material/checklist:"),
            st.Page("../pages/home.py", title="Home", icon=":material/home:", default=True),
            st.Page("../pages/clients.py", title="Clients", icon=":material/group:"),
            st.Page("../pages/trips.py", title="Trips", icon=":material/luggage:"),
            st.Page("../pages/money.py", title="Money", icon=":material/account_balance_wallet:"),
            st.Page("../pages/itinerary.py", title="Itinerary", icon=":material/event_note:"),
            st.Page("../pages/documents.py", title="Documents", icon=":material/description:"),
        ],
        "Dashboards": [
            st.Page("../pages/costs.py", title="Costs", icon=":material/payments:"),
            st.Page("../pages/quality.py", title="Quality & latency", icon=":material/speed:"),
            st.Page("../pages/reports.py", title="Reports", icon=":material/summarize:"),
        ],
        "Settings": [
            st.Page("../pages/settings.py", title="Agency profile", icon=":material/storefront:"),
            st.Page("../pages/models.py", title="Models & routing", icon=":material/alt_route:"),
            st.Page("../pages/mcp.py", title="MCP servers", icon=":material/hub:"),
        ],
    }
)
page.run()
