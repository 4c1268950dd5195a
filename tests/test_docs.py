"""Docs that cannot drift: every configuration key and every CLI command is in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from core.cli import app
from core.config import Settings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
INTERNAL = {"source", "notices", "disabled_reason"}


def settings_keys(model: type[BaseModel] = Settings, depth: int = 0) -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if name in INTERNAL:
            continue
        keys.append(name)
        ann = field.annotation
        if depth == 0 and isinstance(ann, type) and issubclass(ann, BaseModel):
            keys.extend(settings_keys(ann, depth + 1))
    return keys


@pytest.mark.parametrize("key", settings_keys())
def test_every_configuration_key_is_documented(key: str) -> None:
    assert f"`{key}`" in README or f"{key}`" in README or f".{key}" in README, (
        f"README does not document '{key}'"
    )


def commands() -> list[str]:
    out = []
    for info in app.registered_commands:
        out.append(info.name or info.callback.__name__)  # type: ignore[union-attr]
    for group in app.registered_groups:
        for info in group.typer_instance.registered_commands:  # type: ignore[union-attr]
            out.append(f"{group.name} {info.name}")
    return out


@pytest.mark.parametrize("command", commands())
def test_every_cli_command_is_documented(command: str) -> None:
    assert f"travelops {command}" in README, f"README does not document 'travelops {command}'"


def test_readme_quickstart_is_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
