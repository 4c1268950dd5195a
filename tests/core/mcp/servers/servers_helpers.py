"""Helpers for our MCP servers' tests (``from servers_helpers import ...``; fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import anyio
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent

ANCHOR = date(2026, 11, 26)  # the sample agency's "today": the same trips on every run
READ_TIMEOUT_S = 20.0


@asynccontextmanager
async def connected(server: MCPServer[Any], *, within_s: float = 60.0) -> AsyncIterator[Client]:
    """An in-process client of ``server``; the whole block must finish within ``within_s``."""
    with anyio.fail_after(within_s):
        async with Client(server, read_timeout_seconds=READ_TIMEOUT_S) as client:
            yield client


def text_of(result: CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured output of a successful call (fails the test with the error text otherwise)."""
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


def failed(result: CallToolResult) -> str:
    """The error text of a failed call (fails the test if the call succeeded)."""
    assert result.is_error, f"expected an error, got {result.structured_content}"
    return text_of(result)
