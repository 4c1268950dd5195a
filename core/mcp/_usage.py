"""The MCP manager's usage events: one ``mcp_calls`` row per call attempt and cache answer, handed to the
warehouse in batches off the calls' path."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from core.warehouse.events import McpCallEvent

if TYPE_CHECKING:
    from core.warehouse import Warehouse

__all__ = ["CallContext", "CallStatus", "UsageBatcher"]

CallStatus = Literal["ok", "error", "cache", "stale"]
CallContext = tuple[str | None, str | None, str | None]  # (session_id, user_id, trip_id)
FLUSH_DELAY_S = 0.02  # usage rows are written in batches this often, off the calls' path


@dataclass(frozen=True, slots=True)
class _Row:
    at: float
    server: str
    instance: str
    tool: str
    latency_ms: float
    status: CallStatus
    bytes_out: int
    bytes_in: int
    error: str | None
    ctx: CallContext


class UsageBatcher:
    """Queues ``mcp_calls`` rows and writes them to ``warehouse`` (None: records nothing) at most
    ``delay_s`` after the first of a batch, from the event loop that queued it, and on ``flush``."""

    def __init__(self, warehouse: Warehouse | None, *, delay_s: float = FLUSH_DELAY_S) -> None:
        self.warehouse = warehouse
        self.delay_s = delay_s
        self._rows: list[_Row] = []
        self._scheduled = False

    def record(
        self,
        server: str,
        instance: str,
        tool: str,
        t0: float,
        status: CallStatus,
        bytes_out: int,
        bytes_in: int,
        error: str | None,
        ctx: CallContext,
    ) -> None:
        """Queue one row (call it on the running event loop; ``t0`` is the attempt's ``perf_counter`` start).
        Rows are written on the loop's pass ``delay_s`` later: off the call's path (the write then overlaps the
        next call's wait for its server)."""
        if self.warehouse is None:
            return
        latency_ms = (time.perf_counter() - t0) * 1000.0
        self._rows.append(
            _Row(time.time(), server, instance, tool, latency_ms, status, bytes_out, bytes_in, error, ctx)
        )
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(self.delay_s, self.flush)

    def flush(self) -> None:
        """Write every queued row now."""
        self._scheduled = False
        rows, self._rows = self._rows, []
        warehouse = self.warehouse
        if warehouse is None:
            return
        for row in rows:
            warehouse.record(
                McpCallEvent(
                    created_at=datetime.fromtimestamp(row.at, UTC),
                    server=row.server,
                    instance=row.instance,
                    tool=row.tool,
                    latency_ms=row.latency_ms,
                    status=row.status,
                    bytes_out=row.bytes_out,
                    bytes_in=row.bytes_in,
                    error=row.error,
                    session_id=row.ctx[0],
                    user_id=row.ctx[1],
                    trip_id=row.ctx[2],
                )
            )
