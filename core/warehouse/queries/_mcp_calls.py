"""Reads of ``mcp_calls``: every tool call through the MCP manager."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.warehouse.queries._source import Source, day_start, run

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["mcp_call_stats"]


def mcp_call_stats(source: Source, since: date | None = None) -> pd.DataFrame:
    """Calls through the MCP manager per server and tool (from ``mcp_calls``, since a UTC day): server, tool,
    calls, ok, errors, cache_hits (fresh, within the TTL), stale_hits (last known good, served while the
    server was down), error_rate, cache_rate (both shares of calls), avg_ms, p50_ms, p95_ms (calls that
    reached an instance; cache answers left out), last_call. Busiest first."""
    where, params = ("WHERE created_at >= ?", [day_start(since)]) if since is not None else ("", [])
    return run(
        source,
        f"""SELECT server, tool, count(*) AS calls,
               count(*) FILTER (WHERE status = 'ok') AS ok,
               count(*) FILTER (WHERE status = 'error') AS errors,
               count(*) FILTER (WHERE status = 'cache') AS cache_hits,
               count(*) FILTER (WHERE status = 'stale') AS stale_hits,
               errors / count(*) AS error_rate,
               (cache_hits + stale_hits) / count(*) AS cache_rate,
               avg(latency_ms) FILTER (WHERE status IN ('ok', 'error')) AS avg_ms,
               quantile_cont(latency_ms, 0.5) FILTER (WHERE status IN ('ok', 'error')) AS p50_ms,
               quantile_cont(latency_ms, 0.95) FILTER (WHERE status IN ('ok', 'error')) AS p95_ms,
               max(created_at) AS last_call
        FROM mcp_calls {where} GROUP BY server, tool ORDER BY calls DESC, server, tool""",
        params,
    )
