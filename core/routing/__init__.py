"""Routing: pick a model per request by task, complexity, budget and preference, and say why."""

from core.routing._selector import (
    BudgetView,
    Decision,
    PerformanceView,
    RouterChoice,
    RouteRequest,
    Selector,
    budget_threshold,
    estimate_tokens,
)
from core.routing.complexity import (
    ComplexityEstimator,
    ComplexityScore,
    HeuristicComplexity,
    get_estimator,
    register_estimator,
)
from core.routing.learned import LearnedRouter, TrainingOptions, load_router, train_router
from core.routing.preferences import UserPreferences

__all__ = [
    "BudgetView",
    "ComplexityEstimator",
    "ComplexityScore",
    "Decision",
    "HeuristicComplexity",
    "LearnedRouter",
    "PerformanceView",
    "RouteRequest",
    "RouterChoice",
    "Selector",
    "TrainingOptions",
    "UserPreferences",
    "budget_threshold",
    "estimate_tokens",
    "get_estimator",
    "load_router",
    "register_estimator",
    "train_router",
]
