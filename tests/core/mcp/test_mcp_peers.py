"""Third-party MCP servers from PyPI, each in its own venv, listed and called through the manager."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from mcp_helpers import StartManager

from core.config import McpServerConfig


def test_mcp_server_time_from_pypi_lists_its_tools_and_tells_the_time_in_a_timezone(
    start_manager: StartManager, peer_bin: Callable[[str], Path]
) -> None:
    command = peer_bin("mcp-server-time")
    manager = start_manager(
        {"time": McpServerConfig(command=str(command), args=["--local-timezone", "UTC"], start_timeout_s=60)},
        raise_on_failure=True,
    )

    tools = {t.name: t for t in manager.list_tools("time")}
    assert {"get_current_time", "convert_time"} <= set(tools)
    assert tools["get_current_time"].read_only
    result = manager.call_tool_sync("time", "get_current_time", {"timezone": "Europe/Lisbon"})
    assert not result.is_error and "Europe/Lisbon" in result.text
    assert (
        manager.call_tool_sync("time", "get_current_time", {"timezone": "Europe/Lisbon"}).from_cache
        == "fresh"
    )


def test_mcp_server_git_from_pypi_reports_the_status_of_a_fresh_repository(
    start_manager: StartManager, peer_bin: Callable[[str], Path], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=30)
    (repo / "itinerary.md").write_text("Day 1: Lisbon\n")
    command = peer_bin("mcp-server-git")
    manager = start_manager(
        {"git": McpServerConfig(command=str(command), args=["--repository", str(repo)], start_timeout_s=60)},
        raise_on_failure=True,
    )

    assert "git_status" in {t.name for t in manager.list_tools("git")}
    result = manager.call_tool_sync("git", "git_status", {"repo_path": str(repo)})
    assert not result.is_error and "itinerary.md" in result.text
