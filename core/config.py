"""Configuration: one loader, one typed Settings object, errors that name file, key path, value and fix.

Lookup order for the file: explicit path (``--config``) > ``TRAVELOPS_CONFIG`` > ``config/travelops.yml`` found by
walking up from the working directory > built-in defaults (no file). Relative paths inside a file resolve against
the file's own directory. ``TRAVELOPS_DATA_DIR`` overrides ``data_dir``.

Strings may use ``${VAR}`` and ``${VAR:-default}``. A provider whose ``api_key`` names an unset variable is disabled
with a notice (so the app runs with no keys); an unset variable anywhere else is an error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeGuard, cast, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from core._validation import problems as validation_problems
from core.errors import ConfigError

__all__ = [
    "OFFLINE_PROVIDER",
    "BudgetLimits",
    "CacheConfig",
    "CostOptimization",
    "GatewayConfig",
    "McpConfig",
    "McpServerConfig",
    "McpToolPolicy",
    "ModelSpec",
    "ModelsConfig",
    "ProviderConfig",
    "RateLimits",
    "RouterConfig",
    "RoutingConfig",
    "RoutingRule",
    "Settings",
    "TaskTypeConfig",
    "WarehouseConfig",
    "WorkflowConfig",
    "find_config_file",
    "load_settings",
]

OFFLINE_PROVIDER = "offline"
PROVIDER_KINDS = ("anthropic", "openai", "ollama", "openai_compatible", "offline")
ProviderKind = Literal["anthropic", "openai", "ollama", "openai_compatible", "offline"]
NonNegFloat = Annotated[float, Field(ge=0)]
PosInt = Annotated[int, Field(ge=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimits(_Strict):
    requests_per_minute: PosInt | None = None
    tokens_per_minute: PosInt | None = None


class ModelSpec(_Strict):
    """One model of a provider. In YAML a bare string is shorthand for ``{name: <string>}``."""

    name: str = Field(min_length=1)
    input_cost_per_token: NonNegFloat | None = None
    output_cost_per_token: NonNegFloat | None = None
    cache_read_cost_per_token: NonNegFloat | None = None
    cache_write_cost_per_token: NonNegFloat | None = None
    context_window: PosInt | None = None
    max_output_tokens: PosInt | None = None
    capabilities: list[Literal["tools", "json", "vision", "long_context", "streaming"]] | None = None
    rate_limits: RateLimits | None = None


class ProviderConfig(_Strict):
    kind: ProviderKind | None = None
    api_key: SecretStr | None = None
    api_base: str | None = None
    models: list[ModelSpec] = Field(default_factory=list[ModelSpec])
    rate_limits: RateLimits = RateLimits()
    timeout_s: Annotated[float, Field(gt=0)] = 60.0
    enabled: bool = True
    # Filled by the loader, never by the file: why the provider is disabled ("ANTHROPIC_API_KEY is not set").
    disabled_reason: str | None = None

    @field_validator("models", mode="before")
    @classmethod
    def _bare_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in cast("list[object]", value)]
        return value

    @field_validator("api_base")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL, e.g. http://127.0.0.1:11434")
        return value


class ModelsConfig(_Strict):
    providers: dict[str, ProviderConfig] = Field(default_factory=dict)


class WorkflowConfig(_Strict):
    steps: PosInt = 12
    default_model: str | None = None
    complex_tasks_model: str | None = None
    fallback_model: str | None = None


class TaskTypeConfig(_Strict):
    complexity: Literal["routine", "complex", "auto"] = "auto"
    workflow: str = "travel_planning"
    model: str | None = None
    max_output_tokens: PosInt = 1024


class RoutingRule(_Strict):
    name: str = Field(min_length=1)
    tasks: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    model: str

    @model_validator(mode="after")
    def _matches_something(self) -> RoutingRule:
        if not self.tasks and not self.keywords:
            raise ValueError("a routing rule needs 'tasks' or 'keywords' (or both) to match on")
        return self


class RouterConfig(_Strict):
    """A learned router for one task type (or "*"): score >= threshold -> ``strong``, else ``weak``.

    Give ``threshold`` (a router score in [0, 1]) or ``strong_share`` (the share of strong calls wanted; the
    threshold is read off the score distribution saved with the router), not both. ``model`` is a router file
    from ``travelops router train``; a relative path resolves against the config file's folder.
    ``budget_pressure`` (k) raises the threshold as the day's budget is spent:
    threshold + (1 - threshold) * spent_share * k, never above the quality floor (see core.routing).
    """

    model: Path
    strong: str = Field(min_length=1)
    weak: str = Field(min_length=1)
    threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    strong_share: Annotated[float, Field(ge=0, le=1)] | None = None
    budget_pressure: NonNegFloat = 1.0

    @model_validator(mode="after")
    def _threshold_or_share(self) -> RouterConfig:
        if (self.threshold is None) == (self.strong_share is None):
            raise ValueError(
                "a router needs exactly one of 'threshold' (e.g. 0.3) or 'strong_share' (e.g. 0.3 = 30% strong calls)"
            )
        return self


class RoutingConfig(_Strict):
    default_task: str = "general"
    task_types: dict[str, TaskTypeConfig] = Field(default_factory=dict)
    rules: list[RoutingRule] = Field(default_factory=list[RoutingRule])
    complexity_estimator: str = "heuristic"
    complex_threshold: Annotated[float, Field(ge=0, le=1)] = 0.6
    low_budget_share: Annotated[float, Field(ge=0, le=1)] = 0.2
    # task type or "*" (every task without its own) -> learned router; see RouterConfig.
    routers: dict[str, RouterConfig] = Field(default_factory=dict)


class BudgetLimits(_Strict):
    daily_limit: NonNegFloat | None = None
    monthly_limit: NonNegFloat | None = None


class CostOptimization(_Strict):
    budget_alerts: bool = True
    daily_limit: NonNegFloat | None = None
    monthly_limit: NonNegFloat | None = None
    auto_downgrade: bool = True
    quality_threshold: Annotated[float, Field(ge=0, le=1)] = 0.85
    alert_thresholds: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=lambda: [0.5, 0.8, 1.0]
    )
    users: dict[str, BudgetLimits] = Field(default_factory=dict)


class CacheTier(_Strict):
    ttl_s: Annotated[float, Field(gt=0)]
    max_mb: Annotated[float, Field(gt=0)]
    enabled: bool = True


class CacheConfig(_Strict):
    responses: CacheTier = CacheTier(ttl_s=3600, max_mb=100)
    context: CacheTier = CacheTier(ttl_s=86400, max_mb=50)
    metadata: CacheTier = CacheTier(ttl_s=900, max_mb=10)


class GatewayConfig(_Strict):
    num_retries: Annotated[int, Field(ge=0, le=10)] = 1
    timeout_s: Annotated[float, Field(gt=0)] = 60.0
    retry_after_s: NonNegFloat = 0.0
    cooldown_s: NonNegFloat = 30.0
    allowed_fails: Annotated[int, Field(ge=0)] = 3
    max_fallbacks: Annotated[int, Field(ge=0)] = 3


class WarehouseConfig(_Strict):
    store_prompts: bool = False
    lock_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    seal_interval_s: Annotated[float, Field(gt=0)] = 1.0


class McpToolPolicy(_Strict):
    """Overrides of what a server's tool annotations say, for servers that don't annotate honestly."""

    read_only: bool | None = None
    idempotent: bool | None = None
    cache_ttl_s: NonNegFloat | None = None


class McpServerConfig(_Strict):
    """One MCP server: stdio (command/args/env/cwd) or HTTP (url/headers), with one or more instances.

    stdio: ``instances`` identical processes. HTTP: one instance per entry of ``urls`` (or ``url``).
    """

    transport: Literal["stdio", "http"] | None = None  # inferred: url/urls -> http, command -> stdio
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    urls: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)
    instances: Annotated[int, Field(ge=1, le=16)] = 1
    timeout_s: Annotated[float, Field(gt=0)] = 10.0
    start_timeout_s: Annotated[float, Field(gt=0)] = 15.0
    health_interval_s: Annotated[float, Field(gt=0)] = 15.0
    cache_ttl_s: NonNegFloat = 300.0
    tools: dict[str, McpToolPolicy] = Field(default_factory=dict)
    enabled: bool = True
    disabled_reason: str | None = None  # filled by the loader when a variable it uses is unset

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        kind = self.kind
        if kind == "stdio" and not self.command:
            raise ValueError(
                "a stdio MCP server needs 'command' (e.g. command: uvx, args: [mcp-server-time])"
            )
        if kind == "http" and not (self.url or self.urls):
            raise ValueError("an HTTP MCP server needs 'url' (e.g. url: http://127.0.0.1:8765/mcp)")
        for u in [*([self.url] if self.url else []), *self.urls]:
            if not re.match(r"^https?://[^\s/]+", u):
                raise ValueError(f"'{u}' is not an http:// or https:// URL")
        return self

    @property
    def kind(self) -> Literal["stdio", "http"]:
        if self.transport is not None:
            return self.transport
        return "http" if (self.url or self.urls) else "stdio"


class McpConfig(_Strict):
    servers: dict[str, McpServerConfig] = Field(default_factory=dict)


class Settings(_Strict):
    """The whole effective configuration. Frozen: build a new one to change it."""

    data_dir: Path = Path("data")
    models: ModelsConfig = ModelsConfig()
    workflows: dict[str, WorkflowConfig] = Field(default_factory=dict)
    cost_optimization: CostOptimization = CostOptimization()
    routing: RoutingConfig = RoutingConfig()
    cache: CacheConfig = CacheConfig()
    gateway: GatewayConfig = GatewayConfig()
    warehouse: WarehouseConfig = WarehouseConfig()
    mcp: McpConfig = McpConfig()
    # Where the settings came from and what the loader noticed (disabled providers, ...). Not read from the file.
    source: Path | None = None
    notices: tuple[str, ...] = ()

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def budget_path(self) -> Path:
        return self.data_dir / "budget.db"

    @property
    def travel_db_path(self) -> Path:
        return self.data_dir / "travel.db"

    def provider_kind(self, name: str) -> ProviderKind:
        """The kind of a configured provider: explicit ``kind``, else its name if that is a kind."""
        cfg = self.models.providers.get(name)
        if cfg is not None and cfg.kind is not None:
            return cfg.kind
        if name in PROVIDER_KINDS:
            return name  # type: ignore[return-value]
        return "openai_compatible"

    def masked(self) -> dict[str, Any]:
        """The effective configuration as plain data with every secret masked (for `config check`)."""
        data = self.model_dump(mode="json", exclude={"source", "notices"})
        for name, provider in data["models"]["providers"].items():
            key = self.models.providers[name].api_key
            provider["api_key"] = _mask(key.get_secret_value()) if key else None
        return data


def _mask(secret: str) -> str:
    return "****" if len(secret) < 12 else f"{secret[:3]}…{secret[-2:]} (masked)"


# --------------------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------------------

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def find_config_file(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to load, or None for built-in defaults."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("TRAVELOPS_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / "config" / "travelops.yml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load, interpolate and validate the configuration. Raises ``ConfigError`` naming file, key, value and fix."""
    env = os.environ if environ is None else environ
    file = find_config_file(path) if environ is None else (Path(path) if path else None)
    raw: dict[str, Any] = {}
    where = str(file) if file else "<built-in defaults>"
    if file is not None:
        raw = _read_yaml(file)
    notices: list[str] = []
    problems: list[str] = []
    unset: dict[tuple[str, ...], str] = {}  # key path -> the unset variable it names
    raw = _interpolate(raw, (), env, where, unset)
    _disable_or_complain(raw, unset, where, notices, problems)
    base = file.parent if file is not None else Path.cwd()
    if isinstance(raw.get("data_dir"), str):
        raw["data_dir"] = str((base / raw["data_dir"]).resolve())
    elif "data_dir" not in raw:
        raw["data_dir"] = str((Path.cwd() / "data").resolve())
    if env.get("TRAVELOPS_DATA_DIR"):
        raw["data_dir"] = str(Path(env["TRAVELOPS_DATA_DIR"]).resolve())

    for key in ("source", "notices"):
        if key in raw:
            problems.append(f"{where}: '{key}' is set by TravelOps itself. Fix: remove it from the file.")
    settings: Settings | None = None
    try:
        settings = Settings.model_validate({**raw, "source": file, "notices": tuple(notices)})
    except PydanticValidationError as e:
        problems.extend(_explain(e, where, skip={".".join(path) for path in unset}))
    if problems or settings is None:
        raise ConfigError(f"Configuration {where} has {len(problems)} problem(s):", problems=problems)
    settings = _with_builtin_offline(settings)
    _check_references(settings, where)
    return settings


def _read_yaml(file: Path) -> dict[str, Any]:
    if not file.is_file():
        raise ConfigError(
            f"Configuration file {file} does not exist.",
            hint="Fix: create it (copy config/travelops.yml) or point TRAVELOPS_CONFIG / --config at an existing file.",
        )
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(
            f"Configuration file {file} is not valid YAML{at}: {problem}.",
            hint="Fix: check the indentation and quoting on that line (tabs are not allowed; quote values with ':').",
        ) from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"Configuration file {file} must hold a mapping of keys (models:, workflows:, ...), "
            f"not a {type(data).__name__}.",
            hint="Fix: start the file with top-level keys such as 'models:'.",
        )
    return cast("dict[str, Any]", data)


def _interpolate(
    value: Any, path: tuple[str, ...], env: Mapping[str, str], where: str, unset: dict[tuple[str, ...], str]
) -> Any:
    """Replace ${VAR} / ${VAR:-default}; record (path -> VAR) for each unset variable and leave None there."""
    if isinstance(value, dict):
        items = cast("dict[object, object]", value).items()
        return {str(k): _interpolate(v, (*path, str(k)), env, where, unset) for k, v in items}
    if isinstance(value, list):
        values = cast("list[object]", value)
        return [_interpolate(v, (*path, str(i)), env, where, unset) for i, v in enumerate(values)]
    if not isinstance(value, str) or "${" not in value:
        return value
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    result = _VAR.sub(sub, value)
    if missing:
        unset[path] = missing[0]
        return None
    return _coerce_scalar(result) if _VAR.fullmatch(value) else result


def _disable_or_complain(
    raw: dict[str, Any],
    unset: dict[tuple[str, ...], str],
    where: str,
    notices: list[str],
    problems: list[str],
) -> None:
    """A provider's api_key, or anything of an MCP server, naming an unset variable disables that provider or
    server with a notice (the app must run with no keys); an unset variable anywhere else is a problem."""
    for path, var in unset.items():
        if len(path) == 4 and path[:2] == ("models", "providers") and path[3] == "api_key":
            cfg = raw["models"]["providers"][path[2]]
            cfg.update(api_key=None, enabled=False, disabled_reason=f"{var} is not set")
            notices.append(
                f"Provider '{path[2]}' is disabled: {var} is not set. "
                f"Export {var} (or set models.providers.{path[2]}.api_key) to enable it."
            )
        elif len(path) >= 4 and path[:2] == ("mcp", "servers"):
            cfg = raw["mcp"]["servers"][path[2]]
            if "disabled_reason" not in cfg:
                cfg.update(enabled=False, disabled_reason=f"{var} is not set")
                notices.append(
                    f"MCP server '{path[2]}' is disabled: {var} (used at {'.'.join(path)}) is not set. "
                    f"Export {var} to enable it."
                )
            _set(cfg, path[3:], "")
        else:
            problems.append(
                f"{where}: {'.'.join(path)} uses ${{{var}}}, which is not set. "
                f"Fix: export {var}=..., or give a default: ${{{var}:-value}}."
            )


def _set(tree: Any, path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        tree = _child(tree, part)
    if isinstance(tree, list):
        tree[int(path[-1])] = value
    else:
        tree[path[-1]] = value


def _child(tree: Any, part: str) -> Any:
    return cast("list[Any]", tree)[int(part)] if isinstance(tree, list) else tree[part]


def _coerce_scalar(text: str) -> Any:
    """A whole-value substitution like ``${LIMIT}`` reads as YAML would have read the literal."""
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return parsed if isinstance(parsed, (int, float, bool)) else text


_HINTS = {
    "extra_forbidden": "remove it or fix its spelling",
    "missing": "add it",
    "float_parsing": "write a plain number without quotes, e.g. 50.0",
    "float_type": "write a plain number, e.g. 50.0",
    "int_parsing": "write a whole number without quotes, e.g. 1000",
    "int_type": "write a whole number, e.g. 1000",
    "int_from_float": "write a whole number, e.g. 1000",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "greater_than_equal": "use a value that is not negative",
    "greater_than": "use a value above zero",
    "less_than_equal": "use a smaller value",
    "literal_error": "use one of the allowed values",
    "dict_type": "write a mapping (key: value lines indented below it)",
    "list_type": "write a list ([a, b] or '- a' lines)",
    "string_type": "write text",
    "value_error": "correct the value",
}


def _explain(error: PydanticValidationError, where: str, *, skip: set[str]) -> list[str]:
    """Each validation error as one line; keys in ``skip`` were already reported (an unset variable)."""

    def fix_for(kind: str, field: str, message: str) -> str | None:
        if kind != "extra_forbidden":
            return None
        known = _known_keys(field.split(".")[:-1])
        return _HINTS[kind] + (f"; known keys here: {', '.join(known)}" if known else "")

    found = validation_problems(
        error, root="(top level)", fixes=_HINTS, fix_for=fix_for, unknown="(unknown key)"
    )
    return [f"{where}: {p.line()}" for p in found if p.field not in skip]


def _known_keys(loc: list[str]) -> list[str]:
    """The keys allowed at a location of the file, for 'unknown key' messages."""
    target: Any = Settings
    for part in loc:
        target = _unwrap(target)
        if isinstance(target, type) and issubclass(target, BaseModel):
            field = target.model_fields.get(part)
            if field is None:
                return []
            target = field.annotation
        elif get_origin(target) in (dict, list):
            target = get_args(target)[-1]
        else:
            return []
    target = _unwrap(target)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return sorted(k for k in target.model_fields if k not in ("source", "notices", "disabled_reason"))
    return []


def _unwrap(annotation: Any) -> Any:
    """``M | None`` and ``Annotated[M, ...]`` -> M (the part that has keys below it)."""
    if get_origin(annotation) in (dict, list):
        return annotation
    args: tuple[object, ...] = getattr(annotation, "__args__", ())  # Annotated[M, ...].__args__ is (M,)
    for arg in args:
        if _is_model_class(arg) or get_origin(arg) in (dict, list):
            return arg
    return annotation


def _is_model_class(annotation: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _with_builtin_offline(settings: Settings) -> Settings:
    """The offline drafter is always configured (disable it with models.providers.offline.enabled: false)."""
    providers = dict(settings.models.providers)
    if OFFLINE_PROVIDER not in providers:
        providers[OFFLINE_PROVIDER] = ProviderConfig(kind="offline", models=[ModelSpec(name="drafter")])
    elif not providers[OFFLINE_PROVIDER].models:
        providers[OFFLINE_PROVIDER] = providers[OFFLINE_PROVIDER].model_copy(
            update={"models": [ModelSpec(name="drafter")], "kind": "offline"}
        )
    return settings.model_copy(update={"models": ModelsConfig(providers=providers)})


def model_names(settings: Settings) -> dict[str, list[str]]:
    """Bare model name -> ["provider/name", ...] for every configured model."""
    out: dict[str, list[str]] = {}
    for pname, pcfg in settings.models.providers.items():
        for spec in pcfg.models:
            out.setdefault(spec.name, []).append(f"{pname}/{spec.name}")
    return out


def resolve_model_ref(settings: Settings, ref: str, *, where: str = "") -> str:
    """'name' or 'provider/name' -> the canonical 'provider/name'. Raises ConfigError naming the known models."""
    names = model_names(settings)
    known = sorted(f for fulls in names.values() for f in fulls)
    if "/" in ref:
        provider, _, name = ref.partition("/")
        if provider in settings.models.providers and name in [
            m.name for m in settings.models.providers[provider].models
        ]:
            return ref
    elif ref in names:
        if len(names[ref]) > 1:
            raise ConfigError(
                f"Model '{ref}'{where} is ambiguous: it is offered by {', '.join(names[ref])}.",
                hint="Fix: write it as provider/name.",
            )
        return names[ref][0]
    raise ConfigError(
        f"Unknown model '{ref}'{where}. Known: {', '.join(known)}.",
        hint="Fix: add it under models.providers.<provider>.models in the configuration, or use a known one.",
    )


def _check_references(settings: Settings, where: str) -> None:
    problems: list[str] = []

    def check(ref: str | None, key: str) -> None:
        if ref is None:
            return
        try:
            resolve_model_ref(settings, ref, where=f" at {key}")
        except ConfigError as e:
            problems.append(f"{where}: {e}")

    for wname, wf in settings.workflows.items():
        for field in ("default_model", "complex_tasks_model", "fallback_model"):
            check(getattr(wf, field), f"workflows.{wname}.{field}")
    for tname, task in settings.routing.task_types.items():
        check(task.model, f"routing.task_types.{tname}.model")
        if task.workflow not in settings.workflows and settings.workflows:
            problems.append(
                f"{where}: routing.task_types.{tname}.workflow = {task.workflow!r}: no such workflow. "
                f"Fix: use one of {', '.join(sorted(settings.workflows))}."
            )
    for i, rule in enumerate(settings.routing.rules):
        check(rule.model, f"routing.rules.{i}.model")
    for rname, router in settings.routing.routers.items():
        check(router.strong, f"routing.routers.{rname}.strong")
        check(router.weak, f"routing.routers.{rname}.weak")
    for pname, pcfg in settings.models.providers.items():
        kind = settings.provider_kind(pname)
        if (
            pcfg.enabled
            and kind in ("openai_compatible", "ollama")
            and pcfg.api_base is None
            and kind != "ollama"
        ):
            problems.append(
                f"{where}: models.providers.{pname}.api_base is missing: provider '{pname}' is OpenAI-compatible "
                "and needs the server's URL. Fix: set api_base (e.g. http://127.0.0.1:8000/v1) or kind: openai."
            )
    if problems:
        raise ConfigError(f"Configuration {where} has {len(problems)} problem(s):", problems=problems)
