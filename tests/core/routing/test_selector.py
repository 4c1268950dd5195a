"""The selector: explainable choices by task, complexity, rules, preferences and budget."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from core.config import load_settings
from core.errors import RoutingError
from core.models import Registry
from core.routing import RouteRequest, Selector, UserPreferences

CONFIG = """
models:
  providers:
    anthropic:
      api_key: ${ANTHROPIC_API_KEY}
      models: [claude-haiku-4-5, claude-sonnet-4-6]
    openai:
      api_key: ${OPENAI_API_KEY}
      models: [gpt-4.1-mini, gpt-4.1]
workflows:
  travel_planning:
    default_model: claude-haiku-4-5
    complex_tasks_model: claude-sonnet-4-6
    fallback_model: gpt-4.1-mini
cost_optimization:
  daily_limit: 50
  auto_downgrade: true
  quality_threshold: 0.85
routing:
  task_types:
    trip_summary: {complexity: routine}
    itinerary_draft: {complexity: complex}
    general: {complexity: auto}
  rules:
    - {name: visa needs care, keywords: [visa], model: gpt-4.1}
"""
KEYS = {"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"}


@dataclass(frozen=True)
class Budget:
    share_left: float | None

    def describe(self) -> str:
        return f"{self.share_left:.0%} of today's budget left"


@dataclass(frozen=True)
class Perf:
    avg_quality: float | None
    p50_ms: float | None = None


def selector(tmp_path: Path, env: dict[str, str] | None = None) -> Selector:
    path = tmp_path / "c.yml"
    path.write_text(CONFIG)
    settings = load_settings(path, environ=KEYS if env is None else env)
    return Selector(settings, Registry.from_settings(settings))


def test_complex_task_goes_to_the_complex_model_with_a_readable_reason(tmp_path: Path) -> None:
    d = selector(tmp_path).select(
        "itinerary_draft", RouteRequest(prompt="Plan 10 days in Japan"), Budget(0.38)
    )
    assert d.model == "anthropic/claude-sonnet-4-6"
    assert d.reason.startswith("itinerary_draft is complex → anthropic/claude-sonnet-4-6")
    assert "38% of today's budget left" in d.reason
    assert d.fallbacks[0] == "openai/gpt-4.1-mini"
    assert d.estimated_cost_usd > 0


def test_routine_task_goes_to_the_default_model(tmp_path: Path) -> None:
    d = selector(tmp_path).select("trip_summary", RouteRequest(prompt="Summarise the call"))
    assert d.model == "anthropic/claude-haiku-4-5" and d.complexity_label == "routine"


def test_auto_complexity_uses_the_estimate(tmp_path: Path) -> None:
    sel = selector(tmp_path)
    easy = sel.select("general", RouteRequest(prompt="What currency does Portugal use?"))
    hard_prompt = (
        "Compare three itinerary alternatives for 14 days across Tokyo, Kyoto and Osaka on 2027-04-01 to 2027-04-15, "
        "with a budget of 12000 USD for 4 people; plan connections and prioritise trade-offs?\n"
        "1. rail passes\n2. hotels\n3. visa rules\n" + "Details about the family preferences. " * 40
    )
    hard = sel.select("general", RouteRequest(prompt=hard_prompt))
    assert easy.complexity_label == "routine" and easy.model == "anthropic/claude-haiku-4-5"
    assert hard.complexity_label == "complex" and hard.model != "anthropic/claude-haiku-4-5"
    assert hard.complexity > easy.complexity


def test_keyword_rule_wins_and_is_named_in_the_reason(tmp_path: Path) -> None:
    d = selector(tmp_path).select("trip_summary", RouteRequest(prompt="Does she need a visa for Brazil?"))
    assert d.model == "openai/gpt-4.1" and d.source == "rule"
    assert "rule 'visa needs care' matched keyword 'visa'" in d.reason


def test_disabled_provider_is_skipped_and_the_reason_says_why(tmp_path: Path) -> None:
    d = selector(tmp_path, env={"OPENAI_API_KEY": "o"}).select("itinerary_draft", RouteRequest(prompt="Plan"))
    assert d.model == "openai/gpt-4.1-mini"
    assert "anthropic/claude-sonnet-4-6 disabled: ANTHROPIC_API_KEY is not set" in d.reason


def test_with_no_keys_the_offline_drafter_answers_and_is_labelled(tmp_path: Path) -> None:
    d = selector(tmp_path, env={}).select("itinerary_draft", RouteRequest(prompt="Plan"))
    assert d.model == "offline/drafter" and "offline drafter" in d.reason and d.estimated_cost_usd == 0


def test_user_preference_and_cost_threshold_are_respected(tmp_path: Path) -> None:
    prefs = UserPreferences(user_id="ana", preferred_model="gpt-4.1", cost_threshold=0.001)
    d = selector(tmp_path).select(
        "trip_summary", RouteRequest(prompt="Summarise", max_output_tokens=1000), None, prefs
    )
    assert d.model != "openai/gpt-4.1"
    assert "above ana's" in d.skipped["openai/gpt-4.1"]
    cheap_ok = UserPreferences(user_id="ana", preferred_model="gpt-4.1-mini")
    d2 = selector(tmp_path).select("trip_summary", RouteRequest(prompt="Summarise"), None, cheap_ok)
    assert d2.model == "openai/gpt-4.1-mini" and "ana's preferred model" in d2.reason


def test_low_budget_downgrades_to_the_cheapest_model_with_measured_quality(tmp_path: Path) -> None:
    perf = {
        ("openai/gpt-4.1-mini", "itinerary_draft"): Perf(0.90),
        ("anthropic/claude-haiku-4-5", "itinerary_draft"): Perf(0.70),
        ("anthropic/claude-sonnet-4-6", "itinerary_draft"): Perf(0.95),
    }
    sel = selector(tmp_path)
    rich = sel.select("itinerary_draft", RouteRequest(prompt="Plan"), Budget(0.9), performance=perf)
    assert rich.model == "anthropic/claude-sonnet-4-6" and not rich.downgraded
    poor = sel.select("itinerary_draft", RouteRequest(prompt="Plan"), Budget(0.1), performance=perf)
    assert poor.model == "openai/gpt-4.1-mini" and poor.downgraded and poor.source == "downgrade"
    assert "budget low" in poor.reason and "≥ 0.85" in poor.reason


def test_low_budget_without_measurements_keeps_the_choice_and_says_so(tmp_path: Path) -> None:
    d = selector(tmp_path).select("itinerary_draft", RouteRequest(prompt="Plan"), Budget(0.05))
    assert d.model == "anthropic/claude-sonnet-4-6" and not d.downgraded
    assert "no downgrade" in d.reason


def test_tools_needed_skip_models_without_tools(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text(
        "models:\n  providers:\n    lab:\n      kind: openai_compatible\n      api_base: http://127.0.0.1:9/v1\n"
        "      models: [{name: tiny, capabilities: []}, {name: big, capabilities: [tools]}]\n"
    )
    settings = load_settings(path, environ={})
    d = Selector(settings, Registry.from_settings(settings)).select(
        "general", RouteRequest(prompt="hi", needs=frozenset({"tools"}))
    )
    assert d.model == "lab/big" and "lacks tools" in d.skipped["lab/tiny"]


def test_unknown_task_lists_known_tasks(tmp_path: Path) -> None:
    with pytest.raises(RoutingError, match=r"Unknown task type 'nope'.*itinerary_draft.*routing.task_types"):
        selector(tmp_path).select("nope", RouteRequest(prompt="x"))
