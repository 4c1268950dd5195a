"""Routing: pick a model per request by task, complexity, budget and preference, and say why."""

from core.routing._selector import (
    BudgetView,
    Decision,
    PerformanceView,
    RouteRequest,
    Selector,
    estimate_tokens,
)
from core.routing.complexity import (
    ComplexityEstimator,
    ComplexityScore,
    HeuristicComplexity,
    get_estimator,
    register_estimator,
)
from core.routing.preferences import UserPreferences

__all__ = [
    "BudgetView",
    "ComplexityEstimator",
    "ComplexityScore",
    "Decision",
    "HeuristicComplexity",
    "PerformanceView",
    "RouteRequest",
    "Selector",
    "UserPreferences",
    "estimate_tokens",
    "get_estimator",
    "register_estimator",
]
