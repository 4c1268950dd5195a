"""The queries the dashboards draw. Each runs on a Warehouse (flush, ingest, lock) or on a DuckDB connection
you already hold (inside ``Warehouse.connect()``, or a raw one in the benchmark)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from core.warehouse._store import Warehouse

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = ["COST_BY_DAY_SQL", "P95_BY_TASK_SQL", "cost_by_day", "p95_by_task"]

# Both group on a 64-bit hash of the key columns and read the names back with any_value: DuckDB groups on one
# integer 1.5-2x faster than on two or three strings (10M rows, 2 cores: 87 -> 50 ms, 228 -> 161 ms). Two keys
# colliding needs odds of about n^2 / 2^65 for n groups: ~1e-15 for a few hundred model x task pairs.
COST_BY_DAY_SQL = """
SELECT CAST(created_at AS DATE) AS day, any_value(model_provider) || '/' || any_value(model_name) AS model,
       count(*) AS calls, sum(cost_usd) AS cost_usd
FROM model_usage {where}
GROUP BY day, hash(model_provider, model_name)
ORDER BY day, model
"""

P95_BY_TASK_SQL = """
SELECT any_value(model_provider) || '/' || any_value(model_name) AS model, any_value(task_type) AS task_type,
       count(*) AS calls, quantile_cont(response_time_ms, 0.95) AS p95_ms
FROM model_usage WHERE status <> 'cache_hit' {and_since}
GROUP BY hash(model_provider, model_name, task_type)
ORDER BY model, task_type
"""


def _run(source: Warehouse | duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> pd.DataFrame:
    if isinstance(source, Warehouse):
        return source.query(sql, params)
    return source.execute(sql, params).df()


def _since(since: date | None) -> list[object]:
    return [] if since is None else [datetime(since.year, since.month, since.day)]


def cost_by_day(source: Warehouse | duckdb.DuckDBPyConnection, since: date | None = None) -> pd.DataFrame:
    """Cost per model per day (UTC): columns day, model ("provider/name"), calls, cost_usd.
    Cache hits count as calls at their (zero) cost."""
    where = "" if since is None else "WHERE created_at >= ?"
    return _run(source, COST_BY_DAY_SQL.format(where=where), _since(since))


def p95_by_task(source: Warehouse | duckdb.DuckDBPyConnection, since: date | None = None) -> pd.DataFrame:
    """95th-percentile latency per model per task over attempts that reached a model (cache hits left out):
    columns model, task_type, calls, p95_ms."""
    and_since = "" if since is None else "AND created_at >= ?"
    return _run(source, P95_BY_TASK_SQL.format(and_since=and_since), _since(since))
