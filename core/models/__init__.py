"""Provider and model registry: prices (litellm cost map + overrides), capabilities, context and limits."""

from core.models._prices import LEGACY_PRICES, Price, cost_map
from core.models._registry import (
    OFFLINE_LITELLM_PREFIX,
    Capability,
    Measured,
    ModelInfo,
    Registry,
    measured_by_model,
    price_of,
)

__all__ = [
    "LEGACY_PRICES",
    "OFFLINE_LITELLM_PREFIX",
    "Capability",
    "Measured",
    "ModelInfo",
    "Price",
    "Registry",
    "cost_map",
    "measured_by_model",
    "price_of",
]
