"""Our MCP servers: thin faces over ``core`` services, for any MCP client (Claude Desktop, Continue, our agent).

The registry is data: ``SERVERS`` maps each name to the module whose ``build(settings) -> MCPServer`` makes it
(imported only when that server is built)::

    from core.mcp.servers import build, serve

    server = build("travel-db", settings)        # an MCPServer: test it in-process with mcp.Client(server)
    serve("travel-db", settings)                 # stdio (what `travelops mcp serve travel-db` runs)
    serve("guide", settings, http_port=8765)     # streamable HTTP on http://127.0.0.1:8765/mcp

- ``travel-db``: search, trip plans, clients and trips, bulk trip operations, the 12-step workflow, a health
  check and read-only SQL.
- ``documents``: the proposal, itinerary and invoice templates, rendered from a trip (html, markdown, pdf).
- ``guide``: the assistant's instructions, the workflow overview and status, one prompt per workflow step.
- ``research``: destination facts from ``data/research/destinations.json``, and web pages from an allow-list.
- ``travelops``: our router for any client: ask, compare models side by side, explain a routing decision.

``python -m core.mcp.servers NAME [--http PORT]`` runs one with the settings ``load_settings()`` finds.
"""

from __future__ import annotations

import importlib
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core.errors import ValidationError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from core.config import Settings

__all__ = ["HOST", "SERVERS", "ServerSpec", "build", "get_spec", "serve"]

HOST = "127.0.0.1"


class ServerSpec(BaseModel):
    """One of our servers: its name, the module that builds it, and what it is for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    module: str
    summary: str
    replaces: str  # the original system's server it takes over from

    def factory(self) -> Callable[[Settings], MCPServer[Any]]:
        """The module's ``build`` (imports the module, and what it needs, on first use)."""
        return importlib.import_module(self.module).build


SERVERS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec(
            name="travel-db",
            module="core.mcp.servers.travel_db",
            summary="clients, trips, bulk trip operations, the 12-step workflow, health, read-only SQL",
            replaces="d1-database",
        ),
        ServerSpec(
            name="documents",
            module="core.mcp.servers.documents",
            summary="proposal, itinerary and invoice templates rendered from a trip (html, markdown, pdf)",
            replaces="template-document",
        ),
        ServerSpec(
            name="guide",
            module="core.mcp.servers.guide",
            summary="the assistant's instructions, the workflow overview and status, one prompt per step",
            replaces="prompt-instructions-d1",
        ),
        ServerSpec(
            name="research",
            module="core.mcp.servers.research",
            summary="destination facts from a local knowledge base; web pages from an allow-list",
            replaces="mcp-chrome",
        ),
        ServerSpec(
            name="travelops",
            module="core.mcp.servers.travelops",
            summary="our model router for any MCP client: ask, compare, route_explain",
            replaces="zen",
        ),
    )
}


def get_spec(name: str) -> ServerSpec:
    spec = SERVERS.get(name)
    if spec is None:
        raise ValidationError(
            f"Unknown MCP server {name!r}. Ours: {', '.join(SERVERS)}.",
            hint="Fix: use one of those names. Other servers are not served by TravelOps: add them under "
            "mcp.servers in the configuration (or import them with `travelops mcp import`).",
        )
    return spec


def build(name: str, settings: Settings) -> MCPServer[Any]:
    """Our server ``name``, built over ``settings`` (not started)."""
    return get_spec(name).factory()(settings)


def serve(name: str, settings: Settings, *, http_port: int | None = None) -> None:
    """Run server ``name`` until its client goes away (stdio) or the process is stopped (HTTP).

    ``http_port``: serve streamable HTTP on ``http://127.0.0.1:PORT/mcp`` instead of stdio (0 picks a free
    port). Once the socket accepts connections, the URL is written to stderr as ``listening on URL``.
    """
    server = build(name, settings)
    if http_port is None:
        server.run("stdio")
        return
    _serve_http(server, http_port)


def _serve_http(server: MCPServer[Any], port: int) -> None:
    import anyio
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as e:
        sock.close()
        raise ValidationError(
            f"Cannot serve on {HOST}:{port}: {e.strerror or e}.",
            hint="Fix: choose another port with --http PORT (or stop what is using this one).",
        ) from e
    sock.listen(128)
    print(f"listening on http://{HOST}:{sock.getsockname()[1]}/mcp", file=sys.stderr, flush=True)
    config = uvicorn.Config(server.streamable_http_app(host=HOST), log_level="warning")
    try:
        anyio.run(uvicorn.Server(config).serve, [sock])
    finally:
        sock.close()
