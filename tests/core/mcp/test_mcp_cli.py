"""`travelops mcp …` end to end: import a Claude Desktop file, list and call one of our servers over stdio."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from typer.testing import CliRunner

from core.cli import app

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mcp"


def config_with_guide(tmp_path: Path) -> Path:
    config = tmp_path / "travelops.yml"
    config.write_text(
        "data_dir: ./data\n"
        "mcp:\n  servers:\n    guide:\n"
        f"      command: {sys.executable}\n"
        "      args: [-m, core.mcp.servers, guide]\n"
        f"      env: {{TRAVELOPS_DATA_DIR: '{tmp_path / 'data'}', LITELLM_LOCAL_MODEL_COST_MAP: 'True'}}\n"
        "      timeout_s: 30\n      start_timeout_s: 60\n"
    )
    return config


def test_mcp_import_dry_run_reports_servers_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "travelops.yml"
    config.write_text("data_dir: ./data\n")
    source = tmp_path / "claude_desktop_config.json"
    shutil.copy(FIXTURES / "claude_desktop_config.json", source)
    result = CliRunner().invoke(app, ["--config", str(config), "mcp", "import", str(source), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert config.read_text() == "data_dir: ./data\n"
    assert "dry run" in result.output.lower() or "would" in result.output.lower()


def test_mcp_list_and_call_reach_our_guide_server_over_stdio(tmp_path: Path) -> None:
    config = config_with_guide(tmp_path)
    listed = CliRunner().invoke(app, ["--config", str(config), "mcp", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    servers = json.loads(listed.output)
    assert "guide" in json.dumps(servers) and "get_instruction" in json.dumps(servers)
    called = CliRunner().invoke(
        app, ["--config", str(config), "mcp", "call", "guide", "list_instructions", "--args", "{}", "--json"]
    )
    assert called.exit_code == 0, called.output
    assert json.loads(called.output)["result"]["is_error"] is False


def test_mcp_call_with_bad_json_arguments_names_the_problem(tmp_path: Path) -> None:
    config = config_with_guide(tmp_path)
    result = CliRunner().invoke(
        app, ["--config", str(config), "mcp", "call", "guide", "help", "--args", "{oops"]
    )
    assert result.exit_code == 2
    assert "--args" in result.output or "JSON" in result.output
