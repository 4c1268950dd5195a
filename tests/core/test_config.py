"""The configuration loader: the original format loads unchanged; every bad value is one clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import ConfigError

FIXTURES = Path(__file__).parents[1] / "fixtures"
NO_KEYS: dict[str, str] = {}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "travelops.yml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), environ=env if env is not None else NO_KEYS)
    return str(info.value)


def test_original_system_file_loads_unchanged_and_disables_providers_without_keys() -> None:
    settings = load_settings(FIXTURES / "original_travelops.yml", environ=NO_KEYS)
    assert settings.workflows["travel_planning"].default_model == "claude-3-5-haiku-20241022"
    assert settings.cost_optimization.daily_limit == 50.0
    assert not settings.models.providers["anthropic"].enabled
    assert any("ANTHROPIC_API_KEY is not set" in n for n in settings.notices)
    assert settings.models.providers["offline"].enabled


def test_provider_with_key_set_is_enabled_and_key_is_masked() -> None:
    settings = load_settings(
        FIXTURES / "original_travelops.yml", environ={"OPENAI_API_KEY": "sk-test-1234567890abcdef"}
    )
    assert settings.models.providers["openai"].enabled
    masked = str(settings.masked())
    assert "sk-test-1234567890abcdef" not in masked
    assert "(masked)" in masked


def test_interpolation_with_default_and_whole_value_numbers(tmp_path: Path) -> None:
    text = "cost_optimization:\n  daily_limit: ${LIMIT:-12.5}\n  monthly_limit: ${MONTHLY}\n"
    settings = load_settings(write(tmp_path, text), environ={"MONTHLY": "300"})
    assert settings.cost_optimization.daily_limit == 12.5
    assert settings.cost_optimization.monthly_limit == 300.0


def test_data_dir_is_relative_to_the_file_and_env_overrides_it(tmp_path: Path) -> None:
    path = write(tmp_path, "data_dir: ./store\n")
    assert load_settings(path, environ=NO_KEYS).data_dir == (tmp_path / "store").resolve()
    other = tmp_path / "elsewhere"
    assert load_settings(path, environ={"TRAVELOPS_DATA_DIR": str(other)}).data_dir == other.resolve()


def test_invalid_yaml_names_the_file_line_and_fix(tmp_path: Path) -> None:
    message = error_for(tmp_path, "models:\n  providers: [unclosed\n")
    assert (
        "travelops.yml" in message and "not valid YAML" in message and "line" in message and "Fix" in message
    )


def test_unknown_key_names_the_key_path_and_lists_known_keys(tmp_path: Path) -> None:
    message = error_for(tmp_path, "cost_optimization:\n  daily_limt: 5\n")
    assert "cost_optimization.daily_limt" in message
    assert "known keys here" in message and "daily_limit" in message


def test_wrong_type_names_key_value_and_fix(tmp_path: Path) -> None:
    text = "models:\n  providers:\n    openai:\n      api_key: sk-x\n      rate_limits: {requests_per_minute: lots}\n"
    message = error_for(tmp_path, text)
    assert "models.providers.openai.rate_limits.requests_per_minute = 'lots'" in message
    assert "whole number" in message


def test_negative_limit_is_rejected_with_the_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, "cost_optimization:\n  daily_limit: -5\n")
    assert "cost_optimization.daily_limit = -5" in message and "not negative" in message


def test_unknown_model_in_workflow_names_the_key_and_known_models(tmp_path: Path) -> None:
    text = "workflows:\n  travel_planning:\n    default_model: gpt-x\n"
    message = error_for(tmp_path, text)
    assert "Unknown model 'gpt-x' at workflows.travel_planning.default_model" in message
    assert "offline/drafter" in message and "models.providers" in message


def test_unset_variable_outside_a_provider_key_is_an_error_naming_it(tmp_path: Path) -> None:
    message = error_for(tmp_path, "cost_optimization:\n  quality_threshold: ${QT}\n")
    assert "cost_optimization.quality_threshold" in message and "${QT}" in message and "export QT" in message


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    message = error_for(tmp_path, "cost_optimization:\n  daily_limit: -1\ncahce: {}\n")
    assert "2 problem(s)" in message and "cahce" in message and "daily_limit" in message


def test_openai_compatible_provider_without_api_base_is_an_error(tmp_path: Path) -> None:
    text = "models:\n  providers:\n    local:\n      kind: openai_compatible\n      models: [qwen]\n"
    assert "models.providers.local.api_base is missing" in error_for(tmp_path, text)


def test_config_check_command_masks_secrets_and_fails_on_invalid_file(tmp_path: Path) -> None:
    good = write(
        tmp_path, "models:\n  providers:\n    openai:\n      api_key: ${K}\n      models: [gpt-4.1-mini]\n"
    )
    env = {"K": "sk-very-secret-value-123", "PATH": "/usr/bin:/bin", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    ok = subprocess.run(
        [sys.executable, "-m", "core.cli", "--config", str(good), "config", "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "sk-very-secret-value-123" not in ok.stdout + ok.stderr
    bad = tmp_path / "bad.yml"
    bad.write_text("cost_optimization:\n  daily_limit: -5\n")
    res = subprocess.run(
        [sys.executable, "-m", "core.cli", "--config", str(bad), "config", "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert res.returncode == 2
    assert "cost_optimization.daily_limit" in res.stderr and "Traceback" not in res.stderr


def test_mcp_server_using_an_unset_secret_is_disabled_with_a_notice(tmp_path: Path) -> None:
    text = (
        "mcp:\n  servers:\n    github:\n      command: npx\n      args: [-y, '@modelcontextprotocol/server-github']\n"
        "      env: {GITHUB_TOKEN: '${GITHUB_TOKEN}'}\n    time:\n      command: uvx\n      args: [mcp-server-time]\n"
    )
    settings = load_settings(write(tmp_path, text), environ={})
    github = settings.mcp.servers["github"]
    assert not github.enabled and github.disabled_reason == "GITHUB_TOKEN is not set"
    assert any("MCP server 'github' is disabled" in n for n in settings.notices)
    assert settings.mcp.servers["time"].enabled and settings.mcp.servers["time"].kind == "stdio"


def test_mcp_server_without_command_or_url_names_the_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, "mcp:\n  servers:\n    broken:\n      args: [x]\n")
    assert "mcp.servers.broken" in message and "needs 'command'" in message


def test_an_unset_variable_is_reported_once_not_again_as_a_wrong_type(tmp_path: Path) -> None:
    message = error_for(tmp_path, "cost_optimization:\n  quality_threshold: ${QT}\n")
    assert "1 problem(s)" in message and "None" not in message
