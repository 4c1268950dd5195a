"""How each model does: the ``model_performance`` rollup the selector reads, and the dashboards' latency,
outcome and quality tables (over ``model_usage``, ``quality_feedback`` and ``benchmark_results``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from core.warehouse._schema import MODEL_ID_SQL
from core.warehouse.queries._filter import ALL, BENCH_COLUMNS, UsageFilter
from core.warehouse.queries._source import Source, first_row, run

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = [
    "latency_by_model",
    "outcome_counts",
    "outcome_rates",
    "performance_rows",
    "quality_matrix",
    "refresh_performance",
]

_REFRESH_PERFORMANCE_SQL: Final = f"""
INSERT INTO model_performance
WITH feedback AS (
    SELECT request_id, arg_max(score, created_at) AS score FROM quality_feedback GROUP BY request_id
),
attempts AS (
    SELECT u.model_provider, u.model, u.task_type, u.status, u.cost_usd, u.response_time_ms,
           CASE WHEN u.status = 'ok' THEN coalesce(f.score, u.quality_score) END AS quality
    FROM (SELECT *, {MODEL_ID_SQL} AS model FROM model_usage WHERE status IN ('ok', 'error')) u
    LEFT JOIN feedback f ON f.request_id = u.request_id AND u.status = 'ok'
),
usage AS (
    SELECT any_value(model_provider) AS model_provider, model, task_type,
           count(*) AS calls, count(*) FILTER (WHERE status = 'ok') AS ok,
           avg(cost_usd) AS avg_cost, avg(response_time_ms) AS avg_ms,
           quantile_cont(response_time_ms, 0.5) AS p50, quantile_cont(response_time_ms, 0.95) AS p95,
           coalesce(sum(quality), 0) AS q_sum, count(quality) AS q_n
    FROM attempts GROUP BY model, task_type
),
bench AS (
    SELECT model, task_type, sum(score) AS q_sum, count(score) AS q_n
    FROM benchmark_results WHERE score IS NOT NULL GROUP BY model, task_type
)
SELECT u.model || '|' || u.task_type, u.model, u.task_type, u.avg_ms, u.avg_cost,
       (u.q_sum + coalesce(b.q_sum, 0)) / nullif(u.q_n + coalesce(b.q_n, 0), 0),
       u.ok / u.calls, ?, u.model_provider, u.calls, u.p50, u.p95, u.q_n + coalesce(b.q_n, 0)
FROM usage u LEFT JOIN bench b ON b.model = u.model AND b.task_type = u.task_type
"""


def refresh_performance(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Rebuild ``model_performance`` from ``model_usage`` (ok/error attempts), feedback and benchmarks, in one
    transaction; ``now`` (UTC, naive) is its ``last_updated``."""
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM model_performance")
    con.execute(_REFRESH_PERFORMANCE_SQL, [now])
    con.execute("COMMIT")


def performance_rows(
    con: duckdb.DuckDBPyConnection,
) -> list[tuple[str, str, int, float, float, float, float, float, float | None, int]]:
    """``model_performance`` as tuples: model id, task, calls, success_rate, avg_cost, avg_ms, p50_ms, p95_ms,
    avg_quality, quality_samples."""
    return con.execute(
        "SELECT model_name, task_type, calls, success_rate, avg_cost, avg_response_time, p50_ms, "
        "p95_ms, avg_quality, quality_samples FROM model_performance"
    ).fetchall()


def latency_by_model(source: Source, flt: UsageFilter = ALL) -> pd.DataFrame:
    """Latency of attempts that reached a model (ok and error; cache hits left out): model, attempts,
    avg_ms, p50_ms, p95_ms, p99_ms — slowest p95 first."""
    cte, params = flt.filtered_cte("status <> 'cache_hit'")
    return run(
        source,
        f"""WITH {cte}
        SELECT model, count(*) AS attempts, avg(response_time_ms) AS avg_ms,
               quantile_cont(response_time_ms, 0.5) AS p50_ms, quantile_cont(response_time_ms, 0.95) AS p95_ms,
               quantile_cont(response_time_ms, 0.99) AS p99_ms
        FROM filtered GROUP BY model ORDER BY p95_ms DESC, model""",
        params,
    )


_REQUESTS_CTE: Final = """
requests AS (
    SELECT request_id, arg_min(model, attempt) AS first_model,
           bool_or(status = 'ok') AS answered, bool_or(status = 'cache_hit') AS cached,
           bool_or(fallback_from IS NOT NULL) AS fell_back
    FROM filtered GROUP BY request_id
)"""


def outcome_counts(source: Source, flt: UsageFilter = ALL) -> dict[str, Any]:
    """requests, answered, cached (and not answered), failed, fell_back, attempts (that reached a
    model), errors (attempts that failed)."""
    cte, params = flt.filtered_cte()
    return first_row(
        run(
            source,
            f"""WITH {cte}, {_REQUESTS_CTE},
        attempts AS (SELECT count(*) FILTER (WHERE status <> 'cache_hit') AS attempts,
                            count(*) FILTER (WHERE status = 'error') AS errors FROM filtered)
        SELECT count(*) AS requests, count(*) FILTER (WHERE answered) AS answered,
               count(*) FILTER (WHERE cached AND NOT answered) AS cached,
               count(*) FILTER (WHERE NOT answered AND NOT cached) AS failed,
               count(*) FILTER (WHERE fell_back) AS fell_back,
               any_value(a.attempts) AS attempts, any_value(a.errors) AS errors
        FROM requests, attempts a""",
            params,
        )
    )


def outcome_rates(source: Source, flt: UsageFilter = ALL) -> pd.DataFrame:
    """Per model: attempts, ok, errors, error_rate (errors / attempts that reached it); requests it was first
    choice for, success_rate and fallback_rate of those requests (answered or cached / fell back)."""
    cte, params = flt.filtered_cte()
    return run(
        source,
        f"""WITH {cte}, {_REQUESTS_CTE},
        per_attempt AS (
            SELECT model, count(*) FILTER (WHERE status <> 'cache_hit') AS attempts,
                   count(*) FILTER (WHERE status = 'ok') AS ok, count(*) FILTER (WHERE status = 'error') AS errors,
                   count(*) FILTER (WHERE status = 'cache_hit') AS cache_hits
            FROM filtered GROUP BY model
        ),
        per_request AS (
            SELECT first_model AS model, count(*) AS requests,
                   count(*) FILTER (WHERE answered OR cached) AS succeeded,
                   count(*) FILTER (WHERE fell_back) AS fell_back
            FROM requests GROUP BY first_model
        )
        SELECT a.model, a.attempts, a.ok, a.errors, a.cache_hits,
               CASE WHEN a.attempts > 0 THEN a.errors / a.attempts ELSE 0 END AS error_rate,
               coalesce(r.requests, 0) AS requests,
               CASE WHEN r.requests > 0 THEN r.succeeded / r.requests END AS success_rate,
               CASE WHEN r.requests > 0 THEN r.fell_back / r.requests END AS fallback_rate
        FROM per_attempt a LEFT JOIN per_request r ON r.model = a.model
        ORDER BY a.model""",
        params,
    )


def quality_matrix(source: Source, flt: UsageFilter = ALL) -> pd.DataFrame:
    """Mean quality (0..1) per model and task: model, task_type, avg_quality, samples, feedback_samples,
    logged_samples, benchmark_samples.

    A successful call counts with its latest agent rating (``quality_feedback``), else the score logged with
    it; benchmark results count too (by their day, task and provider; they have no user, so a user filter
    leaves them out)."""
    cte, params = flt.filtered_cte("status = 'ok'")
    bench_where, bench_params = flt.sql("score IS NOT NULL", columns=BENCH_COLUMNS)
    return run(
        source,
        f"""WITH {cte},
        feedback AS (SELECT request_id, arg_max(score, created_at) AS score FROM quality_feedback GROUP BY request_id),
        scored AS (
            SELECT f.model, f.task_type, coalesce(fb.score, f.quality_score) AS q,
                   CASE WHEN fb.score IS NOT NULL THEN 'feedback' ELSE 'logged' END AS source
            FROM filtered f LEFT JOIN feedback fb ON fb.request_id = f.request_id
            UNION ALL
            SELECT model, task_type, score AS q, 'benchmark' AS source
            FROM benchmark_results {bench_where}
        )
        SELECT model, task_type, avg(q) AS avg_quality, count(q) AS samples,
               count(q) FILTER (WHERE source = 'feedback') AS feedback_samples,
               count(q) FILTER (WHERE source = 'logged') AS logged_samples,
               count(q) FILTER (WHERE source = 'benchmark') AS benchmark_samples
        FROM scored WHERE q IS NOT NULL GROUP BY ALL ORDER BY model, task_type""",
        [*params, *bench_params],
    )
