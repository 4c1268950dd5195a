"""What the MCP manager hands out: statuses, tool descriptions and call results (frozen pydantic models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from core._common import FrozenModel

__all__ = ["CacheState", "Health", "InstanceStatus", "ServerStatus", "ToolInfo", "ToolResult"]

Health = Literal["up", "down", "starting"]
CacheState = Literal["none", "fresh", "stale"]


class InstanceStatus(FrozenModel):
    """One instance of a server: a process (stdio) or a URL (HTTP)."""

    id: str  # "travel-db#1"
    index: int  # 1-based
    health: Health
    pid: int | None = None  # stdio only, while running
    url: str | None = None  # HTTP only
    last_error: str | None = None
    in_flight: int = 0
    missed_pings: int = 0
    restarts: int = 0  # sessions started after the first
    calls: int = 0
    failures: int = 0  # calls that failed on this instance (transport error, timeout, crash)
    up_since: datetime | None = None


class ServerStatus(FrozenModel):
    """One configured server: ``health`` is the best of its instances' (up > starting > down)."""

    name: str
    kind: Literal["stdio", "http"]
    enabled: bool
    disabled_reason: str | None = None
    health: Health | Literal["disabled"]
    command: str | None = None  # stdio: the command line
    instances: list[InstanceStatus]
    tool_count: int = 0
    last_error: str | None = None


class ToolInfo(FrozenModel):
    """A tool as the manager treats it: its annotations, overridden by ``mcp.servers.<s>.tools.<t>``."""

    server: str
    name: str
    title: str | None = None
    description: str = ""
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None = None
    read_only: bool
    idempotent: bool
    destructive: bool
    cache_ttl_s: float | None = None  # None: results are not cached (not read-only, or TTL 0)


class ToolResult(FrozenModel):
    """The outcome of one ``call_tool``.

    ``is_error`` is the server's verdict (a tool error, or a JSON-RPC error it answered with); when no
    instance could answer at all, ``call_tool`` raises ``ToolUnavailable`` instead. ``from_cache`` is
    ``fresh`` for a hit within the TTL and ``stale`` for a last-known-good answer served because every
    instance is down; ``age_s`` then says how old it is.
    """

    server: str
    tool: str
    text: str
    structured: Any = None
    content: list[dict[str, Any]]
    is_error: bool = False
    instance: str
    latency_ms: float
    from_cache: CacheState = "none"
    age_s: float | None = None
