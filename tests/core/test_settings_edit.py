"""Routing rules saved into the real config file (checked by loading it), and preferences into the warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import RoutingRule, load_settings
from core.errors import ConfigError
from core.models import Registry
from core.settings_edit import SettingsInvalid, check_rules, save_preferences, save_routing_rules
from core.warehouse import Warehouse

REPO_CONFIG = Path(__file__).parents[2] / "config" / "travelops.yml"
VISA = {"name": "visa questions", "keywords": ["visa", "passport"], "model": "claude-sonnet-4-6"}


def copy_config(tmp_path: Path, text: str | None = None) -> Path:
    config = tmp_path / "travelops.yml"
    config.write_text(text if text is not None else REPO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    return config


def test_saving_rules_changes_only_the_rules_keeps_a_backup_and_reloads(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    original = config.read_text(encoding="utf-8")
    settings = load_settings(config, environ={})

    saved = save_routing_rules(
        settings, [VISA, {"name": "proposals", "tasks": ["proposal"], "model": "gpt-4.1"}]
    )

    assert saved.comments_kept and saved.backup.read_text(encoding="utf-8") == original
    assert [r.name for r in saved.settings.routing.rules] == ["visa questions", "proposals"]
    assert saved.settings.routing.rules[0] == RoutingRule(**VISA)
    text = config.read_text(encoding="utf-8")
    assert (
        text.replace(
            "  rules:\n    - {name: visa questions, keywords: [visa, passport], model: claude-sonnet-4-6}\n"
            "    - {name: proposals, tasks: [proposal], model: gpt-4.1}\n",
            "  rules: []\n",
        )
        == original
    )  # every other line, comments included, is as it was

    again = save_routing_rules(saved.settings, [])
    assert again.settings.routing.rules == [] and config.read_text(encoding="utf-8") == original


def test_invalid_rules_are_reported_by_field_and_nothing_is_written(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    original = config.read_text(encoding="utf-8")
    settings = load_settings(config, environ={})
    rules = [
        {"name": "nothing to match", "model": "gpt-4.1"},
        {"name": "dup", "tasks": ["no_such_task"], "model": "gpt-9"},
        {"name": "dup", "keywords": ["x"], "model": "gpt-4.1"},
        {"name": "", "keywords": ["y"], "model": "gpt-4.1"},
    ]
    with pytest.raises(SettingsInvalid) as caught:
        save_routing_rules(settings, rules)

    problems = caught.value.problems
    assert "needs 'tasks' or 'keywords'" in problems["rules.0"]
    assert "Unknown model 'gpt-9'" in problems["rules.1.model"]
    assert "no_such_task" in problems["rules.1.tasks"]
    assert problems["rules.2.name"] == "rule 2 already has this name"
    assert "rules.3.name" in problems
    assert config.read_text(encoding="utf-8") == original
    assert not config.with_name("travelops.yml.bak").exists()


@pytest.mark.parametrize(
    ("before", "kept"),
    [
        ("models: {}\n", True),  # no routing section: one is added
        ("routing:\n  default_task: general\n", True),  # no rules yet: added under routing
        (
            "routing:\n  rules:\n  - name: old\n    keywords: [x]\n    model: offline/drafter\n  # note\nother: 1\n",
            True,
        ),  # a block sequence at the key's indentation, then a comment that stays
        ("routing: {default_task: general}\n", False),  # flow style: the file is rewritten whole
    ],
)
def test_rules_are_placed_whatever_the_routing_section_looks_like(
    tmp_path: Path, before: str, kept: bool
) -> None:
    config = copy_config(tmp_path, before.replace("other: 1\n", ""))
    settings = load_settings(config, environ={})
    rule = {"name": "drafts", "keywords": ["draft"], "model": "offline/drafter"}
    saved = save_routing_rules(settings, [rule])
    assert saved.comments_kept is kept
    assert saved.settings.routing.rules == [RoutingRule(**rule)]
    if "# note" in before:
        assert "  # note\n" in config.read_text(encoding="utf-8")


def test_without_a_config_file_there_is_nowhere_to_save_and_the_error_says_what_to_do(tmp_path: Path) -> None:
    settings = load_settings(None, environ={})
    assert settings.source is None
    with pytest.raises(ConfigError, match="TRAVELOPS_CONFIG"):
        save_routing_rules(settings, [VISA])


def test_a_file_that_would_not_load_is_left_alone(tmp_path: Path) -> None:
    config = copy_config(tmp_path)
    settings = load_settings(config, environ={})
    broken = config.read_text(encoding="utf-8").replace(
        "cost_optimization:", "cost_optimization:\n  colour: red"
    )
    config.write_text(broken, encoding="utf-8")  # someone edited the file since it was loaded
    with pytest.raises(ConfigError, match="would not load"):
        save_routing_rules(settings, [VISA])
    assert config.read_text(encoding="utf-8") == broken
    assert list(tmp_path.glob(".*.tmp")) == []


def test_check_rules_accepts_the_configured_rules_as_they_are(tmp_path: Path) -> None:
    settings = load_settings(copy_config(tmp_path), environ={})
    assert check_rules(settings, [VISA]) == [RoutingRule(**VISA)]


def test_preferences_are_validated_by_field_then_stored_with_canonical_model_ids(tmp_path: Path) -> None:
    settings = load_settings(copy_config(tmp_path), environ={})
    registry = Registry.from_settings(settings)
    warehouse = Warehouse(tmp_path / "data")
    with pytest.raises(SettingsInvalid) as caught:
        save_preferences(
            warehouse,
            registry,
            user_id=" ",
            preferred_model="gpt-9",
            cost_threshold=-1,
            fallback_models=["x/y"],
        )
    assert set(caught.value.problems) == {"user_id", "preferred_model", "fallback_models", "cost_threshold"}
    assert warehouse.get_preferences("maria") is None

    stored = save_preferences(
        warehouse,
        registry,
        user_id="maria",
        preferred_model="claude-haiku-4-5",
        performance_preference="cost",
        fallback_models=["gpt-4.1-mini"],
        cost_threshold=0.05,
    )
    assert stored.preferred_model == "anthropic/claude-haiku-4-5"
    assert stored.fallback_models == ["openai/gpt-4.1-mini"]
    assert (stored.performance_preference, stored.cost_threshold) == ("cost", 0.05)
    warehouse.close()
