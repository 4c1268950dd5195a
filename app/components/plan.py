"""The Plan page's pieces: the tracker by phase, a step's checklist, the assistant's replies (which model, why,
what it cost, its tool calls), suggestion cards and rating buttons, and the widget callbacks behind them.

Callbacks run before the page script, inside ``action`` (their message is flashed at the top of the next run);
what they change lives in ``core.planning``, what they remember between runs in ``st.session_state``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain

import streamlit as st

from app import deps, state
from app.components.feedback import action, offline_badge
from app.components.formatting import label_model, ms, usd
from core import planning
from core.planning import Reply, Suggestion
from core.travel.workflow import StepProgress, Workflow, WorkflowStatus

STATUS_MARK = {
    "done": ":green[:material/check_circle:]", "skipped": ":gray[:material/redo:]",
    "current": ":blue[:material/play_circle:]", "todo": ":gray[:material/radio_button_unchecked:]",
}  # fmt: skip
README_MCP = "README, section “MCP servers”"


def workflow() -> Workflow:
    return Workflow(deps.travel())


def run(doing: str, fn: Callable[[], str]) -> Callable[[], None]:
    """A widget callback that does ``fn`` inside the callback boundary (its message is flashed)."""
    return lambda: action(doing, fn)


# ------------------------------------------------------------------------------------------------------------
# Callbacks: read the widgets, call core, remember what the next run draws.
# ------------------------------------------------------------------------------------------------------------


def forget_checklist(trip_id: int, step: int) -> None:
    """Drop the checkboxes of a step so they are drawn again from the store (after a change made elsewhere)."""
    prefix = f"{state.PLAN_TICK_PREFIX}{trip_id}.{step}."
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def create_trip() -> str:
    p = state.PLAN_NEW_PREFIX
    trip = planning.create_trip(
        deps.travel(),
        workflow(),
        deps.principal(),
        name=st.session_state.get(p + "name", ""),
        client_id=st.session_state.get(p + "client"),
        destinations=str(st.session_state.get(p + "destinations", "")).split(","),
    )
    st.session_state[state.CURRENT_TRIP] = st.session_state[state.PLAN_TRIP] = trip.id
    return f"Created trip '{trip.name}' and started its workflow at step 1."


def start(trip_id: int) -> str:
    return planning.start(workflow(), deps.principal(), trip_id)


def tick(trip_id: int, step: int, index: int, key: str) -> str:
    done = bool(st.session_state.get(key))
    return planning.tick(workflow(), deps.principal(), trip_id, step, index, done=done)


def mark_done(trip_id: int, step: int) -> str:
    force = bool(st.session_state.get(state.PLAN_FORCE))
    message = planning.mark_done(workflow(), deps.principal(), trip_id, force=force)
    forget_checklist(trip_id, step)
    return message


def go_to(trip_id: int) -> str:
    step = int(st.session_state[state.PLAN_GOTO])
    st.session_state[state.PLAN_GOTO] = None  # the selector resets
    return planning.go_to(workflow(), deps.principal(), trip_id, step)


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


# ------------------------------------------------------------------------------------------------------------
# Drawing
# ------------------------------------------------------------------------------------------------------------


def tracker(status: WorkflowStatus) -> None:
    """Progress, then the twelve steps in three columns (one per phase), the current one with its ticks."""
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
    """The step's checkboxes (each saved on change), the force option and "Mark step done".

    A box is saved by its callback. Streamlit drops a callback when the person's next click arrives while
    callbacks run (the new rerun interrupts it at its first ``st`` call), and the box then shows a tick the
    store never got. So every run also compares each box with what it showed at the end of the run before:
    a box the person changed that the store does not have is saved here, and a box that differs from the store
    although nobody touched it (the store changed elsewhere) is left alone; then both are drawn again from the
    store (a save refused, say for a read-only user, shows its message and the box as it is stored)."""
    n = sp.step.number
    shown: dict[str, bool] = st.session_state.setdefault(state.PLAN_TICKS_SHOWN, {})
    redraw: list[str] = []
    for i, item in enumerate(sp.step.checklist):
        key, stored = f"{state.PLAN_TICK_PREFIX}{trip_id}.{n}.{i}", item in sp.ticked
        value = st.checkbox(
            item,
            value=stored,
            key=key,
            on_change=run("ticking", lambda i=i, key=key: tick(trip_id, n, i, key)),
        )
        if value != stored:
            redraw.append(key)
            if key in shown and value != shown[key]:
                action("ticking", lambda i=i, key=key: tick(trip_id, n, i, key))
        shown[key] = value
    if redraw:
        for key in redraw:
            del st.session_state[key], shown[key]
        st.rerun()  # the tracker above was drawn before the store changed
    st.checkbox("Force: move on with unticked items (they are noted on the step)", key=state.PLAN_FORCE)
    st.button(
        "Mark step done", type="primary", icon=":material/task_alt:", key=state.PLAN_DONE,
        on_click=run("finishing the step", lambda: mark_done(trip_id, n)),
    )  # fmt: skip


def no_tools_notice(has_servers: bool) -> None:
    """Without MCP servers the assistant answers without tools: say so, and where to add ours."""
    if not has_servers:
        st.info(
            "No MCP servers are configured, so the assistant answers without tools (it cannot look the trip "
            f"up). Add ours under `mcp.servers` in the configuration: see the {README_MCP}.",
            icon=":material/extension_off:",
        )


def meta(reply: Reply, labels: dict[str, str]) -> None:
    """Which model answered, why, what it cost and took; the tool calls it made; the run's notes."""
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
    """A card per suggestion with Apply / Discard; once decided, a line saying which."""
    decided: dict[str, str] = st.session_state.get(state.PLAN_DECIDED, {})
    for s in reply.suggestions:
        key = f"{reply.run.run_id}.{s.key}"
        if key in decided:
            st.caption(f"Suggestion {decided[key]}: {s.label}.")
            continue
        with st.container(border=True):
            st.markdown(f":material/lightbulb: Suggested: {s.label}")
            with st.container(horizontal=True, gap="small"):  # buttons as wide as their labels
                st.button(
                    "Apply", key=f"{state.PLAN_SUGGEST_PREFIX}{key}.apply", type="primary", width="content",
                    on_click=run("applying a suggestion", lambda s=s: decide(trip_id, reply, s, True)),
                )  # fmt: skip
                st.button(
                    "Discard", key=f"{state.PLAN_SUGGEST_PREFIX}{key}.discard", width="content",
                    on_click=run("discarding a suggestion", lambda s=s: decide(trip_id, reply, s, False)),
                )  # fmt: skip


def rating(reply: Reply) -> None:
    """👍 / 👎 for a reply (stored as the quality of its last model call); once given, a line saying which."""
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


def conversation(trip_id: int, history: list[Reply], labels: dict[str, str]) -> None:
    """Each earlier question and its reply, with the reply's meta, suggestions and rating."""
    for reply in history:
        with st.chat_message("user"):
            st.markdown(reply.question)
        with st.chat_message("assistant"):
            st.markdown(reply.run.answer or "_(no answer)_")
            meta(reply, labels)
            suggestions(trip_id, reply)
            rating(reply)


def exchange(
    trip_id: int, status: WorkflowStatus, question: str, history: list[Reply], labels: dict[str, str]
) -> None:
    """The question, then the answer streamed as it arrives and everything ``conversation`` draws under a reply
    (no rerun afterwards, so nothing flashes); the reply joins ``history``."""
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        reply = answer(trip_id, status, question, history, labels)
        history.append(reply)
        suggestions(trip_id, reply)
        rating(reply)


def answer(
    trip_id: int, status: WorkflowStatus, question: str, history: list[Reply], labels: dict[str, str]
) -> Reply:
    """Ask the assistant ``question`` and write its answer as it arrives (``st.write_stream``), then the reply's
    meta under it (model, why, cost, latency, tool calls). A spinner shows until the first piece (tool calls
    are made before the answer starts). The caller keeps the returned Reply."""
    replies: list[Reply] = []
    stream = planning.ask_stream(deps.agent(), deps.principal(), trip_id, status, question, history)

    def text() -> Iterator[str]:
        for item in stream:
            if isinstance(item, str):
                yield item
            else:
                replies.append(item)

    pieces = text()
    with st.spinner("The assistant is working…"):
        first = next(pieces, None)
    if first is not None:
        st.write_stream(chain([first], pieces))
    [reply] = replies
    if not reply.run.answer:
        st.markdown("_(no answer)_")
    meta(reply, labels)
    return reply
