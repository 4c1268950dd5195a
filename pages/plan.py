"""Plan: a trip through the 12 steps. The tracker by phase, the current step's checklist and instruction, and an
assistant that answers with the step's tools, says which model answered and why, suggests changes (applied only
on a click) and takes a rating."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app import deps, state
from app.components.feedback import action, empty, guard, offline_badge, show_flash
from app.components.formatting import label_model, model_labels, ms, usd
from app.components.widgets import trip_picker
from core import planning
from core.planning import Reply, Suggestion
from core.travel.workflow import STEPS, StepProgress, Workflow, WorkflowStatus

STATUS_MARK = {
    "done": ":green[:material/check_circle:]", "skipped": ":gray[:material/redo:]",
    "current": ":blue[:material/play_circle:]", "todo": ":gray[:material/radio_button_unchecked:]",
}  # fmt: skip
README_MCP = "README, section “MCP servers”"

st.title("Plan")
show_flash()


def workflow() -> Workflow:
    return Workflow(deps.travel())


def run(doing: str, fn: Callable[[], str]) -> Callable[[], None]:
    """A widget callback that does ``fn`` inside the callback boundary (its message is flashed)."""
    return lambda: action(doing, fn)


def forget_checklist(trip_id: int, step: int) -> None:
    """Drop the checkboxes of a step so they are drawn again from the store (after a change made elsewhere)."""
    prefix = f"{state.PLAN_TICK_PREFIX}{trip_id}.{step}."
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def create_trip() -> str:
    p = state.PLAN_NEW_PREFIX
    clients = st.session_state.get(p + "client")
    trip = planning.create_trip(
        deps.travel(),
        workflow(),
        deps.principal(),
        name=st.session_state.get(p + "name", ""),
        client_id=clients,
        destinations=str(st.session_state.get(p + "destinations", "")).split(","),
    )
    st.session_state[state.CURRENT_TRIP] = st.session_state[state.PLAN_TRIP] = trip.id
    return f"Created trip '{trip.name}' and started its workflow at step 1."


def tick(trip_id: int, step: int, index: int, key: str) -> str:
    done = bool(st.session_state.get(key))
    workflow().tick(deps.principal(), trip_id, step, index, done=done)
    return f"{'Ticked' if done else 'Unticked'} '{STEPS[step - 1].checklist[index]}'."


def mark_done(trip_id: int, step: int) -> str:
    message = planning.mark_done(
        workflow(), deps.principal(), trip_id, force=bool(st.session_state.get(state.PLAN_FORCE))
    )
    forget_checklist(trip_id, step)
    return message


def go_to(trip_id: int) -> str:
    step = int(st.session_state[state.PLAN_GOTO])
    st.session_state[state.PLAN_GOTO] = None  # the selector resets
    workflow().set_step(deps.principal(), trip_id, step)
    return f"Now at step {step} '{STEPS[step - 1].title}'."


def start(trip_id: int) -> str:
    workflow().start(deps.principal(), trip_id)
    return "Started the workflow at step 1."


def decide(trip_id: int, reply: Reply, suggestion: Suggestion, applied: bool) -> str:
    decided: dict[str, str] = st.session_state.setdefault(state.PLAN_DECIDED, {})
    key = f"{reply.run.run_id}.{suggestion.key}"
    if not applied:
        decided[key] = "discarded"
        return f"Discarded: {suggestion.label}."
    message = planning.apply(workflow(), deps.principal(), trip_id, suggestion)
    decided[key] = "applied"
    forget_checklist(trip_id, suggestion.step)
    return message


def rate(reply: Reply, score: float) -> str:
    message = planning.rate(deps.warehouse(), reply, score, str(deps.principal().user_id))
    st.session_state.setdefault(state.PLAN_RATINGS, {})[reply.run.run_id] = score
    deps.refresh_queries()  # the Quality page shows the rating at once
    return message


def tracker(status: WorkflowStatus) -> None:
    st.progress(status.percent / 100, text=f"{status.percent:.0f}% complete")
    columns = st.columns(3)
    for column, (phase, steps) in zip(columns, planning.by_phase(status).items(), strict=True):
        with column.container(border=True):
            st.markdown(f"**{phase}** · {status.by_phase.get(phase, 0.0):.0f}%")
            for sp in steps:
                title = f"**{sp.step.title}**" if sp.status == "current" else sp.step.title
                ticks = f" · {len(sp.ticked)}/{len(sp.step.checklist)}" if sp.status == "current" else ""
                st.markdown(f"{STATUS_MARK[sp.status]} {sp.step.number}. {title}{ticks}")


def checklist(trip_id: int, sp: StepProgress) -> None:
    n = sp.step.number
    for i, item in enumerate(sp.step.checklist):
        key = f"{state.PLAN_TICK_PREFIX}{trip_id}.{n}.{i}"
        st.checkbox(
            item,
            value=item in sp.ticked,
            key=key,
            on_change=run("ticking", lambda i=i, key=key: tick(trip_id, n, i, key)),
        )
    st.checkbox("Force: move on with unticked items (they are noted on the step)", key=state.PLAN_FORCE)
    st.button(
        "Mark step done", type="primary", icon=":material/task_alt:", key=state.PLAN_DONE,
        on_click=run("finishing the step", lambda: mark_done(trip_id, n)),
    )  # fmt: skip


def meta(reply: Reply, labels: dict[str, str]) -> None:
    r = reply.run
    if r.offline:
        offline_badge()
    if r.model_calls:
        last = r.model_calls[-1]
        st.caption(
            f"Model: {label_model(last.model, labels)} · cost {usd(r.cost_usd)} · {ms(r.latency_ms)} · "
            f"{r.steps} model call(s)" + (" · a fallback answered" if last.fallback_used else "")
        )
        st.caption(f"Why this model: {last.why}")
    if r.tool_calls:
        with st.expander(f"Tool calls ({len(r.tool_calls)})", icon=":material/build:"):
            for call in r.tool_calls:
                where = f"{call.server}.{call.tool}" if call.server else call.tool
                cache = f" · {call.from_cache} cache" if call.from_cache != "none" else ""
                st.markdown(f"**{where}** · {call.status} · {ms(call.latency_ms)}{cache}")
                st.code(f"{call.arguments}\n→ {call.result_text[:600]}", language=None)
    for note in r.notes:
        st.caption(f"Note: {note}")


def suggestions(trip_id: int, reply: Reply) -> None:
    decided: dict[str, str] = st.session_state.get(state.PLAN_DECIDED, {})
    for s in reply.suggestions:
        key = f"{reply.run.run_id}.{s.key}"
        if key in decided:
            st.caption(f"Suggestion {decided[key]}: {s.label}.")
            continue
        with st.container(border=True):
            c = st.columns([6, 1, 1], vertical_alignment="center")
            c[0].markdown(f":material/lightbulb: Suggested: {s.label}")
            c[1].button(
                "Apply", key=f"{state.PLAN_SUGGEST_PREFIX}{key}.apply", type="primary",
                on_click=run("applying a suggestion", lambda s=s: decide(trip_id, reply, s, True)),
            )  # fmt: skip
            c[2].button(
                "Discard", key=f"{state.PLAN_SUGGEST_PREFIX}{key}.discard",
                on_click=run("discarding a suggestion", lambda s=s: decide(trip_id, reply, s, False)),
            )  # fmt: skip


def rating(reply: Reply) -> None:
    given = st.session_state.get(state.PLAN_RATINGS, {}).get(reply.run.run_id)
    if given is not None:
        st.caption(f"You rated this reply {'👍' if given >= 0.5 else '👎'}.")
        return
    c = st.columns([1, 1, 8])
    key = f"{state.PLAN_RATE_PREFIX}{reply.run.run_id}"
    c[0].button(
        "👍",
        key=key + ".up",
        help="Useful (stored as quality 1.0)",
        on_click=run("rating", lambda: rate(reply, 1.0)),
    )
    c[1].button(
        "👎",
        key=key + ".down",
        help="Not useful (stored as quality 0.0)",
        on_click=run("rating", lambda: rate(reply, 0.0)),
    )


def assistant(trip_id: int, status: WorkflowStatus, sp: StepProgress) -> None:
    st.markdown("#### Assistant")
    settings = deps.settings()
    if not settings.mcp.servers:
        st.info(
            "No MCP servers are configured, so the assistant answers without tools (it cannot look the trip "
            f"up). Add ours under `mcp.servers` in the configuration: see the {README_MCP}.",
            icon=":material/extension_off:",
        )
    labels = model_labels(deps.registry())
    chats: dict[tuple[int, int], list[Reply]] = st.session_state.setdefault(state.PLAN_CHAT, {})
    history = chats.setdefault((trip_id, sp.step.number), [])
    for reply in history:
        with st.chat_message("user"):
            st.markdown(reply.question)
        with st.chat_message("assistant"):
            st.markdown(reply.run.answer or "_(no answer)_")
            meta(reply, labels)
            suggestions(trip_id, reply)
            rating(reply)
    question = st.chat_input(f"Ask about step {sp.step.number}, {sp.step.title}", key=state.PLAN_CHAT_INPUT)
    if question:
        with st.chat_message("user"):
            st.markdown(question)
        with (
            st.chat_message("assistant"),
            st.spinner("The assistant is working (the answer arrives in one piece)…"),
        ):
            history.append(planning.ask(deps.agent(), deps.principal(), trip_id, status, question, history))
        st.rerun()


with guard("loading the plan"):
    service, me = deps.travel(), deps.principal()
    wf = Workflow(service)
    trip = trip_picker(service, me, key=state.PLAN_TRIP)
    with st.expander("New trip", icon=":material/add:", expanded=trip is None), st.form("plan.new.form"):
        clients = service.list_clients(me, limit=500)
        names = {c.id: c.name for c in clients}
        c = st.columns(3)
        c[0].text_input("Trip name", key=state.PLAN_NEW_PREFIX + "name", placeholder="Lisbon in May")
        c[1].selectbox(
            "Client", [None, *names], format_func=lambda i: "no client yet" if i is None else names[i],
            key=state.PLAN_NEW_PREFIX + "client",
        )  # fmt: skip
        c[2].text_input(
            "Destinations", key=state.PLAN_NEW_PREFIX + "destinations", placeholder="Lisbon, Porto"
        )
        st.form_submit_button("Create trip and start planning", on_click=run("creating a trip", create_trip))
    if trip is None or trip.id is None:
        empty("No trips yet: create one above.")
        st.stop()
    trip_id = trip.id
    status = wf.status(me, trip_id)
    if not status.started:
        st.info("This trip's 12-step workflow has not been started.", icon=":material/info:")
        st.button(
            "Start planning this trip", type="primary", key="plan.start",
            on_click=run("starting the workflow", lambda: start(trip_id)),
        )  # fmt: skip
        st.stop()

    tracker(status)
    sp = planning.current_progress(status)
    numbers = [s.number for s in STEPS]
    st.selectbox(
        "Go to step", numbers, index=None, placeholder="Revisit or jump to a step…", key=state.PLAN_GOTO,
        format_func=lambda n: f"{n}. {STEPS[n - 1].title}", on_change=run("changing the step", lambda: go_to(trip_id)),
    )  # fmt: skip
    if sp is None:
        st.success("Every step of this trip is done.", icon=":material/celebration:")
        st.stop()

    st.subheader(f"Step {sp.step.number}: {sp.step.title}")
    st.caption(f"{sp.step.phase} · {sp.step.purpose}")
    left, right = st.columns([2, 3])
    with left:
        st.markdown("#### Checklist")
        checklist(trip_id, sp)
        if sp.step.number == 8 and status.flags:
            with st.expander(f"Trip checks ({len(status.flags)} flag(s))", icon=":material/flag:"):
                for flag in status.flags:
                    st.markdown(f"- **{flag.severity}** · {flag.message}")
        with st.expander("Instruction", icon=":material/menu_book:"):
            st.markdown(wf.instruction(me, sp.step.number))
    with right:
        assistant(trip_id, status, sp)
