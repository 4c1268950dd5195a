"""Fixtures for the MCP tests: managers that are always stopped and then checked for orphaned server processes,
HTTP echo servers, and third-party servers from PyPI (see ``mcp_helpers``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema  # noqa: F401  # imported once here (~0.8 s): the manager warms it at start otherwise
import pytest
from mcp_helpers import EchoFactory, HttpEcho, StartManager, assert_no_orphans, echo_config, install_peer

from core.config import McpConfig, McpServerConfig, Settings
from core.mcp import McpManager
from core.warehouse import Warehouse


@pytest.fixture
def echo() -> EchoFactory:
    return echo_config


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    wh = Warehouse(tmp_path / "data")
    yield wh
    wh.close()


@pytest.fixture
def start_manager(tmp_path: Path, warehouse: Warehouse) -> Iterator[StartManager]:
    """``start_manager({"echo": echo(...)}, raise_on_failure=False)``: a started manager, stopped after the
    test, which then checks that no server process is left."""
    managers: list[McpManager] = []

    def start(servers: dict[str, McpServerConfig], *, raise_on_failure: bool = False) -> McpManager:
        settings = Settings(data_dir=tmp_path / "data", mcp=McpConfig(servers=servers))
        manager = McpManager(settings, warehouse)
        managers.append(manager)
        manager.start(raise_on_failure=raise_on_failure)
        return manager

    yield start
    for manager in managers:
        manager.stop()
    assert_no_orphans()


@pytest.fixture
def http_echo() -> Iterator[Callable[[], HttpEcho]]:
    servers: list[HttpEcho] = []

    def start() -> HttpEcho:
        server = HttpEcho()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()


@pytest.fixture(scope="session")
def peer_bin() -> Callable[[str], Path]:
    """``peer_bin("mcp-server-time")`` -> the path of that command, in its own venv."""

    def get(package: str) -> Path:
        return install_peer(package) / package

    return get
