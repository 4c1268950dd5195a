"""Entry: page config and navigation only; pages hold the rest."""

import streamlit as st

st.set_page_config(page_title="TravelOps", page_icon="✈️", layout="wide")
page = st.navigation([st.Page("../pages/home.py", title="Home", icon="🏠", default=True)])
page.run()
