"""Home: what is configured and what it has cost (placeholder until the workbench pages land)."""

import streamlit as st

from app import deps
from core.errors import TravelOpsError

st.title("TravelOps")
try:
    settings = deps.settings()
    for notice in settings.notices:
        st.info(notice)
    st.subheader("Models")
    st.dataframe(deps.registry().as_rows(), hide_index=True)
    st.subheader("Usage, last 30 days")
    summary = deps.warehouse().usage_summary()
    st.json(summary.model_dump(mode="json"), expanded=False)
except TravelOpsError as e:
    st.error(str(e))
