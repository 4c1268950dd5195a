"""The dashboards' questions over the usage warehouse: spend against budgets, where the money goes, how fast and
how well each model answers.

Every function takes a ``Warehouse`` (it flushes, ingests and holds the lock for the length of one query) and
returns a DataFrame or a frozen pydantic model; none of them writes. Days are UTC, as the warehouse stores
them. ``UsageFilter`` narrows any of them by date, task, provider, user and model::

    from core.analytics import UsageFilter, budget_status, spend_by_day

    flt = UsageFilter(since=date(2026, 11, 1), tasks=("proposal",))
    spend_by_day(warehouse, "model", flt)        # day, key, calls, cost_usd
    budget_status(warehouse, settings.cost_optimization)

One module per dashboard (``_budgets``, ``_costs``, ``_quality``, ``_filters``); the SQL is in
``core.warehouse.queries``, and the tables that need no more than their query are re-exported from there. Model
ids are "provider/name" whichever way a row spells them: the schema's ``model_id`` macro (``MODEL_ID_SQL``)
reads both. What another routing policy would have cost (``what_if``) is ``core.routing``'s.
"""

from core.analytics._budgets import BudgetStatus, budget_status, month_forecast
from core.analytics._costs import CacheSavings, CacheSavingsRow, cache_savings
from core.analytics._filters import FilterOptions, filter_options
from core.analytics._quality import OutcomeSummary, model_catalog, outcome_summary
from core.warehouse.queries import (
    DIMENSIONS,
    MODEL_ID_SQL,
    NO_USER,
    Dimension,
    UsageFilter,
    budget_alerts,
    expensive_requests,
    latency_by_model,
    mcp_call_stats,
    outcome_rates,
    quality_matrix,
    spend_by_day,
)

__all__ = [
    "DIMENSIONS",
    "MODEL_ID_SQL",
    "NO_USER",
    "BudgetStatus",
    "CacheSavings",
    "CacheSavingsRow",
    "Dimension",
    "FilterOptions",
    "OutcomeSummary",
    "UsageFilter",
    "budget_alerts",
    "budget_status",
    "cache_savings",
    "expensive_requests",
    "filter_options",
    "latency_by_model",
    "mcp_call_stats",
    "model_catalog",
    "month_forecast",
    "outcome_rates",
    "outcome_summary",
    "quality_matrix",
    "spend_by_day",
]
