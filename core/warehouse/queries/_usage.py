"""Reads of ``model_usage``: cost per day, latency per task, totals, spend by dimension, the costliest requests,
what the cache saved, the requests the what-if simulator re-routes, and the cost report's breakdowns.

Model ids come from the schema's ``model_id`` macro (``MODEL_ID_SQL``). Aggregates over every row group on a
64-bit hash of the key columns and fold the id once per group: DuckDB groups on one integer 1.5-2x faster than
on two or three strings (10M rows, 2 cores: 87 -> 50 ms, 228 -> 161 ms), and folding each row costs as much
again. Two keys colliding needs odds of about n^2 / 2^65 for n groups: ~1e-15 for a few hundred model x task
pairs. Where the two spellings of one model could land in two groups (sums), a second, small aggregate adds
them up under the id.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final

from core.errors import ValidationError
from core.warehouse._schema import MODEL_ID_SQL
from core.warehouse.queries._filter import ALL, DIMENSIONS, Dimension, UsageFilter
from core.warehouse.queries._source import Source, day_start, first_row, records, run

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COST_BY_DAY_SQL",
    "P95_BY_TASK_SQL",
    "cache_savings_by_model",
    "cost_by_day",
    "cost_report_frames",
    "daily_costs",
    "expensive_requests",
    "filter_values",
    "p95_by_task",
    "spend_by_day",
    "usage_summary_rows",
    "what_if_groups",
]

COST_BY_DAY_SQL: Final = """
SELECT day, model_id(provider, name) AS model, sum(calls)::BIGINT AS calls, sum(cost_usd) AS cost_usd
FROM (
    SELECT CAST(created_at AS DATE) AS day, any_value(model_provider) AS provider,
           any_value(model_name) AS name, count(*) AS calls, sum(cost_usd) AS cost_usd
    FROM model_usage {where}
    GROUP BY day, hash(model_provider, model_name)
)
GROUP BY day, model
ORDER BY day, model
"""

# A percentile cannot be added up from two groups, and folding the id of every row doubles the query's time
# (10M rows), so this one groups on the stored columns: a model whose rows have both spellings (files from
# before a322469) gets one row per spelling, each under its right id.
P95_BY_TASK_SQL: Final = """
SELECT model_id(any_value(model_provider), any_value(model_name)) AS model, any_value(task_type) AS task_type,
       count(*) AS calls, quantile_cont(response_time_ms, 0.95) AS p95_ms
FROM model_usage WHERE status <> 'cache_hit' {and_since}
GROUP BY hash(model_provider, model_name, task_type)
ORDER BY model, task_type
"""


def _since(since: date | None) -> list[object]:
    return [] if since is None else [day_start(since)]


def cost_by_day(source: Source, since: date | None = None) -> pd.DataFrame:
    """Cost per model per day (UTC): columns day, model ("provider/name"), calls, cost_usd.
    Cache hits count as calls at their (zero) cost."""
    where = "" if since is None else "WHERE created_at >= ?"
    return run(source, COST_BY_DAY_SQL.format(where=where), _since(since))


def p95_by_task(source: Source, since: date | None = None) -> pd.DataFrame:
    """95th-percentile latency per model per task over attempts that reached a model (cache hits left out):
    columns model, task_type, calls, p95_ms."""
    and_since = "" if since is None else "AND created_at >= ?"
    return run(source, P95_BY_TASK_SQL.format(and_since=and_since), _since(since))


_USAGE_SUMMARY_SQL: Final = f"""
WITH rows AS (SELECT *, {MODEL_ID_SQL} AS model FROM model_usage {{where}})
SELECT CASE grouping(model, task_type, user_id)
           WHEN 7 THEN 'total' WHEN 3 THEN 'model' WHEN 5 THEN 'task' ELSE 'user' END AS level,
       CASE grouping(model, task_type, user_id)
           WHEN 3 THEN model WHEN 5 THEN task_type WHEN 6 THEN user_id
       END AS key,
       count(*) AS calls,
       count(*) FILTER (WHERE status = 'error') AS errors,
       count(*) FILTER (WHERE status = 'cache_hit') AS cache_hits,
       coalesce(sum(cost_usd), 0) AS cost_usd,
       coalesce(sum(tokens_used), 0) AS tokens,
       quantile_cont(response_time_ms, 0.5) FILTER (WHERE status <> 'cache_hit') AS p50_ms,
       quantile_cont(response_time_ms, 0.95) FILTER (WHERE status <> 'cache_hit') AS p95_ms,
       min(created_at)::DATE AS first_day,
       max(created_at)::DATE AS last_day
FROM rows
GROUP BY GROUPING SETS ((), (model), (task_type), (user_id))
"""


def usage_summary_rows(source: Source, since: date | None = None) -> list[dict[str, Any]]:
    """One row per level ("total", "model", "task", "user") and key: calls, errors, cache_hits, cost_usd,
    tokens, p50_ms, p95_ms (cache hits left out), first_day, last_day."""
    where = "" if since is None else "WHERE created_at >= ?"
    return records(run(source, _USAGE_SUMMARY_SQL.format(where=where), _since(since)))


def filter_values(source: Source) -> dict[str, Any]:
    """n, first_day, last_day, and the lists tasks, providers, users, models present in the data."""
    return first_row(
        run(
            source,
            f"""SELECT count(*) AS n, min(created_at)::DATE AS first_day, max(created_at)::DATE AS last_day,
               list(DISTINCT task_type) AS tasks, list(DISTINCT model_provider) AS providers,
               list(DISTINCT user_id) FILTER (WHERE user_id IS NOT NULL) AS users,
               list(DISTINCT {MODEL_ID_SQL}) AS models
        FROM model_usage""",
        )
    )


def daily_costs(source: Source, start: date, end: date) -> list[dict[str, Any]]:
    """Cost per UTC day from ``start`` to ``end`` inclusive: day, cost (days without rows absent)."""
    return records(
        run(
            source,
            "SELECT CAST(created_at AS DATE) AS day, sum(cost_usd) AS cost FROM model_usage "
            "WHERE created_at >= ? AND created_at < ? GROUP BY day",
            [day_start(start), day_start(end + timedelta(days=1))],
        )
    )


def spend_by_day(source: Source, by: Dimension, flt: UsageFilter = ALL) -> pd.DataFrame:
    """Cost and calls per UTC day per ``by`` value: columns day, key, calls, cost_usd (cache hits count as
    calls at zero cost)."""
    if by not in DIMENSIONS:
        raise ValidationError(f"Unknown dimension {by!r}.", hint=f"Fix: use one of {', '.join(DIMENSIONS)}.")
    where, params = flt.sql()
    return run(
        source,
        f"""SELECT CAST(created_at AS DATE) AS day, {DIMENSIONS[by]} AS key, count(*) AS calls,
               coalesce(sum(cost_usd), 0) AS cost_usd
        FROM model_usage {where} GROUP BY ALL ORDER BY day, key""",
        params,
    )


def expensive_requests(source: Source, flt: UsageFilter = ALL, *, limit: int = 20) -> pd.DataFrame:
    """The costliest requests (every attempt of a request summed): request_id, created_at, task_type,
    user_id, trip_id, model (the last attempt's), status (the last attempt's), attempts, tokens, cost_usd,
    routing_reason."""
    # Two passes: the top ``limit`` requests on their summed cost alone (one cheap aggregate over every
    # request), then the full row only for those (10M rows, 2 cores, last 30 days: ~290 -> ~90 ms).
    cte, params = flt.filtered_cte()
    return run(
        source,
        f"""WITH {cte},
        top AS (
            SELECT request_id FROM filtered GROUP BY request_id
            ORDER BY coalesce(sum(cost_usd), 0) DESC, request_id LIMIT ?
        )
        SELECT request_id, min(created_at) AS created_at, any_value(task_type) AS task_type,
               any_value(user_id) AS user_id, any_value(trip_id) AS trip_id,
               arg_max(model, attempt) AS model, arg_max(status, attempt) AS status, count(*) AS attempts,
               coalesce(sum(tokens_used), 0) AS tokens, coalesce(sum(cost_usd), 0) AS cost_usd,
               arg_max(routing_reason, attempt) AS routing_reason
        FROM filtered WHERE request_id IN (SELECT request_id FROM top)
        GROUP BY request_id ORDER BY cost_usd DESC, request_id""",
        [*params, max(1, limit)],
    )


def cache_savings_by_model(source: Source, flt: UsageFilter = ALL) -> list[dict[str, Any]]:
    """Cache hits per model priced at what their request would have cost: model, hits, saved_usd, and how
    many hits were priced from the same request (same_request), the model's average on the task
    (model_task) or the model's average (model_avg). Most saved first."""
    # The prices come from every successful attempt (the filter narrows the hits only). Nothing groups the
    # whole table on request_id: ``same`` reads only the hits' requests, and the averages are one pass grouped
    # on a hash of provider, name and task, folded into model ids on the few groups left (sum / count, so a
    # model's average weighs its tasks by attempts as avg() did). 10M rows, 2 cores, last 30 days:
    # ~1,500 -> ~230 ms.
    cte, params = flt.filtered_cte("status = 'cache_hit'")
    return records(
        run(
            source,
            f"""WITH {cte},
        same AS (
            SELECT request_id, arg_min(cost_usd, attempt) AS cost FROM model_usage
            WHERE status = 'ok' AND request_id IN (SELECT request_id FROM filtered)
            GROUP BY request_id
        ),
        pairs AS (
            SELECT any_value(model_provider) AS model_provider, any_value(model_name) AS model_name,
                   any_value(task_type) AS task_type, sum(cost_usd) AS total, count(cost_usd) AS n
            FROM model_usage WHERE status = 'ok' GROUP BY hash(model_provider, model_name, task_type)
        ),
        by_task AS (
            SELECT {MODEL_ID_SQL} AS model, task_type, sum(total) AS total, sum(n) AS n
            FROM pairs GROUP BY ALL
        ),
        t AS (SELECT model, task_type, total / nullif(n, 0) AS cost FROM by_task),
        by_model AS (SELECT model, sum(total) / nullif(sum(n), 0) AS cost FROM by_task GROUP BY model)
        SELECT h.model, count(*) AS hits,
               coalesce(sum(coalesce(s.cost, t.cost, m.cost, 0)), 0) AS saved_usd,
               count(s.cost) AS same_request,
               count(*) FILTER (WHERE s.cost IS NULL AND t.cost IS NOT NULL) AS model_task,
               count(*) FILTER (WHERE s.cost IS NULL AND t.cost IS NULL AND m.cost IS NOT NULL) AS model_avg
        FROM filtered h
        LEFT JOIN same s ON s.request_id = h.request_id
        LEFT JOIN t ON t.model = h.model AND t.task_type = h.task_type
        LEFT JOIN by_model m ON m.model = h.model
        GROUP BY h.model ORDER BY saved_usd DESC, h.model""",
            params,
        )
    )


_WHAT_IF_SQL: Final = """
WITH {cte},
req AS (
    SELECT request_id, any_value(task_type) AS task_type, coalesce(sum(cost_usd), 0) AS actual,
           bool_or(status = 'cache_hit') AS cached,
           arg_max(model, attempt) FILTER (WHERE status = 'ok') AS ok_model,
           arg_max(prompt_tokens, attempt) FILTER (WHERE status = 'ok') AS p,
           arg_max(completion_tokens, attempt) FILTER (WHERE status = 'ok') AS c,
           arg_max(cache_read_tokens, attempt) FILTER (WHERE status = 'ok') AS cr,
           arg_max(cache_write_tokens, attempt) FILTER (WHERE status = 'ok') AS cw
    FROM filtered GROUP BY request_id
)
SELECT task_type, coalesce(ok_model, '') AS model,
       CASE WHEN ok_model IS NOT NULL THEN 'ok' WHEN cached THEN 'cache_hit' ELSE 'failed' END AS outcome,
       CASE WHEN ok_model IS NULL THEN 0 ELSE CAST(round(ln(greatest(coalesce(p, 0), 1)) / ?) AS INTEGER) END AS bucket,
       count(*) AS requests, sum(actual) AS actual_usd,
       coalesce(sum(p), 0) AS p, coalesce(sum(c), 0) AS c, coalesce(sum(cr), 0) AS cr, coalesce(sum(cw), 0) AS cw,
       coalesce(avg(p), 0) AS avg_p
FROM req GROUP BY ALL
"""


def what_if_groups(source: Source, since: date, until: date, bucket: float) -> list[dict[str, Any]]:
    """The requests of ``since`` .. ``until`` (UTC days, inclusive) grouped by task, the model that answered,
    outcome ("ok", "cache_hit", "failed") and prompt size (``round(ln(prompt tokens) / bucket)``): task_type,
    model, outcome, bucket, requests, actual_usd, the summed tokens p, c, cr, cw, and avg_p (mean prompt)."""
    cte, params = UsageFilter(since=since, until=until).filtered_cte()
    return records(run(source, _WHAT_IF_SQL.format(cte=cte), [*params, bucket]))


def cost_report_frames(source: Source, since: date) -> dict[str, pd.DataFrame]:
    """Usage since a day for the cost report: ``by_model``, ``by_task``, ``by_user``, ``by_trip`` (key, calls,
    cost_usd, tokens; dearest first), ``per_day`` (day, cost_usd), ``cache`` (one row: hits, saved_usd, each
    hit priced at the mean successful cost of its model and task) and ``ok_tokens`` (per model of successful
    attempts: p, c, paid)."""
    where = "WHERE created_at >= ?"
    params: list[object] = [since]

    def by(key: str) -> pd.DataFrame:
        return run(
            source,
            f"SELECT {key} AS key, count(*) AS calls, sum(cost_usd) AS cost_usd, sum(tokens_used) AS tokens "
            f"FROM model_usage {where} GROUP BY 1 ORDER BY cost_usd DESC NULLS LAST",
            params,
        )

    return {
        "by_model": by(MODEL_ID_SQL),
        "by_task": by("task_type"),
        "by_user": by("coalesce(user_id, '(none)')"),
        "by_trip": by("coalesce(trip_id, '(none)')"),
        "per_day": run(
            source,
            f"SELECT created_at::DATE AS day, sum(cost_usd) AS cost_usd FROM model_usage {where} "
            "GROUP BY 1 ORDER BY 1",
            params,
        ),
        "cache": run(
            source,
            f"""WITH avg_cost AS (
                   SELECT {MODEL_ID_SQL} AS model, task_type, avg(cost_usd) AS c FROM model_usage
                   {where} AND status = 'ok' GROUP BY ALL)
                SELECT count(*) AS hits, coalesce(sum(a.c), 0) AS saved_usd
                FROM model_usage u LEFT JOIN avg_cost a
                    ON a.model = model_id(u.model_provider, u.model_name) AND a.task_type = u.task_type
                WHERE u.created_at >= ? AND u.status = 'cache_hit'""",
            params + params,
        ),
        "ok_tokens": run(
            source,
            f"SELECT {MODEL_ID_SQL} AS model, sum(prompt_tokens) AS p, sum(completion_tokens) AS c, "
            f"sum(cost_usd) AS paid FROM model_usage {where} AND status = 'ok' GROUP BY 1",
            params,
        ),
    }
