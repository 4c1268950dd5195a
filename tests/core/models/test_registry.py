"""The model registry: prices from litellm's bundled map, legacy table and config; capabilities and limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import RoutingError
from core.models import Registry, cost_map

FIXTURES = Path(__file__).parents[2] / "fixtures"


def registry_from(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Registry:
    path = tmp_path / "c.yml"
    path.write_text(text)
    return Registry.from_settings(load_settings(path, environ=env or {}))


def test_prices_come_from_litellms_bundled_cost_map(tmp_path: Path) -> None:
    reg = registry_from(
        tmp_path, "models:\n  providers:\n    openai:\n      api_key: k\n      models: [gpt-4.1-mini]\n"
    )
    model = reg.get("gpt-4.1-mini")
    entry = cost_map()["gpt-4.1-mini"]
    assert model.price.source == "litellm"
    assert model.price.input == entry["input_cost_per_token"]
    assert model.price.output == entry["output_cost_per_token"]
    assert model.price.cache_read == entry["cache_read_input_token_cost"]
    assert model.context_window == entry["max_input_tokens"]
    assert {"tools", "json", "long_context"} <= model.capabilities


def test_retired_models_of_the_original_config_are_priced_from_the_legacy_table() -> None:
    reg = Registry.from_settings(load_settings(FIXTURES / "original_travelops.yml", environ={}))
    haiku = reg.get("claude-3-5-haiku-20241022")
    assert haiku.price.source == "legacy"
    assert haiku.price.input == pytest.approx(0.8e-6)
    assert haiku.rpm == 1000
    assert not haiku.enabled and haiku.disabled_reason == "ANTHROPIC_API_KEY is not set"


def test_config_prices_override_the_map_and_local_models_default_to_zero(tmp_path: Path) -> None:
    text = (
        "models:\n  providers:\n"
        "    openai:\n      api_key: k\n      models: [{name: gpt-4.1-mini, input_cost_per_token: 0.000001}]\n"
        "    lab:\n      kind: openai_compatible\n      api_base: http://127.0.0.1:9/v1\n      models: [qwen]\n"
    )
    reg = registry_from(tmp_path, text)
    assert reg.get("gpt-4.1-mini").price.source == "config"
    assert reg.get("gpt-4.1-mini").price.input == 1e-6
    qwen = reg.get("lab/qwen")
    assert qwen.price.source == "local" and qwen.price.cost(1000, 1000) == 0
    assert qwen.litellm_model == "openai/qwen" and qwen.api_base == "http://127.0.0.1:9/v1"


def test_cost_counts_cache_reads_and_writes_at_their_own_prices(tmp_path: Path) -> None:
    reg = registry_from(
        tmp_path,
        "models:\n  providers:\n    anthropic:\n      api_key: k\n      models: [claude-haiku-4-5]\n",
    )
    price = reg.get("claude-haiku-4-5").price
    cost = price.cost(
        prompt_tokens=1000, completion_tokens=100, cache_read_tokens=600, cache_write_tokens=200
    )
    expected = 200 * price.input + 600 * price.cache_read + 200 * price.cache_write + 100 * price.output
    assert cost == pytest.approx(expected)
    assert price.cache_read < price.input < price.cache_write


def test_offline_drafter_is_always_there_priced_zero_and_labelled(tmp_path: Path) -> None:
    reg = registry_from(tmp_path, "{}\n")
    offline = reg.get("offline/drafter")
    assert offline.enabled and offline.is_offline and offline.price.cost(10_000, 10_000) == 0
    assert "offline" in offline.label


def test_unknown_model_lists_known_ones_and_says_where_to_add_it(tmp_path: Path) -> None:
    reg = registry_from(tmp_path, "{}\n")
    with pytest.raises(RoutingError, match=r"Unknown model 'gpt-x'.*offline/drafter.*models.providers"):
        reg.get("gpt-x")


def test_list_prices_are_known_without_any_configuration() -> None:
    from core.models import price_of

    haiku = price_of("anthropic/claude-haiku-4-5")
    assert haiku.source == "litellm" and haiku.input == cost_map()["claude-haiku-4-5"]["input_cost_per_token"]
    assert price_of("anthropic/claude-3-5-haiku-20241022").source == "legacy"
    assert price_of("offline/drafter").cost(1000, 1000) == 0
