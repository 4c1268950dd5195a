"""Reports: the HTML reports written by ``travelops report run`` (notebooks executed with papermill into
``<data_dir>/reports``), newest first, each with when it was made, its size and a download."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import deps, state
from app.components.feedback import empty, guard
from app.components.formatting import size, when
from core.reports import list_reports

HOW_TO = (
    "Make one with `travelops report run cost_report` (or explore the notebooks first with `make lab`); "
    'schedule one with `travelops report schedule cost_report --cron "0 6 * * 1"` (Mondays at 06:00).'
)

st.title("Reports")

with guard("listing the reports"):
    settings = deps.settings()
    reports = list_reports(settings)
    if not reports:
        empty(f"No reports yet in `{settings.data_dir / 'reports'}`.", hint=HOW_TO)
        st.stop()
    st.caption(f"{len(reports)} report(s) in `{settings.data_dir / 'reports'}`, newest first. {HOW_TO}")
    for report in reports:
        path = Path(report["file"])
        with st.container(border=True):
            c = st.columns([5, 1], vertical_alignment="center")
            c[0].markdown(f"**{report['name']}** · `{path.name}`")
            c[0].caption(f"{when(report['created'])} UTC · {size(report['size'])}")
            c[1].download_button(
                "Download", data=path.read_bytes, file_name=path.name, mime="text/html",
                key=state.REPORTS_DOWNLOAD_PREFIX + path.name, icon=":material/download:", on_click="ignore",
            )  # fmt: skip
