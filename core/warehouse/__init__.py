"""The usage warehouse (DuckDB): every model attempt, MCP call and budget event, and the dashboards' queries.

Processes append events to their own spool segments (``Warehouse.record``, a few µs, never blocks); whoever
opens the warehouse ingests pending segments under a cross-process lock. See ``core/warehouse/_store.py``.
Every read is a named function in ``core.warehouse.queries``; ``cost_by_day`` and ``p95_by_task`` are here too.
"""

from core.warehouse._models import PerformanceStats, Period, UsageRow, UsageSummary
from core.warehouse._schema import SCHEMA_VERSION
from core.warehouse._store import Warehouse
from core.warehouse.events import BudgetEvent, Event, McpCallEvent, UsageEvent, new_id, utcnow
from core.warehouse.queries import COST_BY_DAY_SQL, P95_BY_TASK_SQL, cost_by_day, p95_by_task

__all__ = [
    "COST_BY_DAY_SQL",
    "P95_BY_TASK_SQL",
    "SCHEMA_VERSION",
    "BudgetEvent",
    "Event",
    "McpCallEvent",
    "PerformanceStats",
    "Period",
    "UsageEvent",
    "UsageRow",
    "UsageSummary",
    "Warehouse",
    "cost_by_day",
    "new_id",
    "p95_by_task",
    "utcnow",
]
