"""Routing: pick a model per request by task, complexity, budget and preference, and say why."""

from core.routing._router_view import CurvePoint, RouterView, router_threshold_note, router_views
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
from core.routing._whatif import WHAT_IF_LIMITATIONS, RoutingPolicy, WhatIfResult, WhatIfRow, what_if
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
    "WHAT_IF_LIMITATIONS",
    "BudgetView",
    "ComplexityEstimator",
    "ComplexityScore",
    "CurvePoint",
    "Decision",
    "HeuristicComplexity",
    "LearnedRouter",
    "PerformanceView",
    "RouteRequest",
    "RouterChoice",
    "RouterView",
    "RoutingPolicy",
    "Selector",
    "TrainingOptions",
    "UserPreferences",
    "WhatIfResult",
    "WhatIfRow",
    "budget_threshold",
    "estimate_tokens",
    "get_estimator",
    "load_router",
    "register_estimator",
    "router_threshold_note",
    "router_views",
    "train_router",
    "what_if",
]
