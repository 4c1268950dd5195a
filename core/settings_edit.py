"""Changing the routing from a form: routing rules saved into the YAML configuration file, and a user's model
preferences saved into the warehouse. Both validate first and say, field by field, what is wrong.

Rules are written into ``settings.source`` in place: only the ``routing.rules`` entry changes (the rest of the
file, comments included, stays as it was). The new file is loaded with ``load_settings`` before it replaces
the old one, which is kept as ``<file>.bak``::

    saved = save_routing_rules(settings, [{"name": "visa", "keywords": ["visa"], "model": "claude-sonnet-4-6"}])
    saved.settings.routing.rules                  # reloaded from the file
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from core.config import RoutingRule, Settings, load_settings, resolve_model_ref
from core.errors import ConfigError, ValidationError
from core.models import Registry
from core.routing import UserPreferences
from core.warehouse import Warehouse

__all__ = [
    "SavedConfig",
    "SettingsInvalid",
    "check_preferences",
    "check_rules",
    "rules_as_dicts",
    "save_preferences",
    "save_routing_rules",
]


class SettingsInvalid(ValidationError):
    """What a form asked for is invalid. ``problems`` maps each field ("rules.0.model", "preferred_model") to
    why, so a page can show each message beside its field."""

    def __init__(self, message: str, *, problems: dict[str, str], hint: str = "") -> None:
        self.problems = problems
        super().__init__(message, hint=hint)


def _invalid(what: str, problems: dict[str, str], hint: str = "") -> SettingsInvalid:
    lines = "\n".join(f"  - {field}: {why}" for field, why in problems.items())
    return SettingsInvalid(f"{what} ({len(problems)} problem(s)):\n{lines}", problems=problems, hint=hint)


def _pydantic_problems(error: PydanticValidationError, prefix: str, empty: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in error.errors():
        loc = ".".join(str(p) for p in item["loc"] if not str(p).startswith("function-"))
        msg = str(item["msg"]).removeprefix("Value error, ")
        out[f"{prefix}{loc or empty}"] = msg
    return out


# ----------------------------------------------------------------------------------------------------------
# Routing rules
# ----------------------------------------------------------------------------------------------------------


def rules_as_dicts(settings: Settings) -> list[dict[str, Any]]:
    """The configured rules as plain data (what the form starts from)."""
    return [rule.model_dump() for rule in settings.routing.rules]


def check_rules(settings: Settings, rules: Sequence[Mapping[str, Any]]) -> list[RoutingRule]:
    """Validate rules as the form gives them. Raises ``SettingsInvalid`` with problems keyed
    ``rules.<i>.<field>`` (``rules.<i>`` for a rule that matches on nothing)."""
    problems: dict[str, str] = {}
    parsed: list[RoutingRule] = []
    known_tasks = {*settings.routing.task_types, settings.routing.default_task}
    seen: dict[str, int] = {}
    for i, raw in enumerate(rules):
        try:
            rule = RoutingRule.model_validate(dict(raw))
        except PydanticValidationError as e:
            problems.update(_pydantic_problems(e, f"rules.{i}.", "").items())
            continue
        try:
            resolve_model_ref(settings, rule.model)
        except ConfigError as e:
            problems[f"rules.{i}.model"] = e.message
        unknown = [t for t in rule.tasks if t not in known_tasks]
        if unknown:
            problems[f"rules.{i}.tasks"] = (
                f"unknown task type(s) {', '.join(unknown)}; known: {', '.join(sorted(known_tasks))}"
            )
        if rule.name in seen:
            problems[f"rules.{i}.name"] = f"rule {seen[rule.name] + 1} already has this name"
        seen.setdefault(rule.name, i)
        parsed.append(rule)
    problems = {k.rstrip("."): v for k, v in problems.items()}
    if problems:
        raise _invalid(
            "The routing rules were not saved",
            problems,
            hint="Fix the fields named above; a rule needs a name, a model, and tasks or keywords.",
        )
    return parsed


class SavedConfig(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    path: Path
    backup: Path
    settings: Settings  # reloaded from ``path``
    comments_kept: bool  # False when the file had to be rewritten whole (a flow-style ``routing:``)


def _flow(rule: RoutingRule) -> str:
    data = {k: v for k, v in rule.model_dump().items() if v != []}
    return yaml.safe_dump(
        data, default_flow_style=True, sort_keys=False, width=1_000_000, allow_unicode=True
    ).strip()


def _rules_lines(rules: Sequence[RoutingRule], indent: str) -> list[str]:
    if not rules:
        return [f"{indent}rules: []\n"]
    return [f"{indent}rules:\n", *(f"{indent}  - {_flow(rule)}\n" for rule in rules)]


_TOP_ROUTING = re.compile(r"^routing[ \t]*:[ \t]*(#.*)?$")
_TOP_KEY = re.compile(r"^[^\s#]")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _meaningful(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _replace_rules(text: str, rules: Sequence[RoutingRule]) -> tuple[str, bool]:
    """``text`` with ``routing.rules`` replaced by ``rules``; True when only that entry changed."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if _TOP_ROUTING.match(line.rstrip("\n"))), None)
    if start is None:
        if any(re.match(r"^routing[ \t]*:", line) for line in lines):
            return _rewrite(text, rules), False  # routing: {...} or routing: null
        block = ["\n", "routing:\n", *_rules_lines(rules, "  ")]
        return "".join(lines + block), True
    end = next((j for j in range(start + 1, len(lines)) if _TOP_KEY.match(lines[j])), len(lines))
    body = [j for j in range(start + 1, end) if _meaningful(lines[j])]
    if not body:
        return "".join([*lines[: start + 1], *_rules_lines(rules, "  "), *lines[start + 1 :]]), True
    child = _indent(lines[body[0]])
    pad = " " * child
    key = re.compile(rf"^{pad}rules[ \t]*:(.*)$")
    at = next((j for j in body if key.match(lines[j].rstrip("\n"))), None)
    if at is None:  # no rules yet: add them after the routing block's last line
        last = body[-1]
        while last + 1 < end and _meaningful(lines[last + 1]):
            last += 1
        return "".join([*lines[: last + 1], *_rules_lines(rules, pad), *lines[last + 1 :]]), True
    match = key.match(lines[at].rstrip("\n"))
    assert match is not None
    inline = re.sub(r"\s+#.*$", "", match.group(1)).strip()
    stop = at + 1
    if inline:  # a flow sequence, maybe over several lines: take lines until the brackets balance
        depth = inline.count("[") - inline.count("]") + inline.count("{") - inline.count("}")
        while depth > 0 and stop < end:
            chunk = re.sub(r"\s+#.*$", "", lines[stop])
            depth += chunk.count("[") - chunk.count("]") + chunk.count("{") - chunk.count("}")
            stop += 1
    else:  # a block sequence: deeper lines, and "- " items at the key's own indentation
        last = at
        j = at + 1
        while j < end:
            line = lines[j]
            if not line.strip():
                j += 1
                continue
            deeper = _indent(line) > child
            item = _indent(line) == child and line.lstrip().startswith("- ")
            if not (deeper or item):
                break
            last = j
            j += 1
        stop = last + 1
    return "".join([*lines[:at], *_rules_lines(rules, pad), *lines[stop:]]), True


def _rewrite(text: str, rules: Sequence[RoutingRule]) -> str:
    data: dict[str, Any] = yaml.safe_load(text) or {}
    routing: dict[str, Any] = data.get("routing") or {}
    routing["rules"] = [{k: v for k, v in r.model_dump().items() if v != []} for r in rules]
    data["routing"] = routing
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def save_routing_rules(settings: Settings, rules: Sequence[Mapping[str, Any]]) -> SavedConfig:
    """Validate ``rules``, write them into the configuration file, check the file loads, keep a backup.

    Raises ``SettingsInvalid`` (field problems; nothing written) or ``ConfigError`` (no file to write, or
    the result would not load; nothing written)."""
    source = settings.source
    if source is None:
        raise ConfigError(
            "TravelOps runs on built-in defaults (no configuration file), so there is nowhere to save "
            "routing rules.",
            hint="Fix: copy config/travelops.yml, point TRAVELOPS_CONFIG at it, and restart the app.",
        )
    parsed = check_rules(settings, rules)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(
            f"Could not read the configuration file {source}: {e.strerror or e}.",
            hint="Fix: check that the file exists and is readable.",
        ) from e
    new_text, kept = _replace_rules(text, parsed)
    tmp = source.with_name(f".{source.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(new_text, encoding="utf-8")
        try:
            candidate = load_settings(tmp)
        except ConfigError as e:
            raise ConfigError(
                f"The routing rules were not saved: {source} would not load with them.\n{e}",
                hint="Fix: correct the file by hand (it was left unchanged).",
            ) from e
        if list(candidate.routing.rules) != parsed:
            raise ConfigError(
                f"The routing rules were not saved: could not place them in {source} (its routing: section "
                "has a layout this editor does not understand).",
                hint="Fix: edit routing.rules in the file by hand.",
            )
        backup = source.with_name(source.name + ".bak")
        shutil.copy2(source, backup)
        os.replace(tmp, source)
    except OSError as e:
        raise ConfigError(
            f"Could not write the configuration file {source}: {e.strerror or e}.",
            hint="Fix: check that its folder is writable.",
        ) from e
    finally:
        tmp.unlink(missing_ok=True)
    return SavedConfig(path=source, backup=backup, settings=load_settings(source), comments_kept=kept)


# ----------------------------------------------------------------------------------------------------------
# User preferences
# ----------------------------------------------------------------------------------------------------------


def check_preferences(
    registry: Registry,
    *,
    user_id: str,
    preferred_model: str | None = None,
    cost_threshold: float | None = None,
    performance_preference: str = "quality",
    fallback_models: Sequence[str] = (),
) -> UserPreferences:
    """Validate a preferences form; model references become canonical ids. Raises ``SettingsInvalid``."""
    problems: dict[str, str] = {}
    user_id = user_id.strip()
    if not user_id:
        problems["user_id"] = "give the user id the preferences are for (as usage rows record it)"

    def canonical(ref: str, field: str) -> str | None:
        info = registry.find(ref)
        if info is None:
            problems[field] = (
                f"unknown model {ref!r}; known: {', '.join(sorted(m.id for m in registry.models))}"
            )
            return None
        return info.id

    preferred = canonical(preferred_model, "preferred_model") if preferred_model else None
    fallbacks = [m for m in (canonical(f, "fallback_models") for f in fallback_models) if m is not None]
    if preferred is not None and preferred in fallbacks:
        problems["fallback_models"] = f"{preferred} is already the preferred model"
    prefs: UserPreferences | None = None
    try:
        prefs = UserPreferences.model_validate(
            {
                "user_id": user_id or "?",
                "preferred_model": preferred,
                "cost_threshold": cost_threshold,
                "performance_preference": performance_preference,
                "fallback_models": fallbacks,
            }
        )
    except PydanticValidationError as e:
        problems.update(_pydantic_problems(e, "", "preferences"))
    if problems or prefs is None:
        raise _invalid(f"The preferences of {user_id or '(no user)'} were not saved", problems)
    return prefs


def save_preferences(
    warehouse: Warehouse,
    registry: Registry,
    *,
    user_id: str,
    preferred_model: str | None = None,
    cost_threshold: float | None = None,
    performance_preference: str = "quality",
    fallback_models: Sequence[str] = (),
) -> UserPreferences:
    """Validate and store a user's preferences (replacing earlier ones); returns them as stored."""
    prefs = check_preferences(
        registry,
        user_id=user_id,
        preferred_model=preferred_model,
        cost_threshold=cost_threshold,
        performance_preference=performance_preference,
        fallback_models=fallback_models,
    )
    warehouse.set_preferences(prefs)
    stored = warehouse.get_preferences(prefs.user_id)
    assert stored is not None
    return stored
