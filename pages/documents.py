"""Documents: render a trip's proposal, itinerary or invoice; preview it; download PDF and .ics; see history.

Every rendering is recorded (kind, version, who, when) because it is what goes to the client; the preview
shows a recorded version's HTML. Before rendering, the preflight's notices (open check flags, the placeholder
agency, no dates or items, nothing to invoice) are listed and the button asks: "Render anyway".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app import deps, state
from app.components.feedback import empty, guard
from app.components.formatting import when
from app.components.widgets import trip_picker
from core.documents import FORMATS, KINDS, preflight, render

NOTICES = "documents.notices"  # session-state/widget keys of this page
ANYWAY = "documents.anyway"

st.title("Documents")

with guard("loading documents"):
    service, me = deps.travel(), deps.principal()
    trip = trip_picker(service, me, key=state.DOCUMENTS_TRIP)
    if trip is None or trip.id is None:
        empty("No trips yet, so no documents.")
        st.stop()
    kind = (
        st.segmented_control(
            "Document",
            list(KINDS),
            default="proposal",
            format_func=lambda k: KINDS[k].title,
            key=state.DOCUMENTS_KIND,
        )
        or "proposal"
    )
    spec = KINDS[kind]
    st.caption(f"{spec.title}: {spec.about}.")

    notices = preflight(service, me, trip.id, kind)
    if notices:
        with st.container(border=True, key=f"{NOTICES}.{trip.id}.{kind}"):
            st.warning(
                f"Before rendering this {kind}, have a look ({len(notices)}):", icon=":material/warning:"
            )
            for notice in notices:  # check messages quote item titles: stored text, shown as text
                st.text(f"• {notice.message}")
    with st.form(f"documents.render.{trip.id}.{kind}", border=True):
        formats = st.multiselect(
            "Formats", list(spec.formats), default=list(spec.formats), key=f"{state.DOCUMENTS_FORMATS}.{kind}",
            help="Rendered together as one version.",
        )  # fmt: skip
        anyway = bool(notices) and st.checkbox(
            "I have read the notices above", key=f"{ANYWAY}.{trip.id}.{kind}"
        )
        go = st.form_submit_button(
            "Render anyway" if notices else f"Render a new {kind}", type="primary", icon=":material/print:"
        )
    if go:
        if not formats:
            st.warning("Pick at least one format.")
        elif notices and not anyway:
            st.warning("Tick “I have read the notices above” to render anyway, or fix them first.")
        else:
            with st.spinner(f"Rendering the {kind}…"):
                first = render(service, me, trip.id, kind=kind, fmt=formats[0], settings=deps.settings())
                for fmt in formats[1:]:
                    render(
                        service,
                        me,
                        trip.id,
                        kind=kind,
                        fmt=fmt,
                        settings=deps.settings(),
                        version=first.version,
                    )
            st.session_state[f"{state.DOCUMENTS_VERSION}.{trip.id}.{kind}"] = (
                first.version
            )  # show the new one
            st.success(
                f"Rendered {kind} v{first.version} ({', '.join(formats)}).", icon=":material/check_circle:"
            )
            for warning in first.warnings:
                st.warning(warning, icon=":material/warning:")

with guard("showing the documents"):
    assert trip is not None and trip.id is not None
    docs = service.list_documents(me, trip.id)
    mine = [d for d in docs if d.kind == kind]
    if not mine:
        empty(f"No {kind} rendered for this trip yet.", "Render one above.")
    else:
        versions = sorted({d.version for d in mine}, reverse=True)
        version = st.selectbox(
            "Version",
            versions,
            format_func=lambda v: f"v{v}",
            key=f"{state.DOCUMENTS_VERSION}.{trip.id}.{kind}",
        )
        files = {d.format: Path(d.path) for d in mine if d.version == version}
        cols = st.columns(max(len(files), 1))
        for col, (fmt, path) in zip(cols, sorted(files.items()), strict=False):
            if path.is_file():
                col.download_button(
                    f"Download {fmt.upper()}", path.read_bytes(), file_name=path.name,
                    mime=FORMATS[fmt].content_type, key=f"documents.download.{trip.id}.{kind}.{version}.{fmt}",
                    icon=":material/download:",
                )  # fmt: skip
            else:
                col.warning(f"The {fmt} file of v{version} is missing: {path}")
        html = files.get("html")
        if html is not None and html.is_file():
            # our own autoescaped template output (client data is escaped), shown as the client will see it
            st.iframe(html, height=720)
        else:
            st.caption("No HTML for this version to preview: render it with the html format.")

    st.subheader("History")
    if not docs:
        st.caption("Nothing rendered for this trip yet.")
    else:
        history = pd.DataFrame(
            [
                {
                    "document": KINDS[d.kind].title if d.kind in KINDS else d.kind,
                    "version": d.version,
                    "format": d.format,
                    "rendered": when(d.created_at),
                    "file": Path(d.path).name,
                }
                for d in docs
            ]
        )
        st.dataframe(history, hide_index=True)
