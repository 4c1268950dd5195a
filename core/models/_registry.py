"""The model registry: every configured model with its provider, prices, context, capabilities and limits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.config import OFFLINE_PROVIDER, ModelSpec, ProviderKind, Settings
from core.errors import RoutingError
from core.models._prices import LEGACY_CONTEXT, LEGACY_PRICES, Price, cost_map_entry

__all__ = ["Capability", "Measured", "ModelInfo", "Registry", "measured_by_model", "price_of"]

Capability = Literal["tools", "json", "vision", "long_context", "streaming"]

OFFLINE_LITELLM_PREFIX = "travelops-offline"
_DEFAULT_CONTEXT = 8_192
_LONG_CONTEXT = 100_000


class Measured(BaseModel):
    """What the warehouse has measured for a model (across tasks)."""

    model_config = ConfigDict(frozen=True)
    calls: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    success_rate: float | None = None
    avg_quality: float | None = None


class ModelInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # provider/name, the id used everywhere in TravelOps
    provider: str
    provider_kind: ProviderKind
    name: str
    enabled: bool
    disabled_reason: str | None = None
    litellm_model: str  # what litellm is called with
    api_base: str | None = None
    context_window: int
    max_output_tokens: int | None = None
    price: Price
    capabilities: frozenset[Capability]
    rpm: int | None = None
    tpm: int | None = None
    timeout_s: float = 60.0
    measured: Measured = Field(default_factory=Measured)

    @property
    def is_offline(self) -> bool:
        return self.provider_kind == "offline"

    @property
    def label(self) -> str:
        """How the model is shown to a person; the offline drafter is always labelled."""
        return f"{self.id} (offline drafter, no AI model)" if self.is_offline else self.id

    def estimate_cost(self, prompt_tokens: int, max_output_tokens: int) -> float:
        return self.price.cost(prompt_tokens, max_output_tokens)


class Registry:
    """All configured models. Build with ``Registry.from_settings``; look up with ``get``."""

    def __init__(self, models: Iterable[ModelInfo]) -> None:
        self._models: dict[str, ModelInfo] = {m.id: m for m in models}
        self._by_name: dict[str, list[str]] = {}
        for m in self._models.values():
            self._by_name.setdefault(m.name, []).append(m.id)

    @classmethod
    def from_settings(cls, settings: Settings) -> Registry:
        out: list[ModelInfo] = []
        for pname, pcfg in settings.models.providers.items():
            kind = settings.provider_kind(pname)
            for spec in pcfg.models:
                out.append(
                    _build(
                        pname, kind, pcfg.enabled, pcfg.disabled_reason, pcfg.api_base, spec, pcfg, settings
                    )
                )
        return cls(out)

    @property
    def models(self) -> list[ModelInfo]:
        return list(self._models.values())

    def enabled(self) -> list[ModelInfo]:
        return [m for m in self._models.values() if m.enabled]

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, str) and self.find(ref) is not None

    def find(self, ref: str) -> ModelInfo | None:
        if ref in self._models:
            return self._models[ref]
        ids = self._by_name.get(ref, [])
        return self._models[ids[0]] if len(ids) == 1 else None

    def get(self, ref: str, *, where: str = "") -> ModelInfo:
        """'provider/name' or an unambiguous bare name. Raises RoutingError listing the known models."""
        found = self.find(ref)
        if found is not None:
            return found
        if len(self._by_name.get(ref, [])) > 1:
            raise RoutingError(
                f"Model '{ref}'{where} is ambiguous: offered by {', '.join(self._by_name[ref])}.",
                hint="Write it as provider/name.",
            )
        raise RoutingError(
            f"Unknown model '{ref}'{where}. Known: {', '.join(sorted(self._models))}.",
            hint="Add it under models.providers.<provider>.models in config/travelops.yml.",
        )

    def with_measurements(self, measured: Mapping[str, Measured]) -> Registry:
        return Registry(
            m.model_copy(update={"measured": measured[m.id]}) if m.id in measured else m for m in self.models
        )

    def with_rate_limit_share(self, parts: int) -> Registry:
        """The same models with each rpm/tpm limit divided by ``parts`` (rounded down, at least 1): for
        ``parts`` processes calling the same providers, so that together they stay within the limits."""
        if parts <= 1:
            return self

        def share(limit: int | None) -> int | None:
            return None if limit is None else max(1, limit // parts)

        return Registry(m.model_copy(update={"rpm": share(m.rpm), "tpm": share(m.tpm)}) for m in self.models)

    def cost(
        self,
        model_id: str,
        prompt_tokens: int,
        completion_tokens: int,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float:
        return self.get(model_id).price.cost(
            prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens
        )

    def prices(self) -> dict[str, Price]:
        return {m.id: m.price for m in self._models.values()}

    def as_rows(self) -> list[dict[str, Any]]:
        """Plain rows for `models list --json` and the Models page."""
        rows: list[dict[str, Any]] = []
        for m in sorted(self._models.values(), key=lambda x: x.id):
            rows.append(
                {
                    "id": m.id,
                    "provider": m.provider,
                    "kind": m.provider_kind,
                    "enabled": m.enabled,
                    "disabled_reason": m.disabled_reason,
                    "context_window": m.context_window,
                    "input_per_mtok": round(m.price.input * 1e6, 6),
                    "output_per_mtok": round(m.price.output * 1e6, 6),
                    "cache_read_per_mtok": round(m.price.cache_read * 1e6, 6),
                    "cache_write_per_mtok": round(m.price.cache_write * 1e6, 6),
                    "price_source": m.price.source,
                    "capabilities": sorted(m.capabilities),
                    "rpm": m.rpm,
                    "tpm": m.tpm,
                    "measured_calls": m.measured.calls,
                    "measured_p50_ms": m.measured.p50_ms,
                    "measured_quality": m.measured.avg_quality,
                }
            )
        return rows


def _build(
    pname: str,
    kind: ProviderKind,
    enabled: bool,
    disabled_reason: str | None,
    api_base: str | None,
    spec: ModelSpec,
    pcfg: Any,
    settings: Settings,
) -> ModelInfo:
    entry = cost_map_entry(kind, spec.name) if kind in ("anthropic", "openai") else None
    price = _price(kind, spec, entry)
    caps: set[Capability] = {"streaming"}
    if kind == "offline":
        caps |= {"tools", "json"}
        context = spec.context_window or 32_768
    else:
        context = spec.context_window or int(
            (entry or {}).get("max_input_tokens") or LEGACY_CONTEXT.get(spec.name) or _DEFAULT_CONTEXT
        )
        if entry is None and kind in ("anthropic", "openai"):
            caps |= {"tools", "json"}  # retired models of these providers all had tools and JSON
            if kind == "anthropic":
                caps.add("vision")
        if entry:
            if entry.get("supports_function_calling"):
                caps.add("tools")
            if entry.get("supports_response_schema") or entry.get("supports_function_calling"):
                caps.add("json")
            if entry.get("supports_vision"):
                caps.add("vision")
    if context >= _LONG_CONTEXT:
        caps.add("long_context")
    if spec.capabilities is not None:
        caps = {*spec.capabilities, "streaming"}
    limits = spec.rate_limits or pcfg.rate_limits
    base = api_base
    if kind == "ollama" and base is None:
        base = "http://127.0.0.1:11434"
    return ModelInfo(
        id=f"{pname}/{spec.name}",
        provider=pname,
        provider_kind=kind,
        name=spec.name,
        enabled=enabled and (pname != OFFLINE_PROVIDER or pcfg.enabled),
        disabled_reason=disabled_reason if not enabled else None,
        litellm_model=_litellm_model(kind, spec.name),
        api_base=base,
        context_window=context,
        max_output_tokens=spec.max_output_tokens or (entry or {}).get("max_output_tokens"),
        price=price,
        capabilities=frozenset(caps),
        rpm=limits.requests_per_minute,
        tpm=limits.tokens_per_minute,
        timeout_s=min(pcfg.timeout_s, settings.gateway.timeout_s),
    )


def _price(kind: ProviderKind, spec: ModelSpec, entry: Mapping[str, Any] | None) -> Price:
    base = Price(source="unknown")
    if kind == "offline":
        base = Price(source="local")
    elif entry is not None:
        inp = float(entry.get("input_cost_per_token") or 0)
        base = Price(
            input=inp,
            output=float(entry.get("output_cost_per_token") or 0),
            cache_read=float(entry.get("cache_read_input_token_cost") or inp),
            cache_write=float(entry.get("cache_creation_input_token_cost") or inp),
            source="litellm",
        )
    elif spec.name in LEGACY_PRICES:
        base = LEGACY_PRICES[spec.name]
    elif kind in ("ollama", "openai_compatible"):
        base = Price(source="local")
    overrides = {
        "input": spec.input_cost_per_token,
        "output": spec.output_cost_per_token,
        "cache_read": spec.cache_read_cost_per_token,
        "cache_write": spec.cache_write_cost_per_token,
    }
    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        if "input" in given:
            given.setdefault("cache_read", base.cache_read if base.source != "unknown" else given["input"])
            given.setdefault("cache_write", base.cache_write if base.source != "unknown" else given["input"])
        base = base.model_copy(update={**given, "source": "config"})
    return base


def _litellm_model(kind: ProviderKind, name: str) -> str:
    return {
        "anthropic": f"anthropic/{name}",
        "openai": f"openai/{name}",
        "ollama": f"ollama_chat/{name}",
        "openai_compatible": f"openai/{name}",
        "offline": f"{OFFLINE_LITELLM_PREFIX}/{name}",
    }[kind]


def measured_by_model(performance: Mapping[tuple[str, str], Any]) -> dict[str, Measured]:
    """Fold per (model, task) performance rows into one Measured per model (call-weighted means)."""
    acc: dict[str, list[Any]] = {}
    for (model_id, _task), row in performance.items():
        acc.setdefault(model_id, []).append(row)
    out: dict[str, Measured] = {}
    for model_id, rows in acc.items():
        calls = sum(int(r.calls) for r in rows)
        if calls == 0:
            continue

        def wmean(attr: str, rows: list[Any] = rows, calls: int = calls) -> float | None:
            vals = [(getattr(r, attr), r.calls) for r in rows if getattr(r, attr) is not None]
            weight = sum(c for _, c in vals)
            return sum(v * c for v, c in vals) / weight if weight else None

        out[model_id] = Measured(
            calls=calls,
            p50_ms=wmean("p50_ms"),
            p95_ms=max((r.p95_ms for r in rows if r.p95_ms is not None), default=None),
            success_rate=wmean("success_rate"),
            avg_quality=wmean("avg_quality"),
        )
    return out


def price_of(model_id: str) -> Price:
    """The list price of 'provider/name' without any configuration (cost map, then retired-model table)."""
    provider, _, name = model_id.partition("/")
    kind: ProviderKind = (
        provider if provider in ("anthropic", "openai", "ollama", "offline") else "openai_compatible"
    )  # type: ignore[assignment]
    entry = cost_map_entry(kind, name) if kind in ("anthropic", "openai") else None
    return _price(kind, ModelSpec(name=name or model_id), entry)
