"""``travel-db``: the travel store as MCP tools (replaces the original d1-database server).

Thin over ``core.travel``: search, the trip plan, the activity log, clients and trips, a small set of atomic bulk
operations, the 12-step workflow, a health check and a read-only SQL explorer. The acting user is the store's
administrator (``Principal.default_admin()``).

The tools are registered in groups, each in its own module: reading (``_search``), clients and trips
(``_records``), the workflow (``_workflow``) and the store itself (``_store``, over the SQL explorer in
``_explorer``). Their inputs and outputs are in ``_schemas``.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from core.config import Settings
from core.mcp.servers._common import Backend, new_server
from core.mcp.servers.travel_db._explorer import SECRET_COLUMNS, QueryResult, run_readonly_query
from core.mcp.servers.travel_db._records import register_records
from core.mcp.servers.travel_db._search import register_search
from core.mcp.servers.travel_db._store import register_store
from core.mcp.servers.travel_db._workflow import register_workflow

__all__ = ["INSTRUCTIONS", "NAME", "SECRET_COLUMNS", "QueryResult", "build", "run_readonly_query"]

NAME = "travel-db"
INSTRUCTIONS = (
    "The agency's clients, travellers, trips and the 12-step planning workflow. Start with get_anything(query) "
    "or continue_trip(query=...) to find the trip; read its workflow step and instruction; save what you "
    "learn with create_client / create_trip / bulk_trip_operations; move on with advance_workflow_phase. "
    "Never invent prices, availability or confirmation numbers."
)


def build(settings: Settings) -> MCPServer[Any]:
    """The travel-db server over the travel store of ``settings``."""
    backend = Backend(settings)
    server = new_server(NAME, backend, instructions=INSTRUCTIONS)
    register_search(server, backend)
    register_records(server, backend)
    register_workflow(server, backend)
    register_store(server, backend)
    return server
