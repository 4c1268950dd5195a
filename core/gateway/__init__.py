"""The Gateway: the one way TravelOps calls a model (routing, retries, fallbacks, budgets, cache, usage rows)."""

from core.gateway._gateway import Attempt, CallContext, Gateway, GatewayResult, StreamDelta

__all__ = ["Attempt", "CallContext", "Gateway", "GatewayResult", "StreamDelta"]
