"""A small MCP server whose tools carry names from the workflow steps, for the agent loop's tests. Test
infrastructure, not product (our real servers live in ``core/mcp/servers/``).

Run: ``python agent_helpers.py`` (stdio). Tools:
- ``continue_trip(trip_id)``, ``get_workflow_status(trip_id)``: read-only, the trip id is required (an integer).
- ``get_anything(query)``, ``destination_facts(country)``: read-only, with a required argument no context fills.
- ``health_check()``: read-only, no arguments (in no workflow step's list).
- ``create_client(name)``: a write (steps 1 only).

Only the standard library and the MCP SDK are imported, so the server starts quickly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

HERE = Path(__file__).resolve()
READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, destructive_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, idempotent_hint=False, destructive_hint=False)

server = MCPServer("trip-desk", log_level="WARNING")


@server.tool(annotations=READ_ONLY)
async def continue_trip(trip_id: int) -> dict[str, Any]:
    """Where a trip stands: its name and current workflow step."""
    return {"trip_id": trip_id, "name": f"Lisbon spring 2027 (trip {trip_id})", "current_step": 2}


@server.tool(annotations=READ_ONLY)
async def get_workflow_status(trip_id: int) -> dict[str, Any]:
    """The workflow progress of a trip."""
    return {"trip_id": trip_id, "percent": 17, "open_items": ["Client picked a favourite concept"]}


@server.tool(annotations=READ_ONLY)
async def get_anything(query: str) -> dict[str, Any]:
    """Search clients and trips."""
    return {"query": query, "matches": [f"{query} spring 2027 (trip 41)"]}


@server.tool(annotations=READ_ONLY)
async def destination_facts(country: str) -> dict[str, Any]:
    """Entry rules, currency and plugs of a country."""
    return {"country": country, "currency": "EUR", "plugs": "C, F"}


@server.tool(annotations=READ_ONLY)
async def health_check() -> dict[str, Any]:
    """Whether the trip desk works."""
    return {"ok": True}


@server.tool(annotations=WRITE)
async def create_client(name: str) -> dict[str, Any]:
    """Create a client household."""
    return {"client_id": 7, "name": name}


def command() -> tuple[str, list[str]]:
    """The command line that starts this server on stdio."""
    return sys.executable, [str(HERE)]


if __name__ == "__main__":
    server.run()
