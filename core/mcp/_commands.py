"""What ``travelops mcp list`` and ``travelops mcp call`` do, as plain functions returning pydantic reports.

The CLI mounts them (typer lives in ``core/cli.py``): each report has ``render()`` for people and is JSON for
``--json``. ``run_import`` lives in ``core.mcp.config_import``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

from core.errors import ValidationError
from core.mcp._models import ServerStatus, ToolInfo, ToolResult
from core.mcp.manager import McpManager

if TYPE_CHECKING:
    from core.config import Settings

__all__ = ["McpCallReport", "McpListReport", "parse_arguments", "run_call", "run_list"]


class McpListReport(BaseModel):
    servers: list[ServerStatus]
    tools: list[ToolInfo]

    def render(self) -> str:
        if not self.servers:
            return (
                "No MCP servers are configured. "
                "Add them under mcp.servers, or run `travelops mcp import FILE`."
            )
        lines: list[str] = []
        for s in self.servers:
            head = f"{s.name} [{s.kind}] {s.health}"
            if not s.enabled:
                head += f" ({s.disabled_reason or 'enabled: false'})"
            else:
                head += f", {s.tool_count} tool(s)"
            lines.append(head)
            if s.command:
                lines.append(f"  command: {s.command}")
            for i in s.instances:
                where = f"pid {i.pid}" if i.pid else (i.url or "-")
                lines.append(
                    f"  {i.id}: {i.health} ({where}), in flight {i.in_flight}, restarts {i.restarts}"
                )
                if i.last_error and i.health != "up":
                    lines.append("    last error: " + i.last_error.replace("\n", "\n    "))
            tools = [t for t in self.tools if t.server == s.name]
            if tools:
                lines.append(
                    "  tools: " + ", ".join(t.name + (" (read-only)" if t.read_only else "") for t in tools)
                )
        return "\n".join(lines)


class McpCallReport(BaseModel):
    result: ToolResult

    def render(self) -> str:
        r = self.result
        cache = "" if r.from_cache == "none" else f", {r.from_cache} cache (age {r.age_s or 0:.0f} s)"
        status = "ERROR" if r.is_error else "ok"
        body = json.dumps(r.structured, indent=2, ensure_ascii=False) if r.structured is not None else r.text
        return f"{r.server}.{r.tool} via {r.instance}: {status} in {r.latency_ms:.1f} ms{cache}\n{body}"


def run_list(settings: Settings, *, start: bool = True) -> McpListReport:
    """``travelops mcp list [--json]``: start every enabled server (each within its start timeout), report the
    servers, their instances' health and their tools, then stop. ``start=False`` reports the configuration
    only."""
    manager = McpManager.from_settings(settings)
    if not start:
        return McpListReport(servers=manager.list_servers(), tools=[])
    with manager:
        return McpListReport(servers=manager.list_servers(), tools=manager.list_tools())


def parse_arguments(text: str | None) -> dict[str, Any]:
    """The ``--args`` JSON of ``mcp call``: an object, or nothing."""
    if text is None or not text.strip():
        return {}
    try:
        value: object = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValidationError(
            f"--args is not valid JSON: {e.msg} at column {e.colno}: {text!r}.",
            hint='Fix: pass a JSON object in single quotes, e.g. --args \'{"timezone": "Europe/Lisbon"}\'.',
        ) from e
    if not isinstance(value, dict):
        raise ValidationError(
            f"--args must be a JSON object of argument names to values, "
            f"not {type(value).__name__}: {text!r}.",
            hint='Fix: e.g. --args \'{"query": "Lisbon"}\'.',
        )
    return cast("dict[str, Any]", value)


def run_call(
    settings: Settings, server: str, tool: str, args: str | None = None, *, timeout_s: float | None = None
) -> McpCallReport:
    """``travelops mcp call SERVER TOOL --args JSON``: start that server only, call the tool once (recorded in
    the warehouse like any call), stop. Raises ``ValidationError`` (bad arguments, unknown server or tool) and
    ``ToolUnavailable`` (the server could not answer; the message carries its error)."""
    arguments = parse_arguments(args)
    with McpManager.from_settings(settings, servers=[server]) as manager:
        result = manager.call_tool_sync(server, tool, arguments, timeout_s=timeout_s)
    return McpCallReport(result=result)
