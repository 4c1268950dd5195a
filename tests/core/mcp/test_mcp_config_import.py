"""Importing Claude Desktop and Continue configurations into mcp.servers; the mcp list / call functions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from mcp_helpers import ECHO, assert_no_orphans

from core.config import load_settings
from core.errors import ConfigError, ValidationError
from core.mcp import import_config, parse_arguments, run_call, run_import, run_list, write_servers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mcp"
FAKE_SECRETS = (
    "ghp_FAKEfake",
    "9f8e7d6c5b4a",
    "lin_api_FAKE",
    "sk-FAKEproj",
    "sk-FAKE9aB3",
    "xoxb-FAKE",
)


def test_claude_desktop_stdio_http_and_mcp_remote_entries_become_servers_with_secrets_as_env_references() -> (
    None
):
    result = import_config(FIXTURES / "claude_desktop_config.json")

    assert result.format == "claude_desktop"
    servers = result.servers
    assert servers["github"] == {
        "command": "npx",
        "args": ["-y", "@modelcontextprotocol/server-github"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PERSONAL_ACCESS_TOKEN}"},
    }
    assert servers["time"]["env"] == {"LOG_LEVEL": "info", "TZ": "Europe/Lisbon"}  # not secrets: kept
    assert servers["filesystem"]["args"][-1] == "/Users/agent/Trips"
    # npx mcp-remote URL --header ... -> a direct HTTP server with those headers
    assert servers["d1-database"] == {
        "url": "https://d1-database.agency.workers.dev/mcp",
        "headers": {"Authorization": "${AUTH_HEADER}"},
    }
    assert servers["linear"] == {
        "url": "https://mcp.linear.app/mcp",
        "headers": {"X-Api-Key": "${LINEAR_X_API_KEY}"},
    }
    assert servers["zen"]["headers"] == {
        "Authorization": "Bearer ${ZEN_AUTHORIZATION}",
        "X-Agency": "lisbon-office",
    }
    assert servers["mcp-chrome"] == {"url": "http://127.0.0.1:12306/mcp"}
    assert servers["prompt-instructions"]["args"][-2:] == ["--api-key", "${PROMPT_INSTRUCTIONS_API_KEY}"]
    exported = {(s.server, s.env, s.was_literal) for s in result.secrets}
    assert exported == {
        ("github", "GITHUB_PERSONAL_ACCESS_TOKEN", True),
        ("d1-database", "AUTH_HEADER", True),
        ("linear", "LINEAR_X_API_KEY", True),
        ("zen", "ZEN_AUTHORIZATION", True),
        ("prompt-instructions", "PROMPT_INSTRUCTIONS_API_KEY", True),
    }
    dumped = json.dumps(result.model_dump(mode="json"))
    assert not [s for s in FAKE_SECRETS if s in dumped], "a secret literal leaked into the import result"
    assert any("renamed to 'prompt-instructions'" in n for n in result.notes)
    assert any(n.startswith("linear: was `npx … mcp-remote") for n in result.notes)


def test_claude_desktop_sse_servers_are_skipped_with_the_reason_and_what_to_do() -> None:
    skipped = dict(import_config(FIXTURES / "claude_desktop_config.json").skipped)

    assert set(skipped) == {"research", "template-document"}
    assert "uses the SSE transport" in skipped["research"] and "/mcp instead of /sse" in skipped["research"]
    assert "mcp-remote for https://template-document.agency.workers.dev/sse" in skipped["template-document"]


def test_broken_claude_desktop_entries_are_skipped_naming_file_entry_and_fix() -> None:
    result = import_config(FIXTURES / "claude_desktop_broken.json")

    assert list(result.servers) == ["fine"]
    skipped = dict(result.skipped)
    assert skipped["no-command"].startswith(
        "mcpServers.no-command in claude_desktop_broken.json has no 'command'"
    )
    assert 'Fix: add "command"' in skipped["no-command"]
    assert "unknown type 'websocket'" in skipped["websocket"] and "Fix: use 'stdio'" in skipped["websocket"]
    assert "is not an object" in skipped["just-a-string"]
    assert "args must be a list" in skipped["bad-args"]
    assert "'ftp://files.example/mcp' is not an http:// or https:// URL" in skipped["bad-url"]


def test_invalid_json_raises_a_config_error_naming_the_file_line_and_fix() -> None:
    with pytest.raises(ConfigError) as error:
        import_config(FIXTURES / "claude_desktop_invalid.json")
    message = str(error.value)
    assert "claude_desktop_invalid.json is not valid JSON" in message and "line 3" in message
    assert "trailing comma" in message


def test_a_missing_file_or_one_without_mcp_servers_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        import_config(tmp_path / "claude_desktop_config.json")
    other = tmp_path / "settings.json"
    other.write_text('{"theme": "dark"}')
    with pytest.raises(ConfigError, match='has no "mcpServers" object'):
        import_config(other)


def test_continue_config_yaml_maps_types_and_headers_and_rewrites_secrets_to_env_references() -> None:
    result = import_config(FIXTURES / "continue" / "config.yaml")

    assert result.format == "continue"
    servers = result.servers
    assert servers["github"]["env"] == {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_TOKEN}"}
    assert servers["travel-db"] == {
        "url": "https://travel-db.agency.example/mcp",
        "headers": {"Authorization": "Bearer ${TRAVEL_DB_TOKEN}"},
        "start_timeout_s": 20.0,
    }
    assert servers["SQLite"]["command"] == "npx"
    assert servers["slack"]["env"] == {"SLACK_BOT_TOKEN": "${SLACK_BOT_TOKEN}", "SLACK_TEAM_ID": "T01234567"}
    assert dict(result.skipped).keys() == {"weather"}
    assert {(s.server, s.env, s.was_literal) for s in result.secrets} == {
        ("github", "GITHUB_TOKEN", False),
        ("travel-db", "TRAVEL_DB_TOKEN", False),
        ("slack", "SLACK_BOT_TOKEN", True),
    }


def test_a_continue_mcp_servers_folder_imports_blocks_single_servers_lists_and_claude_style_json() -> None:
    result = import_config(FIXTURES / "continue" / "mcpServers")

    assert set(result.servers) == {"browser-search", "fetch", "docs", "memory"}
    assert result.servers["fetch"] == {"command": "uvx", "args": ["mcp-server-fetch"]}
    assert result.servers["docs"]["headers"] == {"X-Api-Key": "${DOCS_KEY}"}
    assert [name for name, _ in result.skipped] == ["legacy-events"]


def test_broken_continue_entries_are_skipped_and_invalid_yaml_is_a_config_error() -> None:
    result = import_config(FIXTURES / "continue_broken.yaml")

    assert list(result.servers) == ["fine"]
    skipped = dict(result.skipped)
    assert "mcpServers[0] (no-command) in continue_broken.yaml has no 'command'" in skipped["no-command"]
    assert "has no 'name'. Fix: add 'name: <server name>'" in skipped["entry 2"]
    assert "unknown type 'websocket'" in skipped["websocket"]
    with pytest.raises(ConfigError, match=r"continue_invalid.yaml is not valid YAML at line 4"):
        import_config(FIXTURES / "continue_invalid.yaml")


def test_write_servers_merges_into_mcp_servers_keeps_the_rest_backs_up_and_leaves_existing_names(
    tmp_path: Path,
) -> None:
    config = tmp_path / "travelops.yml"
    config.write_text(
        "# my settings\ncost_optimization:\n  daily_limit: 25.0\n"
        "mcp:\n  servers:\n    github: {command: gh-mcp}\n"
    )
    servers = import_config(FIXTURES / "claude_desktop_config.json").servers

    written = write_servers(config, servers)

    data = yaml.safe_load(config.read_text())
    assert data["cost_optimization"] == {"daily_limit": 25.0}
    assert data["mcp"]["servers"]["github"] == {"command": "gh-mcp"}  # existing name left alone
    assert written.kept == ["github"] and "zen" in written.added and "github" not in written.added
    assert written.backup == tmp_path / "travelops.yml.bak"
    assert written.backup.read_text().startswith("# my settings")
    assert data["mcp"]["servers"]["zen"]["url"] == "https://zen.agency.example/mcp"

    replaced = write_servers(config, {"github": servers["github"]}, replace=True)
    assert replaced.replaced == ["github"]
    assert yaml.safe_load(config.read_text())["mcp"]["servers"]["github"]["args"][-1].endswith(
        "server-github"
    )


def test_a_dry_run_shows_the_file_it_would_write_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "travelops.yml"
    config.write_text("data_dir: ./data\n")

    report = run_import(config, FIXTURES / "continue" / "config.yaml", dry_run=True)

    assert config.read_text() == "data_dir: ./data\n" and not (tmp_path / "travelops.yml.bak").exists()
    assert "travel-db" in yaml.safe_load(report.written.text)["mcp"]["servers"]
    text = report.render()
    assert text.startswith("Would import 4 MCP server(s)") and "Dry run: nothing was written." in text


def test_the_import_report_lists_servers_skips_and_the_variables_to_export_without_their_values(
    tmp_path: Path,
) -> None:
    report = run_import(tmp_path / "travelops.yml", FIXTURES / "claude_desktop_config.json")

    text = report.render()
    assert "Imported 8 MCP server(s)" in text
    assert "+ linear — http: https://mcp.linear.app/mcp" in text
    assert "- research: mcpServers.research in claude_desktop_config.json uses the SSE transport" in text
    assert "export GITHUB_PERSONAL_ACCESS_TOKEN=...   # github.env.GITHUB_PERSONAL_ACCESS_TOKEN" in text
    assert "comments and formatting are not preserved" in text
    assert not [s for s in FAKE_SECRETS if s in text + report.written.text]


def test_an_imported_config_loads_and_servers_with_unset_secrets_are_disabled_with_a_notice(
    tmp_path: Path,
) -> None:
    config = tmp_path / "travelops.yml"
    run_import(config, FIXTURES / "claude_desktop_config.json")

    settings = load_settings(config, environ={"ZEN_AUTHORIZATION": "token-from-the-environment"})

    servers = settings.mcp.servers
    assert (
        servers["zen"].enabled
        and servers["zen"].headers["Authorization"] == "Bearer token-from-the-environment"
    )
    assert servers["time"].enabled and servers["filesystem"].enabled
    assert (
        not servers["github"].enabled
        and servers["github"].disabled_reason == "GITHUB_PERSONAL_ACCESS_TOKEN is not set"
    )
    assert any("Export GITHUB_PERSONAL_ACCESS_TOKEN" in n for n in settings.notices)


def test_a_server_imported_from_claude_desktop_starts_and_answers_through_list_and_call(
    tmp_path: Path,
) -> None:
    claude = tmp_path / "claude_desktop_config.json"
    claude.write_text(json.dumps({"mcpServers": {"echo": {"command": sys.executable, "args": [str(ECHO)]}}}))
    config = tmp_path / "travelops.yml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")
    run_import(config, claude)
    settings = load_settings(config, environ={})

    listing = run_list(settings)
    called = run_call(settings, "echo", "echo", '{"text": "from the CLI"}')

    [status] = listing.servers
    assert status.health == "up" and status.tool_count == 8
    assert "echo#1: up (pid " in listing.render()
    assert json.loads(listing.model_dump_json())["servers"][0]["instances"][0]["health"] == "up"
    assert called.result.structured["text"] == "from the CLI"
    assert called.render().startswith("echo.echo via echo#1: ok in ")
    assert_no_orphans()


def test_call_arguments_must_be_a_json_object() -> None:
    assert parse_arguments(None) == {} and parse_arguments('{"a": 1}') == {"a": 1}
    with pytest.raises(ValidationError, match="--args is not valid JSON"):
        parse_arguments("{timezone: UTC}")
    with pytest.raises(ValidationError, match="must be a JSON object"):
        parse_arguments("[1, 2]")
