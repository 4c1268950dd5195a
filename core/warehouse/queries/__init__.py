"""Every read of the usage warehouse, as named functions: the dashboards', the selector's, the benchmark
runner's and the notebooks'. Each takes a ``Warehouse`` (flush, ingest, lock, one query) or a DuckDB connection
already held, and typed parameters; SQL lives nowhere else. The schema (``core/warehouse/_schema.py``) defines
the tables and the ``model_id`` macro every query reads model ids with; the writers (spool ingest, the demo
seed, the benchmark journal) stay with the code that writes.
"""

from core.warehouse._schema import MODEL_ID_SQL
from core.warehouse.queries._benchmarks import latest_run_id, pair_scores, results_frame, run_results
from core.warehouse.queries._budgets import budget_alerts
from core.warehouse.queries._filter import ALL, DIMENSIONS, NO_USER, Dimension, UsageFilter
from core.warehouse.queries._mcp_calls import mcp_call_stats
from core.warehouse.queries._performance import (
    latency_by_model,
    outcome_counts,
    outcome_rates,
    performance_rows,
    quality_matrix,
    refresh_performance,
)
from core.warehouse.queries._preferences import insert_feedback, load_preferences, save_preferences
from core.warehouse.queries._source import Source, records
from core.warehouse.queries._usage import (
    COST_BY_DAY_SQL,
    P95_BY_TASK_SQL,
    cache_savings_by_model,
    cost_by_day,
    cost_report_frames,
    daily_costs,
    expensive_requests,
    filter_values,
    p95_by_task,
    spend_by_day,
    usage_summary_rows,
    what_if_groups,
)

__all__ = [
    "ALL",
    "COST_BY_DAY_SQL",
    "DIMENSIONS",
    "MODEL_ID_SQL",
    "NO_USER",
    "P95_BY_TASK_SQL",
    "Dimension",
    "Source",
    "UsageFilter",
    "budget_alerts",
    "cache_savings_by_model",
    "cost_by_day",
    "cost_report_frames",
    "daily_costs",
    "expensive_requests",
    "filter_values",
    "insert_feedback",
    "latency_by_model",
    "latest_run_id",
    "load_preferences",
    "mcp_call_stats",
    "outcome_counts",
    "outcome_rates",
    "p95_by_task",
    "pair_scores",
    "performance_rows",
    "quality_matrix",
    "records",
    "refresh_performance",
    "results_frame",
    "run_results",
    "save_preferences",
    "spend_by_day",
    "usage_summary_rows",
    "what_if_groups",
]
