"""Plan: a trip through the 12 steps. The tracker by phase, the current step's checklist and instruction, and an
assistant that answers with the step's tools, says which model answered and why, suggests changes (applied only
on a click) and takes a rating. The pieces are drawn by ``app.components.plan``; what they do is ``core.planning``."""

from __future__ import annotations

import streamlit as st

from app import deps, state
from app.components import plan as draw
from app.components.feedback import empty, flash, guard, show_flash
from app.components.formatting import model_labels
from app.components.trip_form import trip_form
from app.components.widgets import trip_picker
from core import planning
from core.planning import Reply
from core.travel import RecordInvalid
from core.travel.workflow import STEPS, Workflow

st.title("Plan")
show_flash()

with guard("loading the plan"):
    service, me = deps.travel(), deps.principal()
    wf = Workflow(service)
    trip = trip_picker(service, me, key=state.PLAN_TRIP)
    with st.expander("New trip", icon=":material/add:", expanded=trip is None):
        form = trip_form(service, me, state.PLAN_NEW_PREFIX, submit="Create trip and start planning")
        if form.values is not None:
            try:
                created = planning.create_trip(service, wf, me, **form.values)
            except RecordInvalid as e:
                form.refuse(e)
            else:
                st.session_state[state.CURRENT_TRIP] = created.id
                st.session_state.pop(state.PLAN_TRIP, None)  # the picker opens the new trip
                for key in [k for k in st.session_state if str(k).startswith(state.PLAN_NEW_PREFIX)]:
                    del st.session_state[key]
                flash(f"Created trip '{created.name}' and started its workflow at step 1.")
                st.rerun()
    if trip is None or trip.id is None:
        empty("No trips yet: create one above.")
        st.stop()
    trip_id = trip.id
    status = wf.status(me, trip_id)
    if not status.started:
        st.info("This trip's 12-step workflow has not been started.", icon=":material/info:")
        st.button(
            "Start planning this trip", type="primary", key=state.PLAN_START,
            on_click=draw.run("starting the workflow", lambda: draw.start(trip_id)),
        )  # fmt: skip
        st.stop()

    draw.tracker(status)
    sp = planning.current_progress(status)
    st.selectbox(
        "Go to step", [s.number for s in STEPS], index=None, placeholder="Revisit or jump to a step…",
        key=state.PLAN_GOTO, format_func=lambda n: f"{n}. {STEPS[n - 1].title}",
        on_change=draw.run("changing the step", lambda: draw.go_to(trip_id)),
    )  # fmt: skip
    if sp is None:
        st.success("Every step of this trip is done.", icon=":material/celebration:")
        st.stop()

    st.subheader(f"Step {sp.step.number}: {sp.step.title}")
    st.caption(f"{sp.step.phase} · {sp.step.purpose}")
    left, right = st.columns([2, 3])
    with left:
        st.markdown("#### Checklist")
        draw.checklist(trip_id, sp)
        if sp.step.number == 8 and status.flags:
            with st.expander(f"Trip checks ({len(status.flags)} flag(s))", icon=":material/flag:"):
                for flag in status.flags:
                    st.markdown(f"- **{flag.severity}** · {flag.message}")
        with st.expander("Instruction", icon=":material/menu_book:"):
            st.markdown(wf.instruction(me, sp.step.number))
    with right:
        st.markdown("#### Assistant")
        draw.no_tools_notice(bool(deps.settings().mcp.servers))
        chats: dict[tuple[int, int], list[Reply]] = st.session_state.setdefault(state.PLAN_CHAT, {})
        history = chats.setdefault((trip_id, sp.step.number), [])
        draw.conversation(trip_id, history, model_labels(deps.registry()))
        slot = st.container()  # a new exchange is drawn here, above the input, as the next run will draw it
        question = st.chat_input(
            f"Ask about step {sp.step.number}, {sp.step.title}", key=state.PLAN_CHAT_INPUT
        )
        if question:
            with slot:
                draw.exchange(trip_id, status, question, history, model_labels(deps.registry()))
