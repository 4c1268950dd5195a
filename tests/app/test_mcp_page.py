"""The MCP servers page: the empty state says how to add a server; a configured server (our guide server, a real
stdio process) shows healthy with its tools, its instance restarts, and recorded calls are summarised per tool."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from app_helpers import AppEnv, open_page, problems, texts, write_config

from app import state
from core.warehouse import McpCallEvent, Warehouse


@pytest.fixture
def guide_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppEnv:
    """An empty data folder and a configuration with one MCP server: ours, `guide`, over stdio."""
    data = tmp_path / "data"
    config = write_config(tmp_path, data)
    with config.open("a", encoding="utf-8") as f:
        f.write(
            "\nmcp:\n  servers:\n    guide:\n"
            f"      command: {sys.executable}\n"
            "      args: [-m, core.mcp.servers, guide]\n"
            f"      env: {{TRAVELOPS_DATA_DIR: '{data}', LITELLM_LOCAL_MODEL_COST_MAP: 'True'}}\n"
            "      timeout_s: 30\n      start_timeout_s: 60\n"
        )
    monkeypatch.setenv("TRAVELOPS_CONFIG", str(config))
    return AppEnv(data_dir=data, config=config)


def test_with_no_server_configured_the_page_says_how_to_add_or_import_one(empty_env: AppEnv) -> None:
    at = open_page("mcp")

    assert problems(at) == []
    [info] = texts(at.info)
    assert "No MCP servers are configured" in info
    assert "mcp.servers" in info and "travelops mcp import" in info


def test_a_configured_server_shows_healthy_with_its_tools_and_its_calls(guide_env: AppEnv) -> None:
    warehouse = Warehouse.from_settings(guide_env.settings())
    for status in ("ok", "ok", "error", "cache", "stale"):
        warehouse.record(
            McpCallEvent(server="guide", instance="guide#1", tool="help", latency_ms=12.0, status=status)
        )
    warehouse.close()

    at = open_page("mcp")

    assert problems(at) == []
    assert any("### guide" in t and "up]" in t for t in texts(at.markdown))
    assert any(t.startswith("**guide#1**") and "up]" in t for t in texts(at.markdown))
    tools, calls = (d.value for d in at.dataframe)
    assert {"get_instruction", "list_instructions", "help"} <= set(tools["tool"])
    [row] = calls.to_dict("records")
    assert (row["server"], row["tool"], row["calls"], row["errors"]) == ("guide", "help", 5, 1)
    assert (row["cache_hits"], row["stale_hits"]) == (1, 1)


def test_restarting_an_instance_brings_it_back_up(guide_env: AppEnv) -> None:
    at = open_page("mcp")
    [pid_before] = [t for t in texts(at.caption) if t.startswith("pid ")]

    at.button(key=f"{state.MCP_RESTART_PREFIX}guide.1").click().run()

    assert problems(at) == []
    assert any("Restarted guide#1: now up." in t for t in texts(at.success))
    [pid_after] = [t for t in texts(at.caption) if t.startswith("pid ")]
    assert pid_after != pid_before
    assert any("1 restarts" in t for t in texts(at.caption))
