"""MCP servers: every configured server, its instances and their health, its tools, and what its calls did
(count, latency, errors, cache and stale hits per tool, from the warehouse); restart an instance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from app import deps, state
from app.components.feedback import action, empty, guard, show_flash
from app.components.formatting import when

if TYPE_CHECKING:
    from core.mcp import McpManager, ServerStatus

HEALTH = {
    "up": ":green-badge[:material/check_circle: up]", "starting": ":orange-badge[:material/pending: starting]",
    "down": ":red-badge[:material/error: down]", "disabled": ":gray-badge[:material/block: disabled]",
}  # fmt: skip
PERIODS = {"Last 24 hours": 1, "Last 7 days": 7, "Last 30 days": 30, "All time": None}
HOW_TO_ADD = (
    "Add one under `mcp.servers` in the configuration file (our guide server, below), or bring in the servers "
    "of a Claude Desktop or Continue set-up with `travelops mcp import claude_desktop_config.json` (add "
    "`--dry-run` to see what it would write first), then restart the app. The README's “MCP servers” section "
    "lists every setting."
)
EXAMPLE = """mcp:
  servers:
    guide:
      command: uv
      args: [run, travelops, mcp, serve, guide]"""

st.title("MCP servers")
show_flash()


def restart(manager: McpManager, server: str, index: int) -> None:
    def go() -> str:
        status = manager.restart_sync(server, index)
        return f"Restarted {status.id}: now {status.health}" + (
            f" ({status.last_error})" if status.last_error and status.health != "up" else "."
        )

    action(f"restarting {server}#{index}", go)


def server_card(manager: McpManager, s: ServerStatus) -> None:
    with st.container(border=True):
        st.markdown(f"### {s.name} {HEALTH[s.health]}")
        st.caption(" · ".join(x for x in (s.kind, s.command, f"{s.tool_count} tools") if x))
        if s.disabled_reason:
            st.warning(f"Disabled: {s.disabled_reason}", icon=":material/block:")
        if s.last_error and s.health != "up":
            st.error(f"Last error: {s.last_error}", icon=":material/error:")
        for inst in s.instances:
            c = st.columns([3, 2, 4, 2], vertical_alignment="center")
            c[0].markdown(f"**{inst.id}** {HEALTH[inst.health]}")
            c[1].caption(f"pid {inst.pid}" if inst.pid else (inst.url or ""))
            c[2].caption(
                f"{inst.calls} calls · {inst.failures} failed · {inst.in_flight} in flight · "
                f"{inst.restarts} restarts · up since {when(inst.up_since)}"
                + (f" · last error: {inst.last_error}" if inst.last_error else "")
            )
            c[3].button(
                "Restart", key=f"{state.MCP_RESTART_PREFIX}{s.name}.{inst.index}", icon=":material/restart_alt:",
                on_click=restart, args=(manager, s.name, inst.index),
            )  # fmt: skip
        if s.health == "up":
            tools = manager.list_tools(s.name)
            with st.expander(f"Tools ({len(tools)})", icon=":material/build:"):
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                "tool": t.name,
                                "read only": t.read_only,
                                "idempotent": t.idempotent,
                                "cache TTL (s)": t.cache_ttl_s,
                                "description": t.description.split("\n")[0],
                            }
                            for t in tools
                        ]
                    ),
                    hide_index=True,
                )


with guard("loading the MCP servers"):
    settings = deps.settings()
    if not settings.mcp.servers:
        empty("No MCP servers are configured.", HOW_TO_ADD)
        st.code(EXAMPLE, language="yaml")
        st.stop()
    manager = deps.mcp()
    assert manager is not None  # servers are configured
    head = st.columns([6, 1], vertical_alignment="bottom")
    if head[1].button("Refresh", icon=":material/refresh:", key="mcp.refresh"):
        deps.refresh_queries()
    servers = manager.list_servers()
    up = sum(1 for s in servers if s.health == "up")
    st.caption(f"{up} of {len(servers)} configured server(s) up. Health is checked in the background.")
    for s in servers:
        server_card(manager, s)

with guard("reading the MCP calls"):
    st.subheader("Calls per server and tool")
    period = st.segmented_control("Period", list(PERIODS), default="Last 7 days", key=state.MCP_DAYS)
    days = PERIODS.get(period or "Last 7 days")
    since = (datetime.now(UTC).date() - timedelta(days=days - 1)) if days else None
    calls = deps.mcp_calls(deps.data_key(), since)
    if calls.empty:
        st.caption(
            "No calls recorded in this period: ask the assistant on the Plan page, or `travelops mcp call`."
        )
    else:
        st.dataframe(
            calls,
            hide_index=True,
            column_config={
                "error_rate": st.column_config.NumberColumn("error rate", format="percent"),
                "cache_rate": st.column_config.NumberColumn("cache share", format="percent"),
                "cache_hits": st.column_config.NumberColumn(
                    "cache hits", help="Fresh results within the TTL."
                ),
                "stale_hits": st.column_config.NumberColumn(
                    "stale hits", help="Last known good results, served while every instance was down."
                ),
                "avg_ms": st.column_config.NumberColumn("avg", format="%.0f ms"),
                "p50_ms": st.column_config.NumberColumn("p50", format="%.0f ms"),
                "p95_ms": st.column_config.NumberColumn("p95", format="%.0f ms"),
            },
        )
        st.caption("Latency counts calls that reached an instance; cache answers are left out.")
