"""MCP: the manager that calls any configured MCP server, and the import of other clients' configurations.

- ``McpManager``: sessions to every enabled server in ``mcp.servers`` (stdio processes or HTTP URLs, several
  instances each), health checks, least-in-flight balancing, failover for read-only/idempotent tools, a result
  cache with stale answers when a server is down, one warehouse row per call. Sync and async faces.
- ``import_config`` / ``write_servers`` / ``run_import``: Claude Desktop and Continue configurations into
  ours.
- ``run_list`` / ``run_call``: what ``travelops mcp list`` and ``travelops mcp call`` do.
"""

# The type checker's imports below are re-exported through `__all__ = sorted(_LAZY)`, which pyright cannot read;
# tests/core/test_faces.py checks that the imports, the table and __all__ name the same things.
# pyright: reportUnusedImport=false, reportUnsupportedDunderAll=false
from __future__ import annotations

from typing import TYPE_CHECKING

from core._lazy import lazy_getattr

if TYPE_CHECKING:
    from core.mcp._commands import McpCallReport, McpListReport, parse_arguments, run_call, run_list
    from core.mcp._models import CacheState, Health, InstanceStatus, ServerStatus, ToolInfo, ToolResult
    from core.mcp.config_import import (
        ConfigImportReport,
        ImportResult,
        SecretRef,
        WriteResult,
        import_config,
        run_import,
        write_servers,
    )
    from core.mcp.manager import McpManager

_LAZY: dict[str, str] = {
    "McpCallReport": "core.mcp._commands",
    "McpListReport": "core.mcp._commands",
    "parse_arguments": "core.mcp._commands",
    "run_call": "core.mcp._commands",
    "run_list": "core.mcp._commands",
    "CacheState": "core.mcp._models",
    "Health": "core.mcp._models",
    "InstanceStatus": "core.mcp._models",
    "ServerStatus": "core.mcp._models",
    "ToolInfo": "core.mcp._models",
    "ToolResult": "core.mcp._models",
    "ConfigImportReport": "core.mcp.config_import",
    "ImportResult": "core.mcp.config_import",
    "SecretRef": "core.mcp.config_import",
    "WriteResult": "core.mcp.config_import",
    "import_config": "core.mcp.config_import",
    "run_import": "core.mcp.config_import",
    "write_servers": "core.mcp.config_import",
    "McpManager": "core.mcp.manager",
}

__all__ = sorted(_LAZY)  # one list: the lazy table

__getattr__ = lazy_getattr(__name__, _LAZY, globals())
