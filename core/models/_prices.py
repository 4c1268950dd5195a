"""Per-token prices: config overrides > litellm's cost map > our table of retired models > unknown.

litellm's cost map is read from the JSON file the installed litellm ships, without importing litellm (its import
costs ~2 s) and without the network (its remote price map is never fetched).
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["LEGACY_PRICES", "Price", "cost_map", "cost_map_entry"]

PriceSource = Literal["config", "litellm", "legacy", "local", "unknown"]


class Price(BaseModel):
    """USD per token. ``source`` says where the figure came from (shown in `models list`)."""

    model_config = ConfigDict(frozen=True)
    input: float = 0.0
    output: float = 0.0
    cache_read: float = 0.0
    cache_write: float = 0.0
    source: PriceSource = "unknown"

    def cost(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
    ) -> float:
        """Cost from raw usage. ``prompt_tokens`` includes cached tokens (OpenAI and litellm convention)."""
        uncached = max(prompt_tokens - cache_read_tokens - cache_write_tokens, 0)
        return (
            uncached * self.input
            + cache_read_tokens * self.cache_read
            + cache_write_tokens * self.cache_write
            + completion_tokens * self.output
        )

    def per_million(self) -> str:
        return f"${self.input * 1e6:.2f} in / ${self.output * 1e6:.2f} out per 1M tokens ({self.source})"


# List prices of models that litellm's bundled cost map no longer carries (USD per token), so configurations of
# the original system (claude-3-5-*, gpt-4-turbo-preview) still price correctly. Source: the providers' published
# price lists at the models' retirement.
LEGACY_PRICES: dict[str, Price] = {
    "claude-3-5-haiku-20241022": Price(
        input=0.8e-6, output=4e-6, cache_read=0.08e-6, cache_write=1e-6, source="legacy"
    ),
    "claude-3-5-sonnet-20241022": Price(
        input=3e-6, output=15e-6, cache_read=0.3e-6, cache_write=3.75e-6, source="legacy"
    ),
    "claude-3-5-sonnet-20240620": Price(
        input=3e-6, output=15e-6, cache_read=0.3e-6, cache_write=3.75e-6, source="legacy"
    ),
    "claude-3-opus-20240229": Price(
        input=15e-6, output=75e-6, cache_read=1.5e-6, cache_write=18.75e-6, source="legacy"
    ),
    "claude-3-haiku-20240307": Price(
        input=0.25e-6, output=1.25e-6, cache_read=0.03e-6, cache_write=0.3e-6, source="legacy"
    ),
    "gpt-4-turbo-preview": Price(input=10e-6, output=30e-6, source="legacy"),
}
LEGACY_CONTEXT: dict[str, int] = {
    "claude-3-5-haiku-20241022": 200_000,
    "claude-3-5-sonnet-20241022": 200_000,
    "claude-3-5-sonnet-20240620": 200_000,
    "claude-3-opus-20240229": 200_000,
    "claude-3-haiku-20240307": 200_000,
    "gpt-4-turbo-preview": 128_000,
}


@lru_cache(maxsize=1)
def cost_map() -> dict[str, dict[str, Any]]:
    """litellm's bundled model price and context map (read once per process)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "model_prices_and_context_window_backup.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("sample_spec", None)
    return data


def cost_map_entry(provider_kind: str, name: str) -> dict[str, Any] | None:
    """The cost-map entry for a model, trying the bare name then 'provider/name'."""
    cmap = cost_map()
    for key in (name, f"{provider_kind}/{name}"):
        entry = cmap.get(key)
        if entry is not None and entry.get("mode", "chat") == "chat":
            return entry
    return None
